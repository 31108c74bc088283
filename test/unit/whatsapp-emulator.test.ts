/**
 * The WhatsApp Cloud API emulator, exercised over real HTTP from Node: Graph sends and their
 * validation, the 24-hour window, fault injection, Meta's webhook envelope and signature, media.
 * A tiny node:http server plays the Worker's webhook endpoint.
 */
import { createHmac, createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWhatsAppEmulator, type RunningWhatsAppEmulator } from "../../dev/emulators/whatsapp/index.ts";

const APP_SECRET = "test-app-secret";
const TOKEN = "test-access-token";
const PHONE_ID = "100000000000001";
const CLIENT = "+447700900123";
const CLIENT_DIGITS = "447700900123";
const HOUR = 60 * 60 * 1000;

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
}

/** A stand-in for the Worker's webhook route: records raw requests, answers `status`. */
interface FakeWorker {
  url: string;
  received: Received[];
  status: number;
  close(): Promise<void>;
}

async function startFakeWorker(): Promise<FakeWorker> {
  const worker: Omit<FakeWorker, "url" | "close"> = { received: [], status: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      worker.received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(worker.status, { "content-type": "text/plain" }).end(worker.status === 200 ? "ok" : "nope");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return Object.assign(worker, {
    url: `http://127.0.0.1:${port}/webhooks/whatsapp`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

let emulator: RunningWhatsAppEmulator;
let worker: FakeWorker;

beforeEach(async () => {
  worker = await startFakeWorker();
  emulator = await startWhatsAppEmulator({
    port: 0,
    appSecret: APP_SECRET,
    accessToken: TOKEN,
    phoneNumberId: PHONE_ID,
    displayPhoneNumber: "+44 7700 900000",
    webhookUrl: worker.url,
  });
});

afterEach(async () => {
  await emulator.close();
  await worker.close();
});

function graph(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return fetch(`${emulator.url}${path}`, { ...init, headers });
}

function send(body: unknown, token?: string | null, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit & { token?: string | null } = { method: "POST", body: JSON.stringify(body), token };
  if (signal) init.signal = signal;
  return graph(`/v23.0/${PHONE_ID}/messages`, init);
}

function control(path: string, body?: unknown): Promise<Response> {
  return fetch(`${emulator.url}/_emulator/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
}

async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

const text = (body: string, to = CLIENT): Record<string, unknown> => ({
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to,
  type: "text",
  text: { body, preview_url: false },
});

const buttons = (count: number): Record<string, unknown> => ({
  messaging_product: "whatsapp",
  to: CLIENT,
  type: "interactive",
  interactive: {
    type: "button",
    body: { text: "Which size?" },
    action: { buttons: Array.from({ length: count }, (_, i) => ({ type: "reply", reply: { id: `size_${i}`, title: `Size ${i}` } })) },
  },
});

const template = { messaging_product: "whatsapp", to: CLIENT, type: "template", template: { name: "booking_reminder", language: { code: "en_GB" } } };

describe("sends", () => {
  it("records an accepted send and answers with a wamid", async () => {
    await emulator.inbound({ from: CLIENT, text: "hello" });
    const response = await send(text("Hi Sam!"));
    expect(response.status).toBe(200);
    const body = await jsonOf(response);
    expect(body).toEqual({
      messaging_product: "whatsapp",
      contacts: [{ input: CLIENT, wa_id: CLIENT_DIGITS }],
      messages: [{ id: expect.stringMatching(/^wamid\./) as unknown }],
    });
    const { sends } = (await jsonOf(await control(`sends?to=${encodeURIComponent(CLIENT)}`))) as { sends: { id: string; type: string; body: unknown }[] };
    expect(sends).toHaveLength(1);
    expect(sends[0]?.id).toBe((body.messages as { id: string }[])[0]?.id);
    expect(sends[0]?.body).toEqual(text("Hi Sam!"));
  });

  it("plays a username client: inbound by BSUID only, sends to `recipient`, statuses by recipient_user_id, 131062 on demand", async () => {
    const bsuid = "GB.1234567890123";
    await emulator.inbound({ user_id: bsuid, username: "@sam.ink", name: "Sam", text: "hello" });
    const envelope = JSON.parse(worker.received.at(-1)?.raw ?? "{}") as { entry: { changes: { value: { contacts: unknown[]; messages: Record<string, unknown>[] } }[] }[] };
    const value = envelope.entry[0]?.changes[0]?.value;
    expect(value?.contacts).toEqual([{ profile: { name: "Sam", username: "@sam.ink" }, user_id: bsuid }]);
    expect(value?.messages[0]).toMatchObject({ from_user_id: bsuid });
    expect(value?.messages[0]).not.toHaveProperty("from");

    const response = await send({ messaging_product: "whatsapp", recipient: bsuid, type: "text", text: { body: "Hi Sam!" } });
    expect(response.status).toBe(200);
    expect((await jsonOf(response)).contacts).toEqual([{ input: bsuid, user_id: bsuid }]);
    const { sends } = (await jsonOf(await control(`sends?to=${bsuid}`))) as { sends: { id: string }[] };
    expect(sends).toHaveLength(1);

    await control("fail", { count: 1, mode: "bsuid_unsupported" });
    const refused = await send({ messaging_product: "whatsapp", recipient: bsuid, type: "text", text: { body: "again" } });
    expect(refused.status).toBe(400);
    expect(((await jsonOf(refused)).error as { code: number }).code).toBe(131062);
  });

  it("plays a changed number: a system notice from the old identity, with no contacts", async () => {
    await emulator.inbound({ from: CLIENT, user_id: "GB.1111111111", changed_number: { to: "+447700900456", new_user_id: "GB.2222222222" } });
    const envelope = JSON.parse(worker.received.at(-1)?.raw ?? "{}") as { entry: { changes: { value: Record<string, unknown> }[] }[] };
    const value = envelope.entry[0]?.changes[0]?.value;
    expect(value).not.toHaveProperty("contacts");
    expect((value?.messages as Record<string, unknown>[])[0]).toMatchObject({
      type: "system",
      from: CLIENT_DIGITS,
      system: { type: "user_changed_number", wa_id: "447700900456", user_id: "GB.2222222222" },
    });
  });

  it("answers 401 with Graph code 190 for a missing or wrong bearer token", async () => {
    for (const token of [null, "wrong-token"]) {
      const response = await send(template, token);
      expect(response.status).toBe(401);
      expect(await jsonOf(response)).toMatchObject({ error: { type: "OAuthException", code: 190, fbtrace_id: expect.any(String) as unknown } });
    }
    expect(emulator.sends()).toHaveLength(0);
    expect(emulator.rejected()).toHaveLength(2);
  });

  it("rejects more than 3 reply buttons, and other malformed sends, with code 100", async () => {
    await emulator.inbound({ from: CLIENT, text: "hello" });
    expect((await send(buttons(3))).status).toBe(200);
    const tooMany = await send(buttons(4));
    expect(tooMany.status).toBe(400);
    expect(await jsonOf(tooMany)).toMatchObject({ error: { code: 100, type: "OAuthException", error_data: { details: expect.stringContaining("buttons") as unknown } } });

    const eleven = Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
    const list = { messaging_product: "whatsapp", to: CLIENT, type: "interactive", interactive: { type: "list", body: { text: "Pick" }, action: { button: "Options", sections: [{ title: "A", rows: eleven.slice(0, 6) }, { title: "B", rows: eleven.slice(6) }] } } };
    const bad: [unknown, string][] = [
      [list, "at most 10 rows"],
      [{ ...text("x"), type: "carrier_pigeon" }, "carrier_pigeon"],
      [{ messaging_product: "whatsapp", type: "text", text: { body: "x" } }, "The parameter to is required"],
    ];
    for (const [body, problem] of bad) {
      const response = await send(body);
      expect(response.status).toBe(400);
      expect(JSON.stringify(await jsonOf(response))).toContain(problem);
    }
    const wrongNumber = await graph("/v23.0/999/messages", { method: "POST", body: JSON.stringify(text("x")) });
    expect(wrongNumber.status).toBe(400);
    expect(await jsonOf(wrongNumber)).toMatchObject({ error: { code: 100, error_subcode: 33 } });
    expect(emulator.sends()).toHaveLength(1);
    expect(emulator.rejected().map((r) => r.error.code)).toEqual([100, 100, 100, 100, 100]);
  });

  it("refuses free-form messages outside the 24-hour window with 131047 but still sends templates", async () => {
    expect(await jsonOf(await send(text("cold open")))).toMatchObject({ error: { code: 131047 } });
    await emulator.inbound({ from: CLIENT, text: "hello" });
    expect((await send(text("within the window"))).status).toBe(200);

    expect((await control("clock", { offsetMs: 25 * HOUR })).status).toBe(200);
    const late = await send(text("a day later"));
    expect(late.status).toBe(400);
    expect(await jsonOf(late)).toMatchObject({ error: { code: 131047, message: expect.stringContaining("Re-engagement") as unknown } });
    expect((await send(template)).status).toBe(200);
    expect(emulator.sends(CLIENT).map((s) => s.type)).toEqual(["text", "template"]);
  });

  it("POST /_emulator/window opens a number's window without a message (the artist's phone in the demo)", async () => {
    expect((await send(text("cold open"))).status).toBe(400);
    const opened = await control("window", { phone: CLIENT, name: "Mara" });
    expect(await jsonOf(opened)).toEqual({ wa_id: CLIENT_DIGITS, in_service_window: true });
    expect((await send(text("now it arrives"))).status).toBe(200);
    // Nothing was posted to the Worker and nothing appears as said by that number.
    expect(worker.received).toEqual([]);
    expect(emulator.inboundMessages(CLIENT)).toEqual([]);
    expect((await control("window", { phone: "not a number" })).status).toBe(400);
  });
});

describe("failure injection", () => {
  it("fails the next calls with 500 then 429 Graph errors, without recording them as sends", async () => {
    await control("fail", { count: 1, mode: "500" });
    const first = await send(template);
    expect(first.status).toBe(500);
    expect(await jsonOf(first)).toMatchObject({ error: { code: 1, message: "An unknown error occurred" } });
    await control("fail", { count: 2, mode: "429" });
    for (let i = 0; i < 2; i++) expect(await jsonOf(await send(template))).toMatchObject({ error: { code: 130429 } });
    expect((await send(template)).status).toBe(200);
    expect(emulator.sends()).toHaveLength(1);
    expect(await jsonOf(await control("fail"))).toEqual({ remaining: 0, armed: [], injected: { "500": 1, "429": 2, timeout: 0, lost_reply: 0, bsuid_unsupported: 0 } });
  });

  it("`only: media` fails media lookups and downloads while sends pass (and do not use up the count)", async () => {
    await emulator.inbound({ from: CLIENT, image: {} });
    const message = (JSON.parse(worker.received[0]?.raw ?? "{}") as { entry: { changes: { value: { messages: { image: { id: string } }[] } }[] }[] }).entry[0]?.changes[0]?.value.messages[0];
    const mediaId = message?.image.id ?? "";
    await control("fail", { count: 2, mode: "500", only: "media" });
    expect((await send(text("Got it"))).status).toBe(200);
    expect((await graph(`/v23.0/${mediaId}`)).status).toBe(500);
    expect(await jsonOf(await control("fail"))).toMatchObject({ remaining: 1, armed: [{ only: "media", remaining: 1 }] });
    expect((await graph(`/v23.0/${mediaId}`)).status).toBe(500);
    expect((await graph(`/v23.0/${mediaId}`)).status).toBe(200);
    await control("fail", { count: 1, mode: "500", only: "messages" });
    expect((await graph(`/v23.0/${mediaId}`)).status).toBe(200);
    expect((await send(text("Got it"))).status).toBe(500);
  });

  it("scoped to one client: another client's sends pass, its own fail; scopes armed at once do not replace each other", async () => {
    const other = "+447700900999";
    await emulator.inbound({ from: other, text: "hi" });
    await control("fail", { count: 1, mode: "500", only: "messages", phone: CLIENT });
    await control("fail", { count: 1, mode: "429", only: "messages", phone: other });
    expect((await send(template)).status).toBe(500);
    expect((await send(text("hello", other))).status).toBe(429);
    expect((await send(template)).status).toBe(200);
    expect((await send(text("hello", other))).status).toBe(200);
    expect(await jsonOf(await fetch(`${emulator.url}/_emulator/fail?phone=${encodeURIComponent(other)}`))).toMatchObject({ remaining: 0, injected: { "429": 1, "500": 0 } });
    // Disarming one client leaves the other's arming alone.
    await control("fail", { count: 3, mode: "500", phone: CLIENT });
    await control("fail", { count: 0, mode: "500", phone: other });
    expect(await jsonOf(await fetch(`${emulator.url}/_emulator/fail?phone=${encodeURIComponent(CLIENT)}`))).toMatchObject({ remaining: 3 });
  });

  it("latency for one client holds its calls (seen in flight), not another's", async () => {
    await control("latency", { ms: 400, phone: CLIENT });
    const inFlight = async () => (await jsonOf(await fetch(`${emulator.url}/_emulator/in-flight?phone=${encodeURIComponent(CLIENT)}`))).calls;
    const slow = send(template);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await inFlight()).toBe(1);
    const started = Date.now();
    await emulator.inbound({ from: "+447700900998", text: "hi" });
    expect((await send(text("quick", "+447700900998"))).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(400);
    expect((await slow).status).toBe(200);
    expect(await inFlight()).toBe(0);
  });

  it("holds a timed-out call open, and close() releases it", async () => {
    await control("fail", { count: 2, mode: "timeout" });
    await expect(send(template, TOKEN, AbortSignal.timeout(300))).rejects.toThrow();
    const held = send(template).then(
      () => "answered",
      () => "dropped",
    );
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await emulator.close();
    expect(await held).toBe("dropped");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(emulator.sends()).toHaveLength(0);
  });

  it("lost_reply takes the send (recorded, statuses follow) but never answers it; refusals still answer", async () => {
    emulator.setSendStatusWebhooks(true);
    await emulator.inbound({ from: CLIENT, text: "hello" });
    await control("fail", { count: 2, mode: "lost_reply", only: "messages" });
    await expect(send({ ...text("Hi"), biz_opaque_callback_data: "row-1" }, TOKEN, AbortSignal.timeout(300))).rejects.toThrow();
    expect(emulator.sends()).toHaveLength(1);
    await emulator.settle();
    const statuses = worker.received
      .slice(1)
      .map((r) => (JSON.parse(r.raw) as { entry: { changes: { value: { statuses: Record<string, unknown>[] } }[] }[] }).entry[0]?.changes[0]?.value.statuses[0]);
    expect(statuses.map((st) => [st?.id, st?.status, st?.biz_opaque_callback_data])).toEqual([
      [emulator.sends()[0]?.id, "sent", "row-1"],
      [emulator.sends()[0]?.id, "delivered", "row-1"],
    ]);
    // A send Graph refuses is answered as usual (nothing was taken, so nothing is lost).
    const refused = await send({ ...text("Hi"), to: "+447700900999" }, TOKEN, AbortSignal.timeout(2_000));
    expect(refused.status).toBe(400);
    expect(await jsonOf(await control("fail"))).toMatchObject({ remaining: 0, injected: { lost_reply: 2 } });
  });
});

describe("inbound webhooks", () => {
  it("posts Meta's exact envelope, signed over the raw body", async () => {
    const result = await jsonOf(await control("inbound", { from: CLIENT, name: "Sam", text: "hello", timestamp: "1700000000" }));
    expect(result).toEqual({ status: 200, body: "ok", message_id: expect.stringMatching(/^wamid\./) as unknown });

    expect(worker.received).toHaveLength(1);
    const { headers, raw } = worker.received[0] ?? { headers: {}, raw: "" };
    const expected = `sha256=${createHmac("sha256", APP_SECRET).update(raw).digest("hex")}`;
    expect(headers["x-hub-signature-256"]).toBe(expected);
    expect(headers["content-type"]).toBe("application/json");
    expect(JSON.parse(raw)).toEqual({
      object: "whatsapp_business_account",
      entry: [
        {
          id: expect.any(String) as unknown,
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "447700900000", phone_number_id: PHONE_ID },
                contacts: [{ profile: { name: "Sam" }, wa_id: CLIENT_DIGITS }],
                messages: [{ from: CLIENT_DIGITS, id: result.message_id, timestamp: "1700000000", type: "text", text: { body: "hello" } }],
              },
            },
          ],
        },
      ],
    });
  });

  it("answers a tapped button with a button_reply carrying the offering message as context", async () => {
    await emulator.inbound({ from: CLIENT, text: "hello" });
    const offered = (await jsonOf(await send(buttons(2)))) as { messages: { id: string }[] };
    worker.status = 500;
    const result = await emulator.inbound({ from: CLIENT, button: { id: "size_1", title: "Size 1" } });
    expect(result.status).toBe(500);
    const message = (JSON.parse(worker.received[1]?.raw ?? "{}") as { entry: { changes: { value: { messages: unknown[] } }[] }[] }).entry[0]?.changes[0]?.value.messages[0];
    expect(message).toMatchObject({
      context: { from: "447700900000", id: offered.messages[0]?.id },
      type: "interactive",
      interactive: { type: "button_reply", button_reply: { id: "size_1", title: "Size 1" } },
    });
  });

  it("passes a forged signature through webhook-raw and answers 400 to bad control bodies", async () => {
    const raw = await jsonOf(await control("webhook-raw", { body: "{\"object\":\"x\"}", signature: "sha256=forged" }));
    expect(raw).toEqual({ status: 200, body: "ok" });
    expect(worker.received[0]).toMatchObject({ raw: "{\"object\":\"x\"}", headers: { "x-hub-signature-256": "sha256=forged" } });

    const noContent = await control("inbound", { from: CLIENT });
    expect(noContent.status).toBe(400);
    expect(await jsonOf(noContent)).toMatchObject({ error: expect.stringContaining("exactly one of") as unknown });
    const badPhone = await control("inbound", { from: "call me", text: "hi" });
    expect(await jsonOf(badPhone)).toMatchObject({ error: "invalid request body", issues: [{ path: "from" }] });
    const notJson = await fetch(`${emulator.url}/_emulator/fail`, { method: "POST", body: "{nope" });
    expect(notJson.status).toBe(400);
  });

  it("posts sent then delivered status webhooks when enabled", async () => {
    emulator.setSendStatusWebhooks(true);
    await emulator.inbound({ from: CLIENT, text: "hello" });
    const sent = (await jsonOf(await send(text("Hi")))) as { messages: { id: string }[] };
    await emulator.settle();
    const statuses = worker.received.slice(1).map((r) => (JSON.parse(r.raw) as { entry: { changes: { value: { statuses: { id: string; status: string }[] } }[] }[] }).entry[0]?.changes[0]?.value.statuses[0]);
    expect(statuses.map((s) => [s?.id, s?.status])).toEqual([[sent.messages[0]?.id, "sent"], [sent.messages[0]?.id, "delivered"]]);
    // A send without callback data gets statuses without it, as Meta does.
    expect(statuses.every((s) => s !== undefined && !("biz_opaque_callback_data" in s))).toBe(true);
  });
});

describe("media", () => {
  it("serves metadata and a bearer-protected download URL that expires after 5 minutes", async () => {
    const bytes = Buffer.from("not really a jpeg");
    await emulator.inbound({ from: CLIENT, image: { base64: bytes.toString("base64"), mime_type: "image/jpeg", caption: "my idea" } });
    const message = (JSON.parse(worker.received[0]?.raw ?? "{}") as { entry: { changes: { value: { messages: { image: { id: string; sha256: string } }[] } }[] }[] }).entry[0]?.changes[0]?.value.messages[0];
    const mediaId = message?.image.id ?? "";
    expect(message?.image).toMatchObject({ caption: "my idea", mime_type: "image/jpeg", sha256: createHash("sha256").update(bytes).digest("base64") });

    const meta = await jsonOf(await graph(`/v23.0/${mediaId}`));
    expect(meta).toEqual({
      messaging_product: "whatsapp",
      url: expect.stringContaining(`${emulator.url}/_media/${mediaId}?token=`) as unknown,
      mime_type: "image/jpeg",
      sha256: createHash("sha256").update(bytes).digest("hex"),
      file_size: String(bytes.length),
      id: mediaId,
    });
    const url = String(meta.url);
    expect((await fetch(url)).status).toBe(401);
    const download = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(download.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);

    emulator.setClockOffset(6 * 60 * 1000);
    expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(403);
    expect(await jsonOf(await graph("/v23.0/123456789012345"))).toMatchObject({ error: { code: 100 } });
  });
});
