/**
 * The migrations against a real (embedded) Postgres: they apply, re-applying is a no-op, and the
 * constraints refuse bad data.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../dev/ports.ts";
import { startPostgres, type RunningPostgres } from "../../dev/postgres.ts";
import { migrateDatabase } from "../../scripts/migrate.ts";

let postgres: RunningPostgres;
let dataDir: string;
let client: pg.Client;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "inkline-migrate-"));
  postgres = await startPostgres({ dataDir, port: await freePort(), database: "inkline_migrations", persistent: false });
  client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
}, 60_000);

afterAll(async () => {
  await client.end();
  await postgres.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("migrations", () => {
  it("apply to an empty database and re-applying is a no-op", async () => {
    const first = await migrateDatabase(postgres.url);
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      "action_tokens",
      "artists",
      "attachments",
      "bookings",
      "dead_letters",
      "inbox_sessions",
      "lead_answers",
      "lead_notes",
      "leads",
      "outbox_messages",
      "processed_events",
      "settings",
      "sheet_rows",
      "sheet_sync_state",
      "slot_offers",
      "system_events",
    ]);
    const second = await migrateDatabase(postgres.url);
    expect(second).toBe(first);
  });

  it("refuses a phone number that is not E.164 and a status that does not exist", async () => {
    await expect(client.query("INSERT INTO leads (phone_e164) VALUES ('07700900123')")).rejects.toThrow(/leads_phone_e164_ck/);
    await expect(client.query("INSERT INTO leads (phone_e164, status) VALUES ('+447700900123', 'MAYBE')")).rejects.toThrow(
      /leads_status_ck/,
    );
  });

  it("keeps one lead per number and one processed marker per provider event", async () => {
    await client.query("INSERT INTO leads (phone_e164) VALUES ('+447700900124')");
    await expect(client.query("INSERT INTO leads (phone_e164) VALUES ('+447700900124')")).rejects.toThrow(/leads_phone_e164_uq/);
    await client.query("INSERT INTO processed_events (provider, event_id) VALUES ('stripe', 'evt_1')");
    await expect(client.query("INSERT INTO processed_events (provider, event_id) VALUES ('stripe', 'evt_1')")).rejects.toThrow(
      /processed_events_provider_event_uq/,
    );
    await client.query("INSERT INTO processed_events (provider, event_id) VALUES ('whatsapp', 'evt_1')");
  });

  it("never lets two held or confirmed bookings of one artist block overlapping time (23P01), buffer included", async () => {
    const artist = async (handle: string) =>
      (await client.query<{ id: string }>("INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'A', 'Europe/London', '{}') RETURNING id", [handle])).rows[0]?.id;
    const lead = async (phone: string) => (await client.query<{ id: string }>("INSERT INTO leads (phone_e164) VALUES ($1) RETURNING id", [phone])).rows[0]?.id;
    const [mara, jo] = [await artist("mara"), await artist("jo")];
    const [l1, l2, l3, l4] = [await lead("+447700900131"), await lead("+447700900132"), await lead("+447700900133"), await lead("+447700900134")];
    const book = (artistId: string | undefined, leadId: string | undefined, status: string, from: string, to: string, until: string) =>
      client.query("INSERT INTO bookings (artist_id, lead_id, status, starts_at, ends_at, blocked_until) VALUES ($1, $2, $3, $4, $5, $6)", [artistId, leadId, status, from, to, until]);

    // 10:00–13:00 held, buffer to 13:30.
    await book(mara, l1, "HELD", "2027-03-01T10:00Z", "2027-03-01T13:00Z", "2027-03-01T13:30Z");
    // Overlapping the session, or starting inside its buffer: refused with 23P01.
    const overlap = await book(mara, l2, "CONFIRMED", "2027-03-01T12:00Z", "2027-03-01T14:00Z", "2027-03-01T14:30Z").catch((e: { code?: string; constraint?: string }) => e);
    expect(overlap).toMatchObject({ code: "23P01", constraint: "bookings_no_overlap" });
    await expect(book(mara, l2, "HELD", "2027-03-01T13:15Z", "2027-03-01T15:00Z", "2027-03-01T15:30Z")).rejects.toMatchObject({ code: "23P01" });
    // After the buffer: fine. Another artist at the same time: fine.
    await book(mara, l2, "HELD", "2027-03-01T13:30Z", "2027-03-01T15:00Z", "2027-03-01T15:30Z");
    await book(jo, l3, "CONFIRMED", "2027-03-01T10:00Z", "2027-03-01T13:00Z", "2027-03-01T13:00Z");
    // A released hold blocks nothing; bringing it back over a live booking is refused.
    await book(mara, l4, "RELEASED", "2027-03-01T10:00Z", "2027-03-01T13:00Z", "2027-03-01T13:30Z");
    await expect(client.query("UPDATE bookings SET status = 'CONFIRMED' WHERE lead_id = $1", [l4])).rejects.toMatchObject({ code: "23P01" });
    // One blocking booking per lead; a slot that ends before it starts is refused.
    await expect(book(jo, l1, "HELD", "2027-03-02T10:00Z", "2027-03-02T11:00Z", "2027-03-02T11:00Z")).rejects.toThrow(/bookings_lead_blocking_uq/);
    await expect(book(jo, l4, "HELD", "2027-03-02T10:00Z", "2027-03-02T09:00Z", "2027-03-02T10:00Z")).rejects.toThrow(/bookings_times_ck/);
    await expect(book(jo, l4, "MAYBE", "2027-03-02T10:00Z", "2027-03-02T11:00Z", "2027-03-02T11:00Z")).rejects.toThrow(/bookings_status_ck/);
  });

  it("stores action tokens only as SHA-256 hashes", async () => {
    const lead = await client.query<{ id: string }>("INSERT INTO leads (phone_e164) VALUES ('+447700900125') RETURNING id");
    await expect(
      client.query(
        "INSERT INTO action_tokens (token_hash, lead_id, action, allowed_statuses, expires_at) VALUES ($1, $2, 'approve', '[]', now())",
        ["raw-token-value", lead.rows[0]?.id],
      ),
    ).rejects.toThrow(/action_tokens_hash_ck/);
  });

  it("0005 takes the raw action tokens out of stored outbox rows (issue 19): redacted when sent, the inbox page when pending", async () => {
    const lead = await client.query<{ id: string }>("INSERT INTO leads (phone_e164) VALUES ('+447700900127') RETURNING id");
    const id = lead.rows[0]?.id ?? "";
    const token = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456";
    const body = (t: string) => ({ kind: "text", body: `Approve: https://inkline.test/a/${t}\nReject: https://inkline.test/a/${t.split("").reverse().join("")}` });
    for (const [seq, status] of [[1, "SENT"], [2, "PENDING"], [3, "FAILED"]] as const) {
      await client.query("INSERT INTO outbox_messages (lead_id, seq, to_phone, kind, payload, copy_key, status) VALUES ($1, $2, '+447700900001', 'text', $3, 'summary.artist', $4)", [id, seq, JSON.stringify(body(token)), status]);
    }
    await client.query("INSERT INTO outbox_messages (lead_id, seq, to_phone, kind, payload, copy_key, status) VALUES ($1, 4, '+447700900127', 'text', $2, 'x', 'SENT')", [id, JSON.stringify({ kind: "text", body: "Hi /a/short" })]);
    const sql = readFileSync(path.join(import.meta.dirname, "../../migrations/0005_redact_outbox_tokens.sql"), "utf8");
    for (const statement of sql.split("--> statement-breakpoint")) await client.query(statement);
    const rows = await client.query<{ seq: number; payload: { body: string } }>("SELECT seq, payload FROM outbox_messages WHERE lead_id = $1 ORDER BY seq", [id]);
    expect(rows.rows.map((r) => r.payload.body)).toEqual([
      "Approve: https://inkline.test/a/[redacted]\nReject: https://inkline.test/a/[redacted]",
      `Approve: https://inkline.test/inbox/leads/${id}\nReject: https://inkline.test/inbox/leads/${id}`,
      "Approve: https://inkline.test/a/[redacted]\nReject: https://inkline.test/a/[redacted]",
      "Hi /a/short",
    ]);
  });

  it("stores inbox sessions only by the hash of their nonce, with a key fingerprint and a lifetime", async () => {
    const id = "a".repeat(64);
    const insert = (sessionId: string, fingerprint: string, expires = "now() + interval '12 hours'") =>
      client.query(`INSERT INTO inbox_sessions (id, key_fingerprint, created_at, expires_at) VALUES ($1, $2, now(), ${expires})`, [sessionId, fingerprint]);
    await expect(insert("v1.1764928800000.AAAAAAAAAAAAAAAAAAAAAA", "0123456789abcdef")).rejects.toThrow(/inbox_sessions_id_ck/);
    await expect(insert(id, "the-admin-key")).rejects.toThrow(/inbox_sessions_key_fingerprint_ck/);
    await expect(insert(id, "0123456789abcdef", "now() - interval '1 second'")).rejects.toThrow(/inbox_sessions_lifetime_ck/);
    await insert(id, "0123456789abcdef");
    await expect(insert(id, "0123456789abcdef")).rejects.toThrow(/inbox_sessions_pkey/);
  });

  it("orders answers per lead and refuses a duplicate position", async () => {
    const lead = await client.query<{ id: string }>("INSERT INTO leads (phone_e164) VALUES ('+447700900126') RETURNING id");
    const id = lead.rows[0]?.id;
    await client.query("INSERT INTO lead_answers (lead_id, seq, question_key, raw_text) VALUES ($1, 1, 'budget', '£300')", [id]);
    await client.query("INSERT INTO lead_answers (lead_id, seq, question_key, raw_text) VALUES ($1, 2, 'budget', '£500')", [id]);
    await expect(
      client.query("INSERT INTO lead_answers (lead_id, seq, question_key) VALUES ($1, 2, 'idea')", [id]),
    ).rejects.toThrow(/lead_answers_lead_seq_uq/);
    const latest = await client.query<{ raw_text: string }>(
      "SELECT DISTINCT ON (question_key) raw_text FROM lead_answers WHERE lead_id = $1 ORDER BY question_key, seq DESC",
      [id],
    );
    expect(latest.rows.map((r) => r.raw_text)).toEqual(["£500"]);
  });
});
