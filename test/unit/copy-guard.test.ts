/**
 * Client-facing text lives in copy/. This guard reads the source of everything that builds
 * outbound messages and fails when a message field is given a literal instead of rendered copy.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCANNED = ["src", "durable-objects"];
/** Code that reads client text but never writes any (its `text:` fields are tokens, not copy). */
const EXCLUDED = [path.join("src", "domain", "parsing")];
/** Fields of an outbound WhatsApp message that a client reads. */
const MESSAGE_FIELD = /\b(body|caption|title|description|buttonLabel|text)\s*:\s*(["'`])/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".test.ts") ? [full] : [];
  });
}

/** Literal message fields in `source`, as "line: text". Exported shape for the self-test below. */
function literalMessageFields(source: string): string[] {
  const found: string[] = [];
  const lines = source.split("\n");
  lines.forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    for (const match of line.matchAll(MESSAGE_FIELD)) {
      const rest = line.slice((match.index ?? 0) + match[0].length - 1);
      // An empty string or a bare identifier in a template (`${x}`) is not copy.
      if (/^(["'`])\1/.test(rest) || /^`\$\{[^}]+\}`/.test(rest)) continue;
      found.push(`${i + 1}: ${line.trim()}`);
    }
  });
  return found;
}

describe("client-facing copy lives in copy/", () => {
  const files = SCANNED.flatMap((d) => sourceFiles(path.join(ROOT, d))).filter(
    (f) => !EXCLUDED.some((excluded) => path.relative(ROOT, f).startsWith(excluded)),
  );

  it("scans the code that builds messages", () => {
    expect(files.some((f) => f.endsWith(path.join("src", "domain", "engine.ts")) || f.includes(path.join("src", "domain", "engine")))).toBe(true);
    expect(files.length).toBeGreaterThan(20);
  });

  it("no message field in src/ or durable-objects/ is a literal", () => {
    const offenders = files.flatMap((file) =>
      literalMessageFields(readFileSync(file, "utf8")).map((hit) => `${path.relative(ROOT, file)}:${hit}`),
    );
    expect(offenders).toEqual([]);
  });

  it.each([
    ['b.push({ to: "client", kind: "text", body: "Thanks, see you soon!", copyKey: "x" });', 1],
    ["const m = { kind: 'text', body: `Hi ${name}, welcome` };", 1],
    ['buttons: [{ id: "yes", title: "Yes please" }]', 1],
    ['const body = renderCopy("optout.confirmed");', 0],
    ["{ kind: \"text\", body, copyKey }", 0],
    ["// body: \"a comment is fine\"", 0],
    ['const x = { body: "" };', 0],
  ])("the guard itself: %s -> %i finding(s)", (source, count) => {
    expect(literalMessageFields(source)).toHaveLength(count);
  });
});
