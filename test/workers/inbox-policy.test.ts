/**
 * The studio's policy and the consent answers in the web inbox (issue 18): the policy in plain
 * words beside the availability rules, changed through a form (a contradicting one refused, naming
 * the field, nothing stored), and a lead's date of birth, medical answers (a flag) and policy
 * acknowledgement on its page. The default artist is shared: its policy is put back in `finally`.
 */
import { describe, expect, it } from "vitest";
import { startRecord, type ConsentRecord } from "../../src/domain/consent.ts";
import { defaultPolicy } from "../../src/domain/studio-policy.ts";
import { adminFetch, insertLead } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { formField, inboxFetch, signIn } from "../support/workers/inbox.ts";

const text = async (response: Response) => (await response.text()).replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

async function defaultArtistId(): Promise<string> {
  const { artists } = await (await adminFetch("/admin/artists")).json<{ artists: { id: string; handle: string }[] }>();
  const found = artists.find((a) => a.handle === "default");
  if (!found) throw new Error("no default artist");
  return found.id;
}

const storedPolicy = async (id: string) => (await sql<{ policy: unknown }>("SELECT policy FROM artists WHERE id = $1", [id]))[0]?.policy ?? null;

/** The form as the page fills it from the default policy, with `changes`. */
function form(csrf: string, changes: Record<string, string> = {}): Record<string, string> {
  const p = defaultPolicy();
  return {
    csrf,
    cancellationNoticeHours: String(p.cancellationNoticeHours),
    freeReschedules: String(p.freeReschedules),
    creditExpiryDays: String(p.creditExpiryDays),
    noShowDepositMultiplier: String(p.noShowDepositMultiplier),
    minimumAge: String(p.minimumAge),
    touchUpWindowDays: String(p.touchUpWindowDays),
    depositOnCancelInTime: p.depositOnCancelInTime,
    depositOnCancelLate: p.depositOnCancelLate,
    depositOnReschedule: p.depositOnReschedule,
    depositOnNoShow: p.depositOnNoShow,
    depositOffFinalPrice: "on",
    medicalQuestions: p.medicalQuestions.map((q) => q.question).join("\n"),
    ...changes,
  };
}

describe("the studio policy in the inbox", () => {
  it("is shown in plain words beside the availability rules, and on its own page with a form", async () => {
    const cookie = await signIn();
    const availability = await text(await inboxFetch("/inbox/availability", { cookie }));
    expect(availability).toContain('id="studio-policy"');
    expect(availability).toContain("Cancellation notice: 48 hours");
    expect(availability).toContain('href="/inbox/policy"');
    const page = await text(await inboxFetch("/inbox/policy", { cookie }));
    expect(page).toContain('id="policy-form"');
    expect(page).toContain("Minimum age: 18");
  });

  it("the form saves a policy; a contradicting one is refused naming the field and nothing is stored", async () => {
    const id = await defaultArtistId();
    const before = await storedPolicy(id);
    try {
      const cookie = await signIn();
      const csrf = formField(await (await inboxFetch("/inbox/policy", { cookie })).text(), "csrf");
      const bad = await inboxFetch("/inbox/policy", { cookie, form: form(csrf, { cancellationNoticeHours: "72", creditExpiryDays: "2" }) });
      expect(bad.status).toBe(400);
      expect(await text(bad)).toMatch(/creditExpiryDays: a credit expiring after 2 day\(s\) runs out before the 72 h cancellation notice/);
      expect(await storedPolicy(id)).toEqual(before);

      const saved = await inboxFetch("/inbox/policy", { cookie, form: form(csrf, { minimumAge: "21", medicalQuestions: "Are you on blood thinners?\nAny allergies?" }) });
      expect(saved.status).toBe(303);
      expect(await storedPolicy(id)).toMatchObject({ minimumAge: 21, medicalQuestions: [{ id: "question_1", question: "Are you on blood thinners?" }, { id: "question_2", question: "Any allergies?" }] });
      expect(await text(await inboxFetch("/inbox/policy?saved=1", { cookie }))).toContain("Minimum age: 21");
    } finally {
      await sql("UPDATE artists SET policy = $2 WHERE id = $1", [id, before]);
    }
  });
});

describe("the consent answers on the lead's page", () => {
  it("date of birth, medical answers with the flag, and when the policy was agreed", async () => {
    const record: ConsentRecord = {
      ...startRecord(defaultPolicy(), "slots", new Date("2026-12-01T10:00:00Z")),
      step: "done",
      dateOfBirth: "1999-03-12",
      age: 27,
      answers: [
        { id: "blood_thinners", question: "Are you taking blood thinners?", yes: true, at: "2026-12-01T10:01:00.000Z" },
        { id: "pregnant", question: "Are you pregnant or breastfeeding?", yes: false, at: "2026-12-01T10:02:00.000Z" },
      ],
      flags: ["blood_thinners"],
      policyAcknowledgedAt: "2026-12-01T10:03:00.000Z",
    };
    const lead = await insertLead("CHOOSING_SLOT", { consent: JSON.stringify(record) });
    const cookie = await signIn();
    const page = await text(await inboxFetch(`/inbox/leads/${lead.id}`, { cookie }));
    expect(page).toContain("Date of birth: 1999-03-12 (age 27)");
    expect(page).toContain("Flagged: answered yes to 1 medical question(s)");
    expect(page).toContain("Are you taking blood thinners?: Yes");
    expect(page).toContain("Are you pregnant or breastfeeding?: No");
    expect(page).toMatch(/Policy agreed at 1 Dec 2026, 10:03 UTC/);
  });
});
