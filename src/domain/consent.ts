/**
 * Consent and age before the deposit (issue 18): what the lead keeps (`leads.consent`, jsonb) and
 * the pure decisions of the step. The engine (engine/consent.ts) asks; this module reads answers.
 *
 * The record keeps the policy as it was shown (a snapshot): the client acknowledged that text, so
 * a later edit of the studio's policy never changes what they agreed to. None of it goes to the
 * artist's spreadsheet (sheet-row.ts has no consent field).
 */
import { z } from "zod";
import { parseDateOfBirth, type DateOfBirthFailure } from "./parsing/date-of-birth.ts";
import { parseYesNo } from "./parsing/yes-no.ts";
import { ageOn, StudioPolicy, type MedicalQuestion } from "./studio-policy.ts";

/** Where the step is: the date of birth, medical question `index`, the policy, done, or refused (under age). */
export const ConsentStep = z.enum(["dob", "medical", "policy", "done", "refused"]);
export type ConsentStep = z.infer<typeof ConsentStep>;

/** What the approval meant to do once consent is given: offer slots, wait for times, or send the deposit link. */
export const ConsentNext = z.enum(["slots", "approve", "deposit"]);
export type ConsentNext = z.infer<typeof ConsentNext>;

export const MedicalAnswer = z.object({ id: z.string(), question: z.string(), yes: z.boolean(), at: z.iso.datetime() });
export type MedicalAnswer = z.infer<typeof MedicalAnswer>;

export const ConsentRecord = z.object({
  step: ConsentStep,
  next: ConsentNext,
  /** The medical question being asked (step "medical"). */
  index: z.number().int().min(0),
  startedAt: z.iso.datetime(),
  dateOfBirth: z.string().nullable(),
  /** Age on the day the date of birth was given. */
  age: z.number().int().nullable(),
  answers: z.array(MedicalAnswer),
  /** Ids of the questions answered "yes" (the artist was told). */
  flags: z.array(z.string()),
  /** The time of the client's "I agree" message. */
  policyAcknowledgedAt: z.iso.datetime().nullable(),
  /** The policy shown and acknowledged. */
  policy: StudioPolicy,
});
export type ConsentRecord = z.infer<typeof ConsentRecord>;

/** Reads `leads.consent`: null when none or unreadable (the step starts again rather than crash). */
export function readConsent(value: unknown): ConsentRecord | null {
  if (value === null || value === undefined) return null;
  const parsed = ConsentRecord.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** A fresh record for a consent step starting at `now` under `policy`. */
export function startRecord(policy: StudioPolicy, next: ConsentNext, now: Date): ConsentRecord {
  return { step: "dob", next, index: 0, startedAt: now.toISOString(), dateOfBirth: null, age: null, answers: [], flags: [], policyAcknowledgedAt: null, policy };
}

/** What a date-of-birth reply means under the policy. */
export type DobOutcome =
  | { kind: "adult"; dateOfBirth: string; age: number }
  | { kind: "under_age"; dateOfBirth: string; age: number }
  | { kind: "repair"; reason: DateOfBirthFailure };

/** Reads the date of birth and judges it against the minimum age, on `today` (the message's date). */
export function judgeDateOfBirth(policy: Pick<StudioPolicy, "minimumAge">, text: string, today: Date): DobOutcome {
  const parsed = parseDateOfBirth(text, today);
  if (!parsed.ok) return { kind: "repair", reason: parsed.reason };
  const age = ageOn(parsed.value, today);
  return age < policy.minimumAge ? { kind: "under_age", dateOfBirth: parsed.value, age } : { kind: "adult", dateOfBirth: parsed.value, age };
}

/** Button ids of the step (the replies carry them back). */
export const CONSENT_BUTTONS = { yes: "consent_yes", no: "consent_no", agree: "consent_agree" } as const;

/** A yes/no reply to a medical question: a tapped button or typed words; null when unclear. */
export function readMedicalReply(replyId: string | null, text: string | null): boolean | null {
  if (replyId === CONSENT_BUTTONS.yes) return true;
  if (replyId === CONSENT_BUTTONS.no) return false;
  const parsed = parseYesNo(text ?? "");
  return parsed.ok ? parsed.value : null;
}

const AGREE = /^(?:i )?(?:agree|accept|agreed|i'm happy|im happy|happy with (?:that|it|this))\b/;

/** Whether a reply acknowledges the policy: the button, "I agree", or a plain yes. */
export function readAgreement(replyId: string | null, text: string | null): boolean {
  if (replyId === CONSENT_BUTTONS.agree) return true;
  const words = (text ?? "").trim().toLowerCase();
  if (AGREE.test(words)) return true;
  const parsed = parseYesNo(words);
  return parsed.ok && parsed.value;
}

/** The medical question at `index` of the snapshot, or null past the last. */
export function medicalQuestion(record: ConsentRecord, index: number): MedicalQuestion | null {
  return record.policy.medicalQuestions[index] ?? null;
}
