/**
 * The booking chaos phase's hands (bench/chaos/booking.ts and booking-changes.ts): the artist's
 * admin actions, the Stripe emulator's control API and Stripe's deliveries as Stripe retries them,
 * the lists and buttons the WhatsApp emulator recorded for a client, and bounded waits on the
 * leads' statuses in Postgres. No judging here (booking-invariants.ts does that).
 */
import { z } from "zod";
import type { RunningStack } from "../../dev/stack.ts";
import { sendType } from "../booking.ts";
import type { PgClient } from "../db.ts";
import { sleep } from "../harness.ts";

export const StripeEvent = z.object({ id: z.string(), type: z.string(), payload: z.string(), signature: z.string() });
export type StripeEvent = z.infer<typeof StripeEvent>;
export const StripeEvents = z.object({ events: z.array(StripeEvent) });
const Sessions = z.object({ sessions: z.array(z.object({ id: z.string(), client_reference_id: z.string().nullable(), status: z.string() })) });

export interface ListRow {
  id: string;
  title: string;
}

/**
 * An artist action through the admin API (retried while the lead is busy, under one idempotency key;
 * `again` names a later, separate tap of the same action); its final HTTP status, 0 when it never got one.
 */
export async function adminAction(stack: RunningStack, adminKey: string, leadId: string, action: string, body: Record<string, unknown> = {}, again = ""): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await fetch(`${stack.urls.worker}/admin/leads/${leadId}/${action}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-admin-api-key": adminKey, "idempotency-key": `chaos-booking-${action}-${leadId}${again}` },
      body: JSON.stringify(body),
    }).catch(() => null);
    await res?.text();
    if (res && res.status !== 503 && res.status !== 202) return res.status;
    await sleep(300);
  }
  return 0;
}

export async function stripeControl(stack: RunningStack, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${stack.urls.stripe}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`stripe emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Posts a Stripe event until the Worker takes it (200), as Stripe retries. */
export async function deliver(stack: RunningStack, event: StripeEvent): Promise<void> {
  for (let attempt = 0, wait = 200; attempt < 30; attempt++, wait = Math.min(wait * 2, 2_000)) {
    const res = await fetch(`${stack.urls.worker}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": event.signature },
      body: event.payload,
    }).catch(() => null);
    await res?.text();
    if (res?.status === 200) return;
    await sleep(wait);
  }
  throw new Error(`stripe event ${event.id} was never taken`);
}

/** The rows of the last list message the emulator recorded for `phone`, with how many sends there were. */
export function lastList(stack: RunningStack, phone: string): { rows: ListRow[]; sends: number } {
  const sends = stack.whatsapp.sends(phone);
  for (const send of [...sends].reverse()) {
    if (sendType(send) !== "interactive/list") continue;
    const body = send.body as { interactive?: { action?: { sections?: { rows: ListRow[] }[] } } };
    return { rows: (body.interactive?.action?.sections ?? []).flatMap((s) => s.rows), sends: sends.length };
  }
  return { rows: [], sends: sends.length };
}

/** The emulator's record of what was sent to `phone` after its first `from` sends: their types ("text", "interactive/list", …). */
export function sendTypesSince(stack: RunningStack, phone: string, from: number): string[] {
  return stack.whatsapp.sends(phone).slice(from).map(sendType);
}

/** Waits (bounded) until something of type `type` was sent to `phone` after its first `from` sends; false when nothing came. */
export async function waitForSend(stack: RunningStack, phone: string, from: number, type: string, timeoutMs = 30_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
    if (sendTypesSince(stack, phone, from).includes(type)) return true;
  }
  return false;
}

/** Waits (bounded) until anything was sent to `phone` after its first `from` sends, then for the replies to that to settle. */
export async function waitForReply(stack: RunningStack, phone: string, from: number, timeoutMs = 30_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
    if (stack.whatsapp.sends(phone).length > from) {
      await sleep(600);
      return true;
    }
  }
  return false;
}

export async function statuses(pg: PgClient, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await pg.query<{ id: string; status: string }>("SELECT id, status FROM leads WHERE id = ANY($1)", [ids]);
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Waits (bounded) until no lead in `ids` is in one of `busy`. */
export async function waitUntilNot(pg: PgClient, ids: readonly string[], busy: readonly string[], timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    const now = await statuses(pg, ids);
    if (![...now.values()].some((s) => busy.includes(s))) return;
  }
}

/** The open Checkout Session the Stripe emulator holds for a lead (its deposit link), or null. */
export async function sessionOf(stack: RunningStack, leadId: string): Promise<string | null> {
  for (let i = 0; i < 40; i++) {
    const { sessions } = Sessions.parse(await stripeControl(stack, "GET", "/_emulator/sessions"));
    const open = sessions.find((s) => s.client_reference_id === leadId && s.status === "open");
    if (open) return open.id;
    await sleep(250);
  }
  return null;
}
