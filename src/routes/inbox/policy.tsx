/**
 * The studio's policy in the inbox (issue 18), beside the availability rules: GET /inbox/policy
 * shows it in plain words with a form to change it; POST saves it through the same schema as the
 * admin API (domain/studio-policy.ts), or shows the page again (400) naming each bad field.
 * Signed-in only; CSRF checked before (index.ts). The default artist's policy: leads belong to it.
 */
import { Hono } from "hono";
import type { FC } from "hono/jsx";
import { defaultArtist, getPolicy, updatePolicy } from "../../db/artists-store.ts";
import { DEPOSIT_FATES, parsePolicy, type DepositFate, type MedicalQuestion, type StudioPolicy } from "../../domain/studio-policy.ts";
import { artistCopy as t } from "../lead-view.ts";
import { Layout } from "./layout.tsx";
import type { InboxEnv } from "./session.tsx";

const fate = (value: DepositFate) => t(`inbox.policy.fate.${value}`);

/** The policy in plain words (also on the Availability page). */
export const PolicyView: FC<{ policy: StudioPolicy }> = ({ policy }) => (
  <>
    <ul id="policy-rules">
      <li>{t("inbox.policy.notice", { hours: policy.cancellationNoticeHours })}</li>
      <li>{t("inbox.policy.free_moves", { count: policy.freeReschedules })}</li>
      <li>{t("inbox.policy.on_cancel_in_time", { fate: fate(policy.depositOnCancelInTime) })}</li>
      <li>{t("inbox.policy.on_cancel_late", { fate: fate(policy.depositOnCancelLate) })}</li>
      <li>{t("inbox.policy.on_reschedule", { fate: fate(policy.depositOnReschedule) })}</li>
      <li>{t("inbox.policy.on_no_show", { fate: fate(policy.depositOnNoShow) })}</li>
      <li>{t("inbox.policy.credit_days", { days: policy.creditExpiryDays })}</li>
      <li>{t("inbox.policy.off_price", { yes: t(policy.depositOffFinalPrice ? "inbox.policy.yes" : "inbox.policy.no") })}</li>
      <li>{t("inbox.policy.no_show_multiplier", { multiplier: policy.noShowDepositMultiplier })}</li>
      <li>{t("inbox.policy.minimum_age", { age: policy.minimumAge })}</li>
      <li>{t("inbox.policy.touch_up", { days: policy.touchUpWindowDays })}</li>
    </ul>
    <h3>{t("inbox.policy.questions")}</h3>
    {policy.medicalQuestions.length === 0 ? (
      <p class="muted">{t("inbox.policy.no_questions")}</p>
    ) : (
      <ol id="policy-questions">
        {policy.medicalQuestions.map((q) => (
          <li data-id={q.id}>{q.question}</li>
        ))}
      </ol>
    )}
  </>
);

const NUMBERS = ["cancellationNoticeHours", "freeReschedules", "creditExpiryDays", "noShowDepositMultiplier", "minimumAge", "touchUpWindowDays"] as const;
const FATES = ["depositOnCancelInTime", "depositOnCancelLate", "depositOnReschedule", "depositOnNoShow"] as const;
/** The fates each case may take (a cancel or no-show cannot "move"). */
const fatesFor = (field: (typeof FATES)[number]) => (field === "depositOnReschedule" ? DEPOSIT_FATES : DEPOSIT_FATES.filter((f) => f !== "move"));

/** A question's id: kept when the text is unchanged, else made from its position. */
function questionsFrom(text: string, before: readonly MedicalQuestion[]): MedicalQuestion[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  const used = new Set<string>();
  return lines.map((question, i) => {
    const kept = before.find((q) => q.question === question && !used.has(q.id));
    const id = kept?.id ?? `question_${i + 1}`;
    used.add(id);
    return { id, question };
  });
}

/** The form's fields as a policy candidate (numbers as numbers; the schema judges the rest). */
function candidate(form: Record<string, unknown>, before: StudioPolicy): Record<string, unknown> {
  const value = (key: string) => (typeof form[key] === "string" ? form[key] : "");
  const numbers = Object.fromEntries(NUMBERS.map((k) => [k, value(k).trim() === "" ? Number.NaN : Number(value(k))]));
  const fates = Object.fromEntries(FATES.map((k) => [k, value(k)]));
  return { ...numbers, ...fates, depositOffFinalPrice: value("depositOffFinalPrice") === "on", medicalQuestions: questionsFrom(value("medicalQuestions"), before.medicalQuestions) };
}

const PolicyForm: FC<{ policy: StudioPolicy; csrf: string }> = ({ policy, csrf }) => (
  <form method="post" action="/inbox/policy" class="card" id="policy-form">
    <input type="hidden" name="csrf" value={csrf} />
    {NUMBERS.map((k) => (
      <p>
        <label for={k}>{t(`inbox.policy.field.${k}`)}</label>
        <input id={k} name={k} type="number" step={k === "noShowDepositMultiplier" ? "0.1" : "1"} value={String(policy[k])} />
      </p>
    ))}
    {FATES.map((k) => (
      <p>
        <label for={k}>{t(`inbox.policy.field.${k}`)}</label>
        <select id={k} name={k}>
          {fatesFor(k).map((f) => (
            <option value={f} selected={policy[k] === f}>
              {fate(f)}
            </option>
          ))}
        </select>
      </p>
    ))}
    <p>
      <label>
        <input type="checkbox" name="depositOffFinalPrice" checked={policy.depositOffFinalPrice} /> {t("inbox.policy.field.depositOffFinalPrice")}
      </label>
    </p>
    <p>
      <label for="medicalQuestions">{t("inbox.policy.field.medicalQuestions")}</label>
      <textarea id="medicalQuestions" name="medicalQuestions" rows={5}>
        {policy.medicalQuestions.map((q) => q.question).join("\n")}
      </textarea>
    </p>
    <button type="submit">{t("inbox.policy.save")}</button>
  </form>
);

export const inboxPolicy = new Hono<InboxEnv>()
  .get("/", async (c) => {
    const db = c.get("db");
    const artist = await defaultArtist(db, c.get("config"));
    const found = await getPolicy(db, artist.id);
    const policy = found?.policy;
    if (!policy) return c.notFound();
    const saved = c.req.query("saved") === "1";
    return c.html(
      <Layout title={t("inbox.policy.title")} csrf={c.get("csrf")} panic={c.get("panic")}>
        <p>
          <a href="/inbox/availability">{t("inbox.availability.title")}</a>
        </p>
        <h1>{t("inbox.policy.title")}</h1>
        {saved ? (
          <p class="flash ok" role="status">
            {t("inbox.policy.saved")}
          </p>
        ) : null}
        <p>{t("inbox.policy.intro")}</p>
        {found.written ? null : <p class="muted">{t("inbox.policy.default")}</p>}
        <section class="card" id="policy" data-artist={artist.id}>
          <PolicyView policy={policy} />
        </section>
        <PolicyForm policy={policy} csrf={c.get("csrf")} />
        <p class="muted">{t("inbox.policy.edit", { id: artist.id })}</p>
      </Layout>,
    );
  })
  .post("/", async (c) => {
    const db = c.get("db");
    const artist = await defaultArtist(db, c.get("config"));
    const before = (await getPolicy(db, artist.id))?.policy;
    if (!before) return c.notFound();
    const parsed = parsePolicy(candidate(await c.req.parseBody(), before));
    if (!parsed.ok) {
      const problems = parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; ");
      return c.html(
        <Layout title={t("inbox.policy.title")} csrf={c.get("csrf")} panic={c.get("panic")}>
          <h1>{t("inbox.policy.title")}</h1>
          <p class="flash bad" role="alert" id="policy-problems">
            {t("inbox.policy.invalid", { problems })}
          </p>
          <PolicyForm policy={before} csrf={c.get("csrf")} />
        </Layout>,
        400,
      );
    }
    await updatePolicy(db, artist.id, parsed.value, new Date());
    c.get("log").info("inbox.policy_updated", { artist_id: artist.id, minimum_age: parsed.value.minimumAge });
    return c.redirect("/inbox/policy?saved=1", 303);
  });
