/**
 * The consent step's policy for a lead's object (src/domain/engine/consent.ts): the lead's
 * artist's stored policy, read when the artist acts (approve, send the deposit), so an edit in the
 * admin API or the inbox applies to the next approval without a deploy. Leads belong to the
 * default artist today.
 */
import { artistPolicy, DEFAULT_ARTIST_HANDLE } from "../src/db/artists-store.ts";
import type { Database } from "../src/db/client.ts";
import { consentPolicyOf } from "../src/domain/consent.ts";
import type { StudioPolicy } from "../src/domain/studio-policy.ts";

/** The policy the consent step asks under; null when the step is off (the artist has written none). */
export async function consentPolicyFor(db: Database): Promise<StudioPolicy | null> {
  return consentPolicyOf(await artistPolicy(db, DEFAULT_ARTIST_HANDLE));
}
