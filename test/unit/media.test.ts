/**
 * WhatsApp media lookup and download: what each answer from Graph (or its CDN) becomes, retryable
 * or permanent, the size cap, the digest check, and that no failure message leaks the signed URL.
 * `fetch` is stubbed so every case is exact and instant.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GraphConfig } from "../../src/adapters/whatsapp/graph-client.ts";
import { digestAsHex, downloadMedia, fetchMediaMeta } from "../../src/adapters/whatsapp/media.ts";

const TOKEN = "test-access-token";
const GRAPH: GraphConfig = {
  graphUrl: "https://graph.test/",
  apiVersion: "v23.0",
  phoneNumberId: "100000000000001",
  accessToken: TOKEN,
  timeoutMs: 1000,
};
const MEDIA_URL = "https://cdn.test/_media/123?token=SIGNED-SECRET";
const BYTES = new Uint8Array([137, 80, 78, 71, 1, 2, 3, 4, 5]);
const HEX = createHash("sha256").update(BYTES).digest("hex");
const BASE64 = createHash("sha256").update(BYTES).digest("base64");

type Answer = Response | Error | ((url: string, init: RequestInit) => Response | Promise<Response>);

/** Stubs `fetch` with one answer; returns the recorded calls. */
function graphAnswers(answer: Answer): { url: string; init: RequestInit }[] {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal("fetch", (input: string | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, init });
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(typeof answer === "function" ? answer(url, init) : answer);
  });
  return calls;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const graphError = (status: number, code: number, message = "boom") => json(status, { error: { message, type: "OAuthException", code } });
const meta = (extra: Record<string, unknown> = {}) =>
  json(200, { messaging_product: "whatsapp", url: MEDIA_URL, mime_type: "image/png", sha256: HEX, file_size: "9", id: "123", ...extra });

/** A body delivered in chunks, with no Content-Length (as a chunked transfer arrives). */
function chunked(chunks: Uint8Array[], headers: Record<string, string> = {}): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Response(stream, { status: 200, headers });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("fetchMediaMeta", () => {
  it("asks Graph for the media id with the Bearer token and the phone number id, and reads the answer", async () => {
    const calls = graphAnswers(meta());
    const result = await fetchMediaMeta(GRAPH, "123");
    expect(result).toEqual({ ok: true, value: { id: "123", url: MEDIA_URL, mimeType: "image/png", sha256: HEX, fileSize: 9 } });
    expect(calls[0]?.url).toBe("https://graph.test/v23.0/123?phone_number_id=100000000000001");
    expect(new Headers(calls[0]?.init.headers).get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(calls[0]?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it.each([
    ["a 500", graphError(500, 1), true, "1"],
    ["a 429 rate limit", graphError(429, 130429), true, "130429"],
    ["an expired token (401)", graphError(401, 190), true, "190"],
    ["an unknown media id (400, code 100)", graphError(400, 100), false, "100"],
    ["a 404 without a Graph body", new Response("nope", { status: 404 }), false, "http_404"],
  ])("%s → retryable: %s", async (_name, answer, retryable, code) => {
    graphAnswers(answer);
    expect(await fetchMediaMeta(GRAPH, "123")).toMatchObject({ ok: false, retryable, code });
  });

  it("a 200 Graph did not mean (no url) is retryable, not a crash", async () => {
    graphAnswers(json(200, { id: "123", mime_type: "image/png" }));
    expect(await fetchMediaMeta(GRAPH, "123")).toMatchObject({ ok: false, retryable: true, code: "bad_response" });
  });

  it("a file Graph reports over the cap is a permanent failure, before any download", async () => {
    graphAnswers(meta({ file_size: 17 * 1024 * 1024 }));
    expect(await fetchMediaMeta(GRAPH, "123")).toMatchObject({ ok: false, retryable: false, code: "too_large" });
  });

  it("a timeout and a network error are retryable", async () => {
    graphAnswers(new DOMException("The operation timed out.", "TimeoutError"));
    expect(await fetchMediaMeta(GRAPH, "123")).toMatchObject({ ok: false, retryable: true, code: "timeout" });
    graphAnswers(new TypeError("fetch failed"));
    expect(await fetchMediaMeta(GRAPH, "123")).toMatchObject({ ok: false, retryable: true, code: "network" });
  });
});

describe("downloadMedia", () => {
  it("downloads with the Bearer token, returns the bytes, their digest and the bare content type", async () => {
    const calls = graphAnswers(new Response(BYTES, { headers: { "content-type": "image/png; charset=binary" } }));
    const result = await downloadMedia(GRAPH, MEDIA_URL, { sha256: HEX });
    expect(result).toEqual({ ok: true, value: { bytes: BYTES, contentType: "image/png", sha256: HEX, sizeBytes: BYTES.length } });
    expect(new Headers(calls[0]?.init.headers).get("authorization")).toBe(`Bearer ${TOKEN}`);
  });

  it("accepts the digest in base64 too (as webhooks report it)", async () => {
    graphAnswers(new Response(BYTES));
    expect(await downloadMedia(GRAPH, MEDIA_URL, { sha256: BASE64 })).toMatchObject({ ok: true });
  });

  it("bytes that do not match Graph's digest are a retryable failure", async () => {
    graphAnswers(new Response(BYTES.slice(0, 5)));
    expect(await downloadMedia(GRAPH, MEDIA_URL, { sha256: HEX })).toMatchObject({ ok: false, retryable: true, code: "sha256_mismatch" });
  });

  it.each([
    ["an expired URL (403)", new Response("URL signature expired", { status: 403 }), true],
    ["a 404", new Response("Not Found", { status: 404 }), true],
    ["a 500", graphError(500, 1), true],
    ["a 410 Gone", new Response("gone", { status: 410 }), false],
  ])("%s → retryable: %s", async (_name, answer, retryable) => {
    graphAnswers(answer);
    expect(await downloadMedia(GRAPH, MEDIA_URL)).toMatchObject({ ok: false, retryable });
  });

  it("a body over the cap is a permanent failure, whether declared or streamed", async () => {
    graphAnswers(new Response(new Uint8Array(20), { headers: { "content-length": "20" } }));
    expect(await downloadMedia(GRAPH, MEDIA_URL, { maxBytes: 10 })).toMatchObject({ ok: false, retryable: false, code: "too_large" });
    graphAnswers(chunked([new Uint8Array(6), new Uint8Array(6)]));
    expect(await downloadMedia(GRAPH, MEDIA_URL, { maxBytes: 10 })).toMatchObject({ ok: false, retryable: false, code: "too_large" });
    graphAnswers(chunked([new Uint8Array(5), new Uint8Array(5)]));
    expect(await downloadMedia(GRAPH, MEDIA_URL, { maxBytes: 10 })).toMatchObject({ ok: true, value: { sizeBytes: 10 } });
  });

  it("failure messages never carry the signed URL's query string or the token", async () => {
    graphAnswers(new TypeError(`connect ECONNREFUSED while fetching ${MEDIA_URL}`));
    const result = await downloadMedia(GRAPH, MEDIA_URL);
    expect(result).toMatchObject({ ok: false, retryable: true, code: "network" });
    expect(JSON.stringify(result)).not.toContain("SIGNED-SECRET");
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(JSON.stringify(result)).toContain("https://cdn.test/_media/123");
  });
});

describe("digestAsHex", () => {
  it("reads hex (any case) and base64 digests, and nothing else", () => {
    expect(digestAsHex(HEX.toUpperCase())).toBe(HEX);
    expect(digestAsHex(BASE64)).toBe(HEX);
    expect(digestAsHex("not-a-digest")).toBeNull();
  });
});
