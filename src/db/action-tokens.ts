/**
 * One-tap action tokens in Postgres: only the SHA-256 of a token is stored. Tokens are written
 * with the decision that announced them and consumed inside the decision that uses them (both in
 * lead-store.ts's one-statement apply); this module reads them.
 */
import { eq } from "drizzle-orm";
import type { ArtistAction } from "../domain/artist-actions.ts";
import type { Database } from "./client.ts";
import { actionTokens, leads } from "./schema.ts";

/** A token to store with the decision whose message carries its link. */
export interface NewActionToken {
  tokenHash: string;
  action: ArtistAction;
  allowedStatuses: string[];
  expiresAt: Date;
}

export type ActionTokenRow = typeof actionTokens.$inferSelect;

/** The token with this hash and the lead it is bound to, or null. */
export async function findActionToken(
  db: Database,
  tokenHash: string,
): Promise<{ token: ActionTokenRow; lead: { id: string; conversationKey: string | null; phoneE164: string | null; bsuid: string | null; status: string; displayName: string | null } } | null> {
  const [row] = await db
    .select({
      token: actionTokens,
      lead: { id: leads.id, conversationKey: leads.conversationKey, phoneE164: leads.phoneE164, bsuid: leads.bsuid, status: leads.status, displayName: leads.displayName },
    })
    .from(actionTokens)
    .innerJoin(leads, eq(leads.id, actionTokens.leadId))
    .where(eq(actionTokens.tokenHash, tokenHash));
  return row ?? null;
}
