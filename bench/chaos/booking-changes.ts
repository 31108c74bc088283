/**
 * After the booking, in the booking phase of `npm run chaos` (issue 18): booked clients cancel and
 * move their sessions, by chat ("I need to cancel", "can I move my appointment?") and by the
 * reminder's "I need to change it" button (a reply button in the window, the template's quick reply
 * outside it), while other clients tap slots and pay, and Google fails freeBusy, insert, patch and
 * delete, each fault queued for its own operation ({@link queueChangeFaults}). A client paying for a
 * hold says "I need to cancel" at the same moment as Stripe's event arrives. A client may change
 * twice: a second move is outside the default policy (one free move), so the artist lets it through
 * from the admin API; a cancel inside the notice is the artist's to decide too. Each change is
 * recorded with where its lead stood once it was answered ({@link ChangeView}) and judged by
 * booking-invariants.ts `checkChanges`.
 *
 * A reminder's button is tapped as the client would tap it (the emulator posts Meta's
 * `button_reply` or template `button` message with the reminder's id); the reminder itself is not
 * fired here, since the cron at a later `scheduledTime` would also lapse the other clients' holds
 * (the reminders' own timing is test/workers/after-session.test.ts and the browser test).
 */
import type { FailureMode, Operation } from "../../dev/emulators/google/index.ts";
import type { RunningStack } from "../../dev/stack.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { ChangeButton } from "../../src/domain/engine/booking-change.ts";
import type { PgClient } from "../db.ts";
import { sleep } from "../harness.ts";
import { adminAction, sendTypesSince, statuses, waitForReply, waitForSend } from "./booking-kit.ts";
import type { ChangeSnapshot, ChangeView } from "./booking-invariants.ts";

/** How a booked client changes their session, in turn: cancels, moves, keeps it. */
export const CHANGE_SCRIPTS = ["cancel by chat", "move by chat", "reminder button: move", "reminder template: cancel", "reminder button: keep"] as const;
export type ChangeScript = (typeof CHANGE_SCRIPTS)[number];

const KIND: Record<ChangeScript, ChangeView["kind"]> = {
  "cancel by chat": "cancel",
  "move by chat": "move",
  "reminder button: move": "move",
  "reminder template: cancel": "cancel",
  "reminder button: keep": "keep",
};

/** What the run did about a change, beyond what Postgres shows. */
export interface ChangeRecord extends ChangeView {
  phone: string;
  /** The artist decided it from the admin API (a cancel inside the notice; a move past the free ones, or one Google kept from being offered). */
  artistDecided: boolean;
}

export interface ChangeContext {
  stack: RunningStack;
  pg: PgClient;
  adminKey: string;
}

interface Client {
  id: string;
  phone: string;
}

const CHANGE_TAP = { id: ChangeButton.CHANGE, title: renderCopy("booked.button.change") };
const button = (id: string, key: "booking.change_button.move" | "booking.change_button.cancel" | "booking.change_button.keep") => ({ id, title: renderCopy(key) });

async function confirmedBooking(pg: PgClient, leadId: string): Promise<{ id: string; startsAt: number } | null> {
  const { rows } = await pg.query<{ id: string; starts_at: Date }>("SELECT id, starts_at FROM bookings WHERE lead_id = $1 AND status = 'CONFIRMED'", [leadId]);
  const row = rows[0];
  return row ? { id: row.id, startsAt: row.starts_at.getTime() } : null;
}

/** Where the lead and `bookingId` (else its latest booking) stand now. */
export async function snapshot(pg: PgClient, leadId: string, bookingId: string | null): Promise<ChangeSnapshot> {
  const { rows } = await pg.query<{ status: string; confirmed: string; booking_status: string | null; booking_start: Date | null }>(
    `SELECT l.status,
            (SELECT count(*) FROM bookings c WHERE c.lead_id = l.id AND c.status = 'CONFIRMED')::text AS confirmed,
            b.status AS booking_status, b.starts_at AS booking_start
       FROM leads l
       LEFT JOIN LATERAL (SELECT status, starts_at FROM bookings WHERE lead_id = l.id AND ($2::uuid IS NULL OR id = $2::uuid) ORDER BY created_at DESC LIMIT 1) b ON true
      WHERE l.id = $1`,
    [leadId, bookingId],
  );
  const row = rows[0];
  return { status: row?.status ?? "(no lead)", confirmed: Number(row?.confirmed ?? 0), bookingStatus: row?.booking_status ?? null, bookingStart: row?.booking_start?.getTime() ?? null };
}

/** Sends the client's message and waits for the answer; the types sent since (["interactive/list"], …), empty when none came. */
async function clientSends(stack: RunningStack, phone: string, spec: Record<string, unknown>, expect?: string): Promise<string[]> {
  const before = stack.whatsapp.sends(phone).length;
  await stack.whatsapp.inbound({ from: phone, ...spec });
  const answered = expect === undefined ? await waitForReply(stack, phone, before) : await waitForSend(stack, phone, before, expect);
  return answered ? sendTypesSince(stack, phone, before) : [];
}

/** Taps one of the first three slots of the move's offer (the lead's `slot_offer`), several movers per slot. */
async function tapMoveSlot(ctx: ChangeContext, client: Client, pick: number): Promise<number | null> {
  const { rows } = await ctx.pg.query<{ slot_offer: { moving?: boolean; slots?: { id: string; start: string }[] } | null }>("SELECT slot_offer FROM leads WHERE id = $1", [client.id]);
  const slots = rows[0]?.slot_offer?.moving ? (rows[0].slot_offer.slots ?? []) : [];
  const slot = slots[pick % Math.max(1, Math.min(3, slots.length))];
  if (!slot) return null;
  await clientSends(ctx.stack, client.phone, { list: { id: slot.id, title: "that time" } });
  return Date.parse(slot.start);
}

/**
 * The move after the client asked (`answer`: what was sent back): the offer's list tapped, or, with
 * no list (a second move is outside the policy; Google could not be read), the artist lets the move
 * through and the client taps the list that brings.
 */
async function move(ctx: ChangeContext, client: Client, record: ChangeRecord, answer: readonly string[], pick: number, round: number): Promise<void> {
  let offered = answer.includes("interactive/list");
  if (!offered && (await statuses(ctx.pg, [client.id])).get(client.id) === "BOOKED") {
    record.artistDecided = true;
    const before = ctx.stack.whatsapp.sends(client.phone).length;
    await adminAction(ctx.stack, ctx.adminKey, client.id, "allow-move", {}, `r${round}`);
    offered = await waitForSend(ctx.stack, client.phone, before, "interactive/list", 15_000);
  }
  if (offered) record.chosenStart = await tapMoveSlot(ctx, client, pick);
}

/** One booked client's change, as the script says; the record says what was asked, chosen and where it ended. */
export async function changeBooking(ctx: ChangeContext, client: Client, script: ChangeScript, pick: number, round: number): Promise<ChangeRecord> {
  const booked = await confirmedBooking(ctx.pg, client.id);
  const record: ChangeRecord = { leadId: client.id, phone: client.phone, script, kind: KIND[script], bookingId: booked?.id ?? null, fromStart: booked?.startsAt ?? null, chosenStart: null, after: null, artistDecided: false };
  const { stack } = ctx;
  switch (script) {
    case "cancel by chat":
      await clientSends(stack, client.phone, { text: "Hi, I need to cancel my appointment please" });
      break;
    case "reminder template: cancel":
      if ((await clientSends(stack, client.phone, { quick_reply: { payload: CHANGE_TAP.id, text: CHANGE_TAP.title } }, "interactive/button")).length > 0) {
        await clientSends(stack, client.phone, { button: button(ChangeButton.CANCEL, "booking.change_button.cancel") });
      }
      break;
    case "move by chat":
      await move(ctx, client, record, await clientSends(stack, client.phone, { text: "Hey, can I move my appointment?" }), pick, round);
      break;
    case "reminder button: move":
      if ((await clientSends(stack, client.phone, { button: CHANGE_TAP }, "interactive/button")).length > 0) {
        await move(ctx, client, record, await clientSends(stack, client.phone, { button: button(ChangeButton.MOVE, "booking.change_button.move") }), pick, round);
      }
      break;
    case "reminder button: keep":
      if ((await clientSends(stack, client.phone, { button: CHANGE_TAP }, "interactive/button")).length > 0) await clientSends(stack, client.phone, { button: button(ChangeButton.KEEP, "booking.change_button.keep") });
      break;
  }
  if (record.kind === "cancel" && (await statuses(ctx.pg, [client.id])).get(client.id) === "BOOKED") {
    // Inside the notice (or refused): the client heard the policy and the artist decides; here they cancel.
    record.artistDecided = true;
    await adminAction(stack, ctx.adminKey, client.id, "cancel-booking", { reason: "chaos: a late cancel, the artist decides" }, `r${round}`);
    for (const until = Date.now() + 15_000; Date.now() < until && (await statuses(ctx.pg, [client.id])).get(client.id) === "BOOKED"; ) await sleep(250);
  }
  record.after = await snapshot(ctx.pg, client.id, record.bookingId);
  return record;
}

/** A holder's "I need to cancel" sent at the same moment as their payment is delivered (`pay`); read back at the end of the run. */
export async function cancelWhilePaying(stack: RunningStack, client: Client, pay: () => Promise<void>): Promise<ChangeRecord> {
  await Promise.all([pay(), stack.whatsapp.inbound({ from: client.phone, text: "Actually I need to cancel, sorry" })]);
  return { leadId: client.id, phone: client.phone, script: "cancel while paying", kind: "cancel_while_paying", bookingId: null, fromStart: null, chosenStart: null, after: null, artistDecided: false };
}

/** The Google faults queued in each change round (its own calls take them, in order), by round. */
const ROUND_FAULTS: readonly (readonly [Operation, readonly FailureMode[]])[][] = [
  [["patch", ["lost", "429"]], ["delete", ["500", "lost"]], ["freeBusy", ["429"]], ["insert", ["lost"]]],
  [["patch", ["timeout", "500"]], ["delete", ["timeout", "429"]], ["freeBusy", ["timeout"]], ["insert", ["500"]]],
  [["patch", ["503", "lost"]], ["delete", ["lost", "503"]], ["freeBusy", ["lost"]], ["insert", ["timeout"]]],
  [["patch", ["429", "timeout"]], ["delete", ["429", "timeout"]], ["freeBusy", ["500"]], ["insert", ["429"]]],
];

/**
 * Queues a change round's faults on the Google emulator, each for its own operation (a patch's
 * fault waits for a patch however many freeBusy calls come first); returns what it queued.
 */
export function queueChangeFaults(stack: RunningStack, round: number): { operation: Operation; mode: FailureMode; count: number }[] {
  const queued: { operation: Operation; mode: FailureMode; count: number }[] = [];
  for (const [operation, modes] of ROUND_FAULTS[round % ROUND_FAULTS.length] ?? []) {
    stack.google.queueFailures(operation, modes, modes.includes("429") ? 1 : undefined);
    for (const mode of modes) queued.push({ operation, mode, count: 1 });
  }
  return queued;
}
