/**
 * The consent step in Workers tests (issue 18): the artist's approval asks the client's date of
 * birth, the studio's medical questions and the policy's acknowledgement before any slot or
 * deposit link. {@link completeConsent} answers it as a client would, on WhatsApp, whatever the
 * default artist's policy asks right now (another file may have written one with other questions);
 * {@link CONSENT_GIVEN} is the record of a lead that already did (for leads put straight into
 * Postgres past their consultation, test/support/workers/artist.ts).
 */
import { expect } from "vitest";
import { defaultPolicy } from "../../../src/domain/studio-policy.ts";
import { sql } from "./db.ts";
import { clientSends, settle } from "./whatsapp.ts";

/** `leads.consent` of a client who gave consent a day ago: an adult, no medical flags, the default policy agreed. */
export function consentGiven(now = Date.now()): Record<string, unknown> {
  return {
    step: "done",
    next: "slots",
    index: 3,
    startedAt: new Date(now - 25 * 3_600_000).toISOString(),
    dateOfBirth: "1990-05-17",
    age: 35,
    answers: [],
    flags: [],
    policyAcknowledgedAt: new Date(now - 24 * 3_600_000).toISOString(),
    policy: defaultPolicy(),
  };
}

/** The date of birth the helper gives: an adult under any minimum age a policy may set (up to 99 is allowed, tests use ≤ 21). */
export const ADULT_DOB = "17/05/1990";

async function consentStep(leadId: string): Promise<{ status: string; step: string | null } | null> {
  const [row] = await sql<{ status: string; step: string | null }>("SELECT status, consent->>'step' AS step FROM leads WHERE id = $1", [leadId]);
  return row ?? null;
}

/** What a client sends: a text, or a reply button tapped. Resolves once their object has settled. */
export type ClientSender = (message: { text: string } | { button: { id: string; title: string } }) => Promise<void>;

/** A sender for a client known by number (use `Client#says` for a transcript's client). */
export function sendsFrom(phone: string): ClientSender {
  return async (message) => {
    const { response } = await clientSends({ from: phone, ...message });
    expect(response.status).toBe(200);
    await settle(phone);
  };
}

/**
 * Answers lead `leadId`'s consent step as a client would, through `send`: the date of birth typed,
 * "No" tapped for each medical question, "I agree" tapped; returns the steps answered, in order.
 * Fails the test when the lead is not waiting in the step, or the step does not end.
 */
export async function completeConsent(leadId: string, send: ClientSender, options: { dob?: string } = {}): Promise<string[]> {
  const answered: string[] = [];
  for (let turn = 0; turn < 15; turn++) {
    const at = await consentStep(leadId);
    if (at?.status !== "CHECKING_CONSENT") {
      expect(answered.length, `the lead was not in the consent step (status ${at?.status ?? "none"})`).toBeGreaterThan(0);
      return answered;
    }
    if (at.step === "dob") await send({ text: options.dob ?? ADULT_DOB });
    else if (at.step === "medical") await send({ button: { id: "consent_no", title: "No" } });
    else await send({ button: { id: "consent_agree", title: "I agree" } });
    answered.push(at.step ?? "none");
  }
  throw new Error(`the consent step of lead ${leadId} did not end`);
}
