/**
 * A LeadConversation object's permit to use Postgres, from the DatabaseGate
 * (durable-objects/database-gate.ts): taken before the drain loop touches the database, renewed
 * while a long drain runs, given back when the loop goes idle or waits for a retry.
 *
 * When the gate says "come back later" (the line was long) or cannot be reached (it was reset,
 * and the call waiting in it with it), the object does not fail anything: its items stay in the
 * inbox and it sets its alarm for {@link retryAt}, a jittered time, so a thousand objects turned
 * away together come back spread out.
 */
import { backoffMs } from "../src/lib/backoff.ts";
import { PERMIT_LEASE_MS } from "../src/lib/permits.ts";
import { databaseGate } from "./database-gate.ts";

/**
 * Ceiling of the pause before an object turned away by the gate asks again (equal jitter: 0.5–1 s).
 * Short: the waiting happens in the gate's line (up to PERMIT_WAIT_MS), so this pause only spreads
 * a crowd turned away together, and each second of it is a second the object is not in line (with
 * 5 s, a consultation in the chaos run fell behind its 60 s step limit).
 */
export const GATE_RETRY_MS = 1_000;

export type PermitTaken = { ok: true } | { ok: false; retryAt: number; reason: "turned_away" | "gate_unavailable" };

export class DatabasePermit {
  /** When the lease runs out (the gate's clock), or null while none is held. */
  private expiresAt: number | null = null;
  /** When the object first asked for the permit it has not got yet (kept across "come back later"). */
  private firstAskedAt: number | null = null;
  /** A release on its way: the next acquire waits for it, so it cannot undo the new permit. */
  private releasing: Promise<void> | null = null;

  private readonly env: Pick<Env, "DATABASE_GATE">;
  /** The object's id: stable across resets, so a reset object asking again gets its own permit back. */
  private readonly holder: string;
  private readonly random: () => number;

  constructor(env: Pick<Env, "DATABASE_GATE">, holder: string, random: () => number = Math.random) {
    this.env = env;
    this.holder = holder;
    this.random = random;
  }

  get held(): boolean {
    return this.expiresAt !== null;
  }

  /** Takes a permit, or renews the one held once half its lease has passed; else says when to try again. */
  async keep(now: number): Promise<PermitTaken> {
    if (this.expiresAt !== null && now < this.expiresAt - PERMIT_LEASE_MS / 2) return { ok: true };
    await this.releasing;
    this.firstAskedAt ??= now;
    try {
      const answer = await databaseGate(this.env).acquire(this.holder, now, this.firstAskedAt);
      if (answer.granted) {
        this.expiresAt = answer.expiresAt;
        this.firstAskedAt = null;
        return { ok: true };
      }
      this.expiresAt = null;
      return { ok: false, retryAt: this.retryAt(), reason: "turned_away" };
    } catch {
      this.expiresAt = null;
      return { ok: false, retryAt: this.retryAt(), reason: "gate_unavailable" };
    }
  }

  /**
   * Gives the permit back. Returns the call (best effort: a lost release costs the permit until
   * its lease runs out) for the caller to keep alive with `waitUntil`.
   */
  release(): Promise<void> {
    if (this.expiresAt === null) return Promise.resolve();
    this.expiresAt = null;
    const releasing = databaseGate(this.env)
      .release(this.holder, Date.now())
      .catch(() => undefined)
      .finally(() => {
        if (this.releasing === releasing) this.releasing = null;
      });
    this.releasing = releasing;
    return releasing;
  }

  private retryAt(): number {
    return Date.now() + backoffMs(GATE_RETRY_MS, 1, this.random());
  }
}
