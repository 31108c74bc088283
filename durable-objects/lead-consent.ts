/**
 * The consent step's policy for a lead's object (src/domain/engine/consent.ts): the lead's
 * artist's stored policy, read when the artist acts (approve, send the deposit), so an edit in the
 * admin API or the inbox applies to the next approval without a deploy. Leads belong to the
 * default artist today.
 *
 * Kept by the object for a few seconds: an action retried at once (Stripe down, the drain's
 * second pass) is decided under the same read, without another round trip before it.
 */
import { artistPolicy, DEFAULT_ARTIST_HANDLE } from "../src/db/artists-store.ts";
import type { Database } from "../src/db/client.ts";
import { consentPolicyOf } from "../src/domain/consent.ts";
import { ArtistAction } from "../src/domain/artist-actions.ts";
import { CONSENT_FIRST } from "../src/domain/engine/consent.ts";
import type { LeadStatus } from "../src/domain/lead-status.ts";
import type { StudioPolicy } from "../src/domain/studio-policy.ts";

/** Whether `action` on a lead in `status` may start the consent step (the approval, or the deposit sent with it). */
export function startsConsent(action: ArtistAction, status: LeadStatus): boolean {
  return action === ArtistAction.APPROVE || (action === ArtistAction.SEND_DEPOSIT && CONSENT_FIRST.has(status));
}

/** How long a read policy stands for the object's next actions. */
const KEEP_MS = 30_000;

export class LeadConsentPolicy {
  private read: { value: StudioPolicy | null; atMs: number } | null = null;

  /** The policy the consent step asks under; null when the step is off (the artist has written none). */
  async current(db: Database, nowMs: number): Promise<StudioPolicy | null> {
    if (this.read !== null && nowMs - this.read.atMs < KEEP_MS) return this.read.value;
    const value = consentPolicyOf(await artistPolicy(db, DEFAULT_ARTIST_HANDLE));
    this.read = { value, atMs: nowMs };
    return value;
  }
}
