/**
 * After the booking, in the booking phase of `npm run chaos` (issue 18): booked clients cancel and
 * move their sessions, by chat ("I need to cancel", "can I move my appointment?") and by the
 * reminder's "I need to change it" button (a reply button in the window, the template's quick reply
 * outside it), while other clients tap slots and pay, and Google fails freeBusy, insert, patch and
 * delete in turn ({@link FaultCycle}). A client paying for a hold says "I need to cancel" at the
 * same moment as Stripe's event arrives. Each change is recorded as asked ({@link ChangeView}) and
 * judged at the end by booking-invariants.ts `checkChanges`.
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
import { adminAction, statuses, waitForReply, waitForSend } from "./booking-kit.ts";
import type { ChangeView } from "./booking-invariants.ts";

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

/** What the run did about a change, beyond what Postgres shows at the end. */
export interface ChangeRecord extends ChangeView {
  phone: string;
  /** The artist cancelled it from the admin API (a cancel inside the notice goes to them). */
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

/** Sends the client's message and waits for an answer of `expect` (any answer when omitted); false when none came. */
async function clientSends(stack: RunningStack, phone: string, spec: Record<string, unknown>, expect?: string): Promise<boolean> {
  const before = stack.whatsapp.sends(phone).length;
  await stack.whatsapp.inbound({ from: phone, ...spec });
  return expect === undefined ? waitForReply(stack, phone, before) : waitForSend(stack, phone, before, expect);
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

/** One booked client's change, as the script says; the record says what was asked and chosen. */
export async function changeBooking(ctx: ChangeContext, client: Client, script: ChangeScript, pick: number): Promise<ChangeRecord> {
  const booked = await confirmedBooking(ctx.pg, client.id);
  const record: ChangeRecord = { leadId: client.id, phone: client.phone, script, kind: KIND[script], bookingId: booked?.id ?? null, fromStart: booked?.startsAt ?? null, chosenStart: null, artistDecided: false };
  const { stack } = ctx;
  switch (script) {
    case "cancel by chat":
      await clientSends(stack, client.phone, { text: "Hi, I need to cancel my appointment please" });
      break;
    case "reminder template: cancel":
      if (await clientSends(stack, client.phone, { quick_reply: { payload: CHANGE_TAP.id, text: CHANGE_TAP.title } }, "interactive/button")) {
        await clientSends(stack, client.phone, { button: button(ChangeButton.CANCEL, "booking.change_button.cancel") });
      }
      break;
    case "move by chat":
      if (await clientSends(stack, client.phone, { text: "Hey, can I move my appointment?" }, "interactive/list")) record.chosenStart = await tapMoveSlot(ctx, client, pick);
      break;
    case "reminder button: move":
      if (await clientSends(stack, client.phone, { button: CHANGE_TAP }, "interactive/button")) {
        if (await clientSends(stack, client.phone, { button: button(ChangeButton.MOVE, "booking.change_button.move") }, "interactive/list")) record.chosenStart = await tapMoveSlot(ctx, client, pick);
      }
      break;
    case "reminder button: keep":
      if (await clientSends(stack, client.phone, { button: CHANGE_TAP }, "interactive/button")) await clientSends(stack, client.phone, { button: button(ChangeButton.KEEP, "booking.change_button.keep") });
      break;
  }
  if (record.kind === "cancel" && (await statuses(ctx.pg, [client.id])).get(client.id) === "BOOKED") {
    // Inside the notice (or refused): the client heard the policy and the artist decides; here they cancel.
    record.artistDecided = true;
    await adminAction(stack, ctx.adminKey, client.id, "cancel-booking", { reason: "chaos: a late cancel, the artist decides" });
  }
  return record;
}

/** A holder's "I need to cancel" sent at the same moment as their payment is delivered (`pay`). */
export async function cancelWhilePaying(stack: RunningStack, client: Client, pay: () => Promise<void>): Promise<ChangeRecord> {
  await Promise.all([pay(), stack.whatsapp.inbound({ from: client.phone, text: "Actually I need to cancel, sorry" })]);
  return { leadId: client.id, phone: client.phone, script: "cancel while paying", kind: "cancel_while_paying", bookingId: null, fromStart: null, chosenStart: null, artistDecided: false };
}

/** Google faults played in turn while changes and payments run: every operation a change touches. */
export const CHANGE_FAULTS: readonly [FailureMode, Operation][] = [
  ["lost", "patch"],
  ["500", "delete"],
  ["429", "freeBusy"],
  ["timeout", "patch"],
  ["lost", "delete"],
  ["lost", "insert"],
  ["429", "patch"],
  ["timeout", "delete"],
  ["timeout", "freeBusy"],
  ["500", "patch"],
  ["429", "delete"],
  ["500", "insert"],
  ["lost", "freeBusy"],
  ["503", "patch"],
];

/**
 * Arms the Google emulator's faults one after another (it holds one armed fault at a time): each
 * until a matching call took it or `patienceMs` passed, then the next, until stopped. Records each
 * armed fault and whether it fired.
 */
export class FaultCycle {
  readonly armed: { operation: Operation; mode: FailureMode; fired: boolean }[] = [];
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private readonly stack: RunningStack;
  private readonly patienceMs: number;

  constructor(stack: RunningStack, patienceMs = 3_000) {
    this.stack = stack;
    this.patienceMs = patienceMs;
  }

  start(faults: readonly [FailureMode, Operation][] = CHANGE_FAULTS): void {
    this.running = true;
    this.done = (async () => {
      for (let i = 0; this.running; i++) {
        const [mode, operation] = faults[i % faults.length] ?? ["500", "patch"];
        const injected = () => this.stack.google.calls().filter((c) => c.injected).length;
        const before = injected();
        this.stack.google.failNext(1, mode, operation, mode === "429" ? 1 : undefined);
        let fired = false;
        for (const until = Date.now() + this.patienceMs; this.running && Date.now() < until && !fired; await sleep(100)) fired = injected() > before;
        this.armed.push({ operation, mode, fired });
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    this.stack.google.failNext(0, "500");
  }
}
