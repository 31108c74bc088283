/**
 * Client-facing text lives in copy/. This guard reads the source of everything that builds
 * outbound messages and fails when a message field is given a literal instead of rendered copy;
 * and it parses every page written in JSX (the inbox, the demo page) and fails on words written
 * straight into the markup.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
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

/** Attributes a reader sees or hears (a screen reader reads labels and alt text). */
const READABLE_ATTRIBUTES = new Set(["placeholder", "title", "alt", "aria-label", "label", "value"]);
const HAS_WORDS = /\p{L}/u;

/** Words in JSX markup that do not come from copy: text children, readable attributes, literal strings in `{…}`. */
function literalJsxText(source: string): string[] {
  const file = ts.createSourceFile("page.tsx", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) => found.push(`${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}: ${text.trim()}`);
  const literalWords = (expression: ts.Expression | undefined): string | null => {
    if (!expression) return null;
    if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return HAS_WORDS.test(expression.text) ? expression.text : null;
    if (ts.isTemplateExpression(expression)) {
      const parts = [expression.head.text, ...expression.templateSpans.map((span) => span.literal.text)].join(" ");
      return HAS_WORDS.test(parts) ? parts : null;
    }
    return null;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node) && HAS_WORDS.test(node.text)) report(node, node.text);
    if (ts.isJsxExpression(node) && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))) {
      const words = literalWords(node.expression);
      if (words !== null) report(node, words);
    }
    if (ts.isJsxAttribute(node) && READABLE_ATTRIBUTES.has(node.name.getText(file)) && node.initializer) {
      const value = node.initializer;
      const words = ts.isStringLiteral(value) ? (HAS_WORDS.test(value.text) ? value.text : null) : ts.isJsxExpression(value) ? literalWords(value.expression) : null;
      if (words !== null) report(node, words);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
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

  it("no page in JSX writes words into its markup", () => {
    const pages = files.filter((f) => f.endsWith(".tsx"));
    expect(pages.some((f) => f.includes(path.join("src", "routes", "inbox")))).toBe(true);
    const offenders = pages.flatMap((file) => literalJsxText(readFileSync(file, "utf8")).map((hit) => `${path.relative(ROOT, file)}:${hit}`));
    expect(offenders).toEqual([]);
  });

  it.each([
    ["const A = () => <p>Hello there</p>;", 1],
    ["const A = () => (\n  <p>\n    Sign in\n  </p>\n);", 1],
    ['const A = () => <input placeholder="Search" />;', 1],
    ['const A = () => <img alt={"A photo"} />;', 1],
    ['const A = () => <p>{"Literal"}</p>;', 1],
    ["const A = () => <p>{`Hi ${name}`}</p>;", 1],
    ['const A = () => <p>{t("inbox.title")}</p>;', 0],
    ["const A = () => <p>{`${a} · ${b}`}</p>;", 0],
    ['const A = () => <input type="hidden" name="csrf" value={csrf} class="x" />;', 0],
    ['const A = () => <a href="/inbox">{t("inbox.back")}</a>;', 0],
  ])("the JSX guard itself: %s -> %i finding(s)", (source, count) => {
    expect(literalJsxText(source)).toHaveLength(count);
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
