/**
 * Variables for the local Worker: the stack's defaults, overridden by `.dev.vars`, overridden by
 * the process environment, so a developer can point any variable (e.g. WHATSAPP_GRAPH_URL) at
 * something else without editing code.
 */
import { existsSync, readFileSync } from "node:fs";

/** Parses dotenv-style text: KEY=value, optional quotes, # comments, blank lines. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().replace(/^export\s+/, "");
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\n/g, "\n");
    } else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out[key] = value;
  }
  return out;
}

/**
 * Renders variables as a dotenv file that wrangler reads back unchanged: double-quoted values,
 * newlines as `\n`. A value with a double quote (JSON, such as GOOGLE_SERVICE_ACCOUNT_JSON) is
 * single-quoted instead, taken literally; one with a double quote and also a single quote or a
 * new line cannot round-trip through dotenv, so it is refused by name.
 */
export function toDotenv(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (!v.includes('"')) return `${k}="${v.replace(/\n/g, "\\n")}"`;
      if (v.includes("'") || v.includes("\n")) throw new Error(`${k}: values containing a double quote and a single quote or a new line are not supported in dev variables`);
      return `${k}='${v}'`;
    })
    .join("\n")
    .concat("\n");
}

export interface ResolvedVars {
  vars: Record<string, string>;
  /** Where each variable's value came from, for the start-up banner. */
  source: Record<string, "default" | ".dev.vars" | "environment">;
}

/**
 * Merges defaults < .dev.vars < process.env, for the keys in `defaults` plus any key present in
 * `.dev.vars` (the developer's additions).
 */
export function resolveVars(
  defaults: Record<string, string>,
  devVarsPath: string,
  environment: NodeJS.ProcessEnv,
): ResolvedVars {
  const fromFile = existsSync(devVarsPath) ? parseDotenv(readFileSync(devVarsPath, "utf8")) : {};
  const vars: Record<string, string> = {};
  const source: ResolvedVars["source"] = {};
  for (const key of new Set([...Object.keys(defaults), ...Object.keys(fromFile)])) {
    const envValue = environment[key];
    if (envValue !== undefined && envValue !== "") {
      vars[key] = envValue;
      source[key] = "environment";
    } else if (fromFile[key] !== undefined) {
      vars[key] = fromFile[key];
      source[key] = ".dev.vars";
    } else if (defaults[key] !== undefined) {
      vars[key] = defaults[key];
      source[key] = "default";
    }
  }
  return { vars, source };
}
