/**
 * The WhatsApp Graph client: the exact request bodies Meta expects for each kind of message, and
 * how every answer (or silence) from Graph is classified. A tiny node:http server plays Graph.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { graphBody, sendGraphMessage, type GraphConfig, type GraphMessage } from "../../src/adapters/whatsapp/graph-client.ts";

const CLIENT = "+447700900123";
const OUTBOX_ID = "outbox-1";
const TOKEN = "test-access-token";
const PHONE_ID = "100000000000001";
const BASE = { messaging_product: "whatsapp", recipient_type: "individual", to: "447700900123", biz_opaque_callback_data: OUTBOX_ID };

describe("graphBody: what goes over the wire", () => {
  it("text: no link previews, number without the plus", () => {
    expect(graphBody(CLIENT, { kind: "text", body: "Hi Sam!" }, OUTBOX_ID)).toEqual({
      ...BASE,
      type: "text",
      text: { body: "Hi Sam!", preview_url: false },
    });
  });

  it("buttons: an interactive button message with up to three reply buttons", () => {
    const message: GraphMessage = {
      kind: "buttons",
      body: "How detailed is it?",
      buttons: [
        { id: "complexity:1", title: "Simple" },
        { id: "complexity:2", title: "Some detail" },
        { id: "complexity:3", title: "Very detailed" },
      ],
    };
    expect(graphBody(CLIENT, message, OUTBOX_ID)).toEqual({
      ...BASE,
      type: "interactive",
      interactive: {
        type: "button",
        body: { text: "How detailed is it?" },
        action: {
          buttons: [
            { type: "reply", reply: { id: "complexity:1", title: "Simple" } },
            { type: "reply", reply: { id: "complexity:2", title: "Some detail" } },
            { type: "reply", reply: { id: "complexity:3", title: "Very detailed" } },
          ],
        },
      },
    });
  });

  it("list: one section of rows behind a button label", () => {
    const rows = [
      { id: "slot:1", title: "Mon 3 Mar, 10:00", description: "Studio A" },
      { id: "slot:2", title: "Tue 4 Mar, 14:00" },
    ];
    expect(graphBody(CLIENT, { kind: "list", body: "Pick a time", buttonLabel: "See times", rows }, OUTBOX_ID)).toEqual({
      ...BASE,
      type: "interactive",
      interactive: {
        type: "list",
        body: { text: "Pick a time" },
        action: { button: "See times", sections: [{ title: "See times", rows }] },
      },
    });
  });

  it("template: language code and one text parameter per value in the body component", () => {
    expect(graphBody(CLIENT, { kind: "template", name: "inkline_update", language: "en_GB", params: ["Sam", "Mara"] }, OUTBOX_ID)).toEqual({
      ...BASE,
      type: "template",
      template: {
        name: "inkline_update",
        language: { code: "en_GB" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Sam" },
              { type: "text", text: "Mara" },
            ],
          },
        ],
      },
    });
  });

  it("template without parameters: no components", () => {
    const body = graphBody(CLIENT, { kind: "template", name: "hello_world", language: "en_US", params: [] }, OUTBOX_ID);
    expect(body.template).toEqual({ name: "hello_world", language: { code: "en_US" }, components: [] });
  });

  it("media: an image by link with its caption", () => {
    expect(graphBody(CLIENT, { kind: "media", mediaKind: "image", link: "https://cdn.test/flash.jpg", caption: "Flash sheet" }, OUTBOX_ID)).toEqual({
      ...BASE,
      type: "image",
      image: { link: "https://cdn.test/flash.jpg", caption: "Flash sheet" },
    });
  });

  it("media: a document by link, no caption key when there is none", () => {
    expect(graphBody(CLIENT, { kind: "media", mediaKind: "document", link: "https://cdn.test/aftercare.pdf" }, OUTBOX_ID)).toEqual({
      ...BASE,
      type: "document",
      document: { link: "https://cdn.test/aftercare.pdf" },
    });
  });
});

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Plays Graph: records each request and answers with `answer` (which may never answer). */
interface FakeGraph {
  url: string;
  received: Received[];
  answer: (res: ServerResponse) => void;
  close(): Promise<void>;
}

async function startFakeGraph(): Promise<FakeGraph> {
  const graph: Omit<FakeGraph, "url" | "close"> = {
    received: [],
    answer: (res) => reply(res, 200, { messaging_product: "whatsapp", messages: [{ id: "wamid.OK1" }] }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      graph.received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      graph.answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return Object.assign(graph, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(typeof body === "string" ? body : JSON.stringify(body));
}

const graphError = (code: number, message: string) => ({ error: { message, type: "OAuthException", code, fbtrace_id: "AbC" } });

let graph: FakeGraph;
let config: GraphConfig;

beforeEach(async () => {
  graph = await startFakeGraph();
  config = { graphUrl: `${graph.url}/`, apiVersion: "v23.0", phoneNumberId: PHONE_ID, accessToken: TOKEN, timeoutMs: 2_000 };
});

afterEach(async () => {
  await graph.close();
});

const send = (overrides: Partial<GraphConfig> = {}) => sendGraphMessage({ ...config, ...overrides }, CLIENT, { kind: "text", body: "Hi!" }, OUTBOX_ID);

describe("sendGraphMessage: talking to Graph", () => {
  it("POSTs the JSON body to /{version}/{phoneNumberId}/messages with the Bearer token", async () => {
    await send();
    expect(graph.received).toHaveLength(1);
    const [request] = graph.received;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(`/v23.0/${PHONE_ID}/messages`);
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(request?.body ?? "null")).toEqual(graphBody(CLIENT, { kind: "text", body: "Hi!" }, OUTBOX_ID));
  });

  it("200 with a message id: sent, with Meta's id", async () => {
    expect(await send()).toEqual({ ok: true, providerMessageId: "wamid.OK1" });
  });
});

describe("sendGraphMessage: failures worth retrying", () => {
  it("429 Too Many Requests", async () => {
    graph.answer = (res) => reply(res, 429, graphError(4, "(#4) Application request limit reached"));
    expect(await send()).toMatchObject({ ok: false, retryable: true, code: "4" });
  });

  it("500 from Graph", async () => {
    graph.answer = (res) => reply(res, 500, graphError(1, "An unknown error occurred"));
    expect(await send()).toMatchObject({ ok: false, retryable: true, code: "1" });
  });

  it("500 without a Graph error body: classified by status", async () => {
    graph.answer = (res) => reply(res, 500, "<html>Bad gateway</html>");
    expect(await send()).toMatchObject({ ok: false, retryable: true, code: "http_500" });
  });

  it("Graph's rate-limit code 130429, even on a 400", async () => {
    graph.answer = (res) => reply(res, 400, graphError(130429, "Rate limit hit"));
    expect(await send()).toMatchObject({ ok: false, retryable: true, code: "130429", message: "Rate limit hit" });
  });

  it("Graph never answers: a timeout after timeoutMs", async () => {
    graph.answer = () => undefined;
    const started = Date.now();
    const result = await send({ timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, retryable: true, code: "timeout" });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("nobody listening: a network failure", async () => {
    const gone = graph.url;
    await graph.close();
    expect(await send({ graphUrl: gone })).toMatchObject({ ok: false, retryable: true, code: "network" });
    graph = await startFakeGraph();
  });

  it.each([
    ["not JSON", "<html>ok</html>"],
    ["no message id", JSON.stringify({ messaging_product: "whatsapp", messages: [] })],
    ["an empty object", "{}"],
  ])("200 with %s: a bad response", async (_, body) => {
    graph.answer = (res) => reply(res, 200, body);
    expect(await send()).toMatchObject({ ok: false, retryable: true, code: "bad_response" });
  });
});

describe("sendGraphMessage: permanent failures", () => {
  it("131047, the 24-hour window is closed", async () => {
    graph.answer = (res) => reply(res, 400, graphError(131047, "Re-engagement message"));
    expect(await send()).toEqual({ ok: false, retryable: false, code: "131047", message: "Re-engagement message" });
  });

  it("131026, the message is undeliverable", async () => {
    graph.answer = (res) => reply(res, 400, graphError(131026, "Message undeliverable"));
    expect(await send()).toEqual({ ok: false, retryable: false, code: "131026", message: "Message undeliverable" });
  });

  it("a 400 without a Graph error body: classified by status", async () => {
    graph.answer = (res) => reply(res, 400, "Bad Request");
    expect(await send()).toEqual({ ok: false, retryable: false, code: "http_400", message: "HTTP 400" });
  });
});
