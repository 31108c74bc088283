/**
 * Reference images: a client's image or document is copied from WhatsApp into R2 after the reply
 * has gone out, retried with backoff when Graph fails, and given up on (FAILED + system event)
 * without the conversation ever waiting for it.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { REFERENCE_FILES_PER_LEAD } from "../../src/domain/engine.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { leadByPhone, sql } from "../support/workers/db.ts";
import {
  clientSends,
  failNextSends,
  postWebhook,
  signBody,
  textsTo,
  uniquePhone,
  metaEnvelope,
  prepareInbound,
  type InboundSpec,
} from "../support/workers/whatsapp.ts";

interface AttachmentRow extends Record<string, unknown> {
  id: string;
  lead_id: string;
  status: string;
  attempts: number;
  r2_key: string | null;
  sha256: string | null;
  size_bytes: number | null;
  mime_type: string | null;
  caption: string | null;
  source_message_id: string | null;
  last_error: string | null;
}

const stubFor = (phone: string) => env.LEAD_CONVERSATION.getByName(phone);

const question = (i: number) => {
  const q = QUESTIONS[i];
  if (!q) throw new Error(`no question ${i}`);
  return renderCopy(q.copyKey);
};

function attachmentsOf(phone: string): Promise<AttachmentRow[]> {
  return sql<AttachmentRow>(
    "SELECT a.* FROM attachments a JOIN leads l ON l.id = a.lead_id WHERE l.phone_e164 = $1 ORDER BY a.created_at",
    [phone],
  );
}

async function outboxOf(phone: string): Promise<{ copy_key: string; status: string; attempts: number }[]> {
  return sql(
    "SELECT o.copy_key, o.status, o.attempts FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE l.phone_e164 = $1 ORDER BY o.seq",
    [phone],
  );
}

/** Runs the object's alarm until every attachment of the number has left PENDING (bounded). */
async function driveUploads(phone: string, maxRuns = 12): Promise<AttachmentRow[]> {
  for (let run = 0; run < maxRuns; run++) {
    const rows = await attachmentsOf(phone);
    if (rows.length > 0 && rows.every((r) => r.status !== "PENDING")) return rows;
    await runDurableObjectAlarm(stubFor(phone));
    await stubFor(phone).settled();
  }
  return attachmentsOf(phone);
}

/** Random bytes (so a wrong or truncated copy cannot match by accident), and their base64 and hex sha256. */
async function sampleFile(size: number): Promise<{ bytes: Uint8Array; base64: string; sha256: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return {
    bytes,
    base64: btoa(String.fromCharCode(...bytes)),
    sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

/** What the emulator armed and injected for this client's calls (other files arm their own). */
async function emulatorFailures(phone: string): Promise<{ remaining: number; injected: Record<string, number> }> {
  const res = await fetch(`${inject("whatsappUrl")}/_emulator/fail?phone=${encodeURIComponent(phone)}`);
  return res.json();
}

/** A client who said hi and was asked the first question (the tattoo idea). */
async function clientInConsultation(): Promise<string> {
  const phone = uniquePhone();
  await clientSends({ from: phone, name: "Ari", text: "hi" });
  await stubFor(phone).settled();
  return phone;
}

/**
 * Several client messages in one signed webhook POST, as Meta batches them: the object takes them
 * in order before it fetches any file (uploads wait until no message is due).
 */
async function clientSendsTogether(phone: string, specs: readonly Omit<InboundSpec, "from">[]): Promise<void> {
  const messages: unknown[] = [];
  for (const spec of specs) {
    const prepared = await prepareInbound({ from: phone, name: "Ari", ...spec });
    const envelope = JSON.parse(prepared.body) as { entry: { changes: { value: { messages: unknown[] } }[] }[] };
    messages.push(...(envelope.entry[0]?.changes[0]?.value.messages ?? []));
  }
  const body = metaEnvelope({ contacts: [{ wa_id: phone.slice(1), profile: { name: "Ari" } }], messages });
  expect((await postWebhook(body, await signBody(body))).status).toBe(200);
  await stubFor(phone).settled();
}


describe("a client sends a reference image", () => {
  it("the reply arrives, and the image lands in R2 byte for byte with its type; the row is UPLOADED", async () => {
    const phone = await clientInConsultation();
    const file = await sampleFile(3000);
    const { messageId } = await clientSends({
      from: phone,
      image: { base64: file.base64, mime_type: "image/jpeg", caption: "like this, but bigger" },
    });
    await stubFor(phone).settled();

    expect((await textsTo(phone)).slice(2)).toEqual([question(1)]);
    const lead = await leadByPhone(phone);
    const [row, ...others] = await attachmentsOf(phone);
    expect(others).toEqual([]);
    expect(row).toMatchObject({
      status: "UPLOADED",
      attempts: 1,
      mime_type: "image/jpeg",
      caption: "like this, but bigger",
      source_message_id: messageId,
      size_bytes: 3000,
      sha256: file.sha256,
      r2_key: `leads/${String(lead?.id)}/${String(row?.id)}.jpg`,
      last_error: null,
    });

    const object = await env.ATTACHMENTS.get(row?.r2_key ?? "");
    if (!object) throw new Error("no R2 object");
    expect(new Uint8Array(await object.arrayBuffer())).toEqual(file.bytes);
    expect(object.httpMetadata?.contentType).toBe("image/jpeg");
    expect(object.customMetadata).toMatchObject({ lead_id: lead?.id, attachment_id: row?.id, source_message_id: messageId });
    // The image still answers the question it was sent for.
    const answers = await sql("SELECT question_key FROM lead_answers WHERE lead_id = $1", [lead?.id]);
    expect(answers).toEqual([{ question_key: QUESTIONS[0]?.key }]);
  });

  it("a document as the very first message is stored too (any state), as .pdf", async () => {
    const phone = uniquePhone();
    const file = await sampleFile(1200);
    await clientSends({ from: phone, document: { base64: file.base64, mime_type: "application/pdf", filename: "sketch.pdf" } });
    await stubFor(phone).settled();

    expect(await textsTo(phone)).toEqual([expect.stringMatching(/a few (quick|short) questions/), question(0)]);
    const [row] = await attachmentsOf(phone);
    expect(row).toMatchObject({ status: "UPLOADED", mime_type: "application/pdf", sha256: file.sha256 });
    expect(row?.r2_key).toMatch(/\.pdf$/);
    const object = await env.ATTACHMENTS.get(row?.r2_key ?? "");
    expect(new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(file.bytes);
  });

  it("the reply goes out before the image is fetched: a failing first Graph call delays the reply, not the upload", async () => {
    const phone = await clientInConsultation();
    await failNextSends(phone, 1, "500");
    await clientSends({ from: phone, image: { caption: "this one" } });
    await stubFor(phone).settled();
    const [row] = await driveUploads(phone);

    const outbox = await outboxOf(phone);
    expect(outbox.at(-1)).toMatchObject({ status: "SENT", attempts: 2 });
    expect(row).toMatchObject({ status: "UPLOADED", attempts: 1 });
  });
});

describe("Graph media calls failing", () => {
  it("a 500 on the media lookup twice: the reply is already out, the upload succeeds on the third attempt", async () => {
    const phone = await clientInConsultation();
    const before = await emulatorFailures(phone);
    await failNextSends(phone, 2, "500", "media");
    const file = await sampleFile(800);
    await clientSends({ from: phone, image: { base64: file.base64, mime_type: "image/png" } });
    await stubFor(phone).settled();

    // The reply did not wait for the image: sent on its first attempt, before any retry ran.
    expect((await textsTo(phone)).slice(2)).toEqual([question(1)]);
    expect((await outboxOf(phone)).every((o) => o.status === "SENT" && o.attempts === 1)).toBe(true);

    const [row] = await driveUploads(phone);
    expect(row).toMatchObject({ status: "UPLOADED", attempts: 3, sha256: file.sha256, last_error: null });
    const after = await emulatorFailures(phone);
    expect(after.remaining).toBe(0);
    expect((after.injected["500"] ?? 0) - (before.injected["500"] ?? 0)).toBe(2);
    const object = await env.ATTACHMENTS.get(row?.r2_key ?? "");
    expect(new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(file.bytes);
    expect((await stubFor(phone).debugState()).alarm).toBeNull();
  });

  it("failing beyond the attempt limit: FAILED with a system event, nothing in R2, and the conversation carries on", async () => {
    const phone = await clientInConsultation();
    await failNextSends(phone, 5, "500", "media"); // RETRY_MAX_ATTEMPTS in tests
    await clientSends({ from: phone, image: {} });
    await stubFor(phone).settled();
    const [row] = await driveUploads(phone);

    expect(row).toMatchObject({ status: "FAILED", attempts: 5, r2_key: null });
    expect(row?.last_error).toMatch(/^1: /);
    const events = await sql<{ level: string; payload: Record<string, unknown> }>(
      "SELECT level, payload FROM system_events WHERE lead_id = $1 AND type = 'attachment.failed'",
      [row?.lead_id],
    );
    expect(events).toEqual([{ level: "error", payload: expect.objectContaining({ attachment_id: row?.id, attempts: 5, code: "1" }) as unknown }]);
    const listed = await env.ATTACHMENTS.list({ prefix: `leads/${String(row?.lead_id)}/` });
    expect(listed.objects).toEqual([]);
    expect((await stubFor(phone).debugState()).alarm).toBeNull();

    await clientSends({ from: phone, text: "left forearm" });
    await stubFor(phone).settled();
    expect((await textsTo(phone)).slice(2)).toEqual([question(1), question(2)]);
  });

  it("a media id Graph does not know fails at once (permanent): no retries", async () => {
    const phone = await clientInConsultation();
    const body = metaEnvelope({
      contacts: [{ wa_id: phone.slice(1), profile: { name: "Ari" } }],
      messages: [
        {
          from: phone.slice(1),
          id: `wamid.unknown-media-${Date.now()}`,
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: "image",
          image: { id: "999000000000000", mime_type: "image/png" },
        },
      ],
    });
    expect((await postWebhook(body, await signBody(body))).status).toBe(200);
    await stubFor(phone).settled();

    const [row] = await attachmentsOf(phone);
    expect(row).toMatchObject({ status: "FAILED", attempts: 1, provider_media_id: "999000000000000" });
    expect(row?.last_error).toMatch(/^100: /);
    expect((await textsTo(phone)).slice(2)).toEqual([question(1)]);
  });
});

describe("files the client may not leave with us", () => {
  it(`at most ${REFERENCE_FILES_PER_LEAD} files per client: the next is not stored or fetched, and the client is told once`, async () => {
    const phone = await clientInConsultation();
    const captions = Array.from({ length: REFERENCE_FILES_PER_LEAD + 2 }, (_, i) => ({ image: { caption: i === 0 ? "a koi fish, like this" : "" } }));
    await clientSendsTogether(phone, captions);
    const rows = await driveUploads(phone);

    expect(rows).toHaveLength(REFERENCE_FILES_PER_LEAD);
    expect(rows.every((r) => r.status === "UPLOADED")).toBe(true);
    const limit = renderCopy("attachment.limit", { limit: REFERENCE_FILES_PER_LEAD, artistName: "Mara", greetingName: " Ari", replyDays: 3 });
    expect((await textsTo(phone)).filter((t) => t === limit)).toHaveLength(1);
    const listed = await env.ATTACHMENTS.list({ prefix: `leads/${String(rows[0]?.lead_id)}/` });
    expect(listed.objects).toHaveLength(REFERENCE_FILES_PER_LEAD);
    const refused = await sql<{ payload: Record<string, unknown> }>(
      "SELECT payload FROM system_events WHERE lead_id = $1 AND type = 'attachment.not_kept' ORDER BY id",
      [rows[0]?.lead_id],
    );
    expect(refused.map((e) => [e.payload.reason, e.payload.client_told])).toEqual([
      ["limit", true],
      ["limit", false],
    ]);
  });

  it("a file sent just before STOP is never fetched after it, and files sent while opted out make no row", async () => {
    const phone = await clientInConsultation();
    await clientSendsTogether(phone, [{ image: { caption: "like this" } }, { text: "STOP" }]);
    const [row, ...others] = await attachmentsOf(phone);
    expect(others).toEqual([]);
    expect(row).toMatchObject({ status: "FAILED", attempts: 0, r2_key: null, sha256: null, last_error: "not_kept: opted_out" });
    const listed = await env.ATTACHMENTS.list({ prefix: `leads/${String(row?.lead_id)}/` });
    expect(listed.objects).toEqual([]);

    await clientSends({ from: phone, image: { caption: "one more" } });
    await stubFor(phone).settled();
    await runDurableObjectAlarm(stubFor(phone));
    expect(await attachmentsOf(phone)).toHaveLength(1);
    const events = await sql<{ payload: Record<string, unknown> }>(
      "SELECT payload FROM system_events WHERE lead_id = $1 AND type = 'attachment.not_kept' ORDER BY id",
      [row?.lead_id],
    );
    expect(events.map((e) => e.payload.reason)).toEqual(["opted_out", "opted_out"]);
    expect(events[0]?.payload).toMatchObject({ attachment_ids: [row?.id], pending: true });
    expect((await stubFor(phone).debugState()).alarm).toBeNull();
  });
});
