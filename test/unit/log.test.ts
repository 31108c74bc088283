import { afterEach, describe, expect, it, vi } from "vitest";
import { correlationIdFrom, createLogger, redact } from "../../src/lib/log.ts";
import { maskPhone, toE164 } from "../../src/domain/phone.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("logging", () => {
  it("writes one JSON object per line with event and correlation id", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
    createLogger("corr-1").child({ lead_id: "L1" }).info("lead.step", { status: "QUALIFYING" });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ event: "lead.step", correlation_id: "corr-1", lead_id: "L1", status: "QUALIFYING" });
  });

  it("never prints secrets or full phone numbers", () => {
    const out = JSON.stringify(
      redact({
        access_token: "EAAG-secret",
        headers: { authorization: "Bearer x", "x-admin-api-key": "k" },
        to: "+447700900123",
        note: "client 447700900123 wrote",
        database_url: "postgres://u:p@h/db",
      }),
    );
    expect(out).not.toContain("EAAG-secret");
    expect(out).not.toContain("Bearer x");
    expect(out).not.toContain("postgres://");
    expect(out).not.toContain("7700900123");
    expect(out).toContain(maskPhone("+447700900123"));
  });

  it("leaves ids alone: a UUID or wamid whose digits look like a number is not masked", () => {
    const ids = { correlation_id: "c3815830-a8e2-4be4-9402-d467812345672", message: "wamid.HBgL447700900123FQIAERgS", note: "ref 5c5-447700900123" };
    expect(redact(ids)).toEqual(ids);
    expect(redact({ note: "call 447700900123 or +447700900124." })).toEqual({ note: `call ${maskPhone("+447700900123")} or ${maskPhone("+447700900124")}.` });
  });

  it("never prints an action link's token (request paths are logged)", () => {
    const token = "q2Xo0t1vC3Bg5mX2vV9N2hS1rXgRk0yq5u3w8ZbJ7aE";
    const out = JSON.stringify(redact({ path: `/a/${token}`, url: `https://inkline.test/a/${token}?x=1` }));
    expect(out).not.toContain(token);
    expect(out).toContain("/a/[token]");
    expect(redact({ path: "/a/cancelled" })).toEqual({ path: "/a/cancelled" });
  });

  it("never prints the token of a link that carries it in the fragment (a message body, a URL)", () => {
    const token = "q2Xo0t1vC3Bg5mX2vV9N2hS1rXgRk0yq5u3w8ZbJ7aE";
    const out = JSON.stringify(redact({ body: `Approve: https://inkline.test/a#${token}\nReject: https://inkline.test/a/#${token}` }));
    expect(out).not.toContain(token);
    expect(out).toContain("https://inkline.test/a#[token]");
    expect(out).toContain("https://inkline.test/a/#[token]");
  });

  it("never prints a full business-scoped user ID, alone or in text", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
    createLogger("c1").info("whatsapp.accepted", {
      bsuid: "US.13491208655302741918",
      parent: "US.ENT.11815799212886844830",
      note: "routed GB.77889900112233 to its object",
    });
    const line = lines.join("\n");
    expect(line).not.toContain("13491208655302741918");
    expect(line).not.toContain("11815799212886844830");
    expect(line).not.toContain("77889900112233");
    expect(line).toContain("US.******************18");
  });

  it("drops lines below the level", () => {
    const spy = vi.spyOn(console, "log").mockImplementation(() => undefined);
    createLogger("c", "warn").info("quiet");
    expect(spy).not.toHaveBeenCalled();
  });

  it("keeps a sane caller correlation id and replaces anything else", () => {
    expect(correlationIdFrom("abc-123")).toBe("abc-123");
    expect(correlationIdFrom("bad id with spaces")).toMatch(/^[0-9a-f-]{36}$/);
    expect(correlationIdFrom(null)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("phone numbers", () => {
  it.each([
    ["447700900123", "+447700900123"],
    ["+447700900123", "+447700900123"],
    ["0770", null],
    ["44 7700", null],
    ["abc", null],
  ])("toE164(%s) = %s", (raw, expected) => {
    expect(toE164(raw)).toBe(expected);
  });

  it("masks all but the prefix and last two digits", () => {
    expect(maskPhone("+447700900123")).toBe("+44********23");
    expect(maskPhone("123")).toBe("***");
  });
});
