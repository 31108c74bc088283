/**
 * GET /inbox/jobs: the jobs queue's dead letters (a timer or sweep that failed every retry, or a
 * message that failed its schema), each with a replay button; POST
 * /inbox/jobs/dead-letters/:id/replay sends one back to the queue (once), then back here with what
 * happened. The session and CSRF checks run before (index.ts).
 */
import { Hono } from "hono";
import { z } from "zod";
import { listDeadLetters } from "../../db/timer-store.ts";
import { formatDateTime } from "../../domain/format.ts";
import { replayDeadLetter } from "../../jobs/replay.ts";
import { artistCopy as t } from "../lead-view.ts";
import { Layout } from "./layout.tsx";
import type { InboxEnv } from "./session.tsx";

const Done = z.object({ replayed: z.coerce.number().int().positive() }).or(z.object({ refused: z.enum(["not_found", "not_replayable", "already_replayed"]) }));

export const inboxJobs = new Hono<InboxEnv>()
  .get("/", async (c) => {
    const csrf = c.get("csrf");
    const letters = await listDeadLetters(c.get("db"), 100, true);
    const flash = Done.safeParse(c.req.query());
    return c.html(
      <Layout title={t("inbox.jobs.title")} csrf={csrf} panic={c.get("panic")}>
        <p>
          <a href="/inbox">{t("inbox.back")}</a>
        </p>
        <h1>{t("inbox.jobs.title")}</h1>
        {flash.success ? (
          <p class="flash" role="status">
            {"replayed" in flash.data ? t("inbox.jobs.replayed", { id: flash.data.replayed }) : t(`inbox.jobs.refused.${flash.data.refused}`)}
          </p>
        ) : null}
        {letters.length === 0 ? (
          <p class="muted">{t("inbox.jobs.none")}</p>
        ) : (
          <ul class="dead-letters">
            {letters.map((letter) => (
              <li class="card" data-dead-letter={letter.id}>
                <p>
                  {t("inbox.jobs.letter", { kind: letter.kind ?? t("inbox.jobs.unknown_kind"), when: formatDateTime(letter.createdAt), reason: letter.reason })}
                </p>
                {letter.replayedAt ? (
                  <p class="muted">{t("inbox.jobs.replayed_at", { when: formatDateTime(letter.replayedAt) })}</p>
                ) : (
                  <form method="post" action={`/inbox/jobs/dead-letters/${letter.id}/replay`}>
                    <input type="hidden" name="csrf" value={csrf} />
                    <button type="submit">{t("inbox.jobs.replay")}</button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
      </Layout>,
    );
  })
  .post("/dead-letters/:id/replay", async (c) => {
    const id = z.coerce.number().int().positive().safeParse(c.req.param("id"));
    if (!id.success) return c.redirect("/inbox/jobs?refused=not_found", 303);
    const outcome = await replayDeadLetter(c.get("db"), c.env.JOBS, id.data, new Date());
    c.get("log").info("inbox.dead_letter_replay", { id: id.data, ok: outcome.ok, reason: outcome.ok ? null : outcome.reason });
    return c.redirect(outcome.ok ? `/inbox/jobs?replayed=${id.data}` : `/inbox/jobs?refused=${outcome.reason}`, 303);
  });
