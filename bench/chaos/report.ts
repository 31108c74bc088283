/**
 * The printed and written result of `npm run chaos`: what was sent, what was injected, and each
 * guarantee with the problems that break it. Pure (figures in, markdown out).
 */
import type { BurstSummary } from "./burst.ts";
import type { TimerChaosSummary } from "./timers.ts";
import type { ChaosVerdict } from "./invariants.ts";

export const CHAOS_MARKERS = {
  begin: "<!-- chaos:begin (written by `npm run chaos`; edit outside the markers) -->",
  end: "<!-- chaos:end -->",
} as const;

export interface ChaosSummary {
  date: string;
  seed: number;
  seconds: number;
  load: { clean: number; deposits: number; fuzz: number; batch: number; messagesPerConsultation: number };
  verdict: ChaosVerdict;
  /** Sends Graph never answered: settled by Meta's status webhook, or made again after the wait. */
  sendsInDoubt: { settled: number; resent: number };
  /** The full consultations' exact outcome (bench/verify.ts `checkConsultations`). */
  consultationProblems: readonly string[];
  /** Every fault step with its time (for reading problems against; kept in chaos.json). */
  timeline: readonly string[];
  /** Injected faults: kind, how many, how. */
  faults: readonly { kind: string; count: number; detail: string }[];
  /** Hostile requests by kind: how many, and the answers they got. */
  hostile: readonly { kind: string; count: number; answers: string }[];
  /** The timers under faults. */
  timers?: TimerChaosSummary;
  /** The burst of distinct senders (absent with `--burst 0`). */
  burst?: BurstSummary;
}

/** The timers' lines: the faults played on them and the verdict. */
function renderTimers(t: TimerChaosSummary): string[] {
  return [
    "",
    `Timers: ${t.leads} leads with a due nudge; the cron fired ${t.cronRuns}× at once for one time, ${t.redelivered} jobs redelivered through the queue, ${t.reset} objects reset mid-timer, ${t.racing} clients answering at the same moment. ${t.nudged} nudged; ${t.overtaken} racing client(s) answered first and got none.`,
    "",
    t.problems.length === 0
      ? "- ✅ every due nudge sent exactly once; none stale (for a state the lead had left)"
      : `- ❌ timers: ${plural(t.problems.length, "problem")}, e.g. ${t.problems.slice(0, 3).join("; ")}`,
  ];
}

/** The burst's lines: what was sent, how Postgres's connections went, what the other routes answered. */
function renderBurst(b: BurstSummary): string[] {
  const answered = b.answeredAllMs === null ? "not all answered" : `${(b.answeredAllMs / 1000).toFixed(1)} s`;
  return [
    "",
    `Burst: one signed POST from ${b.senders} new numbers (one Durable Object each) against Postgres with \`max_connections=${b.maxConnections}\`, the admin API, \`/ready\` and Stripe's webhook called every 250 ms meanwhile.`,
    "",
    "| burst | |",
    "| --- | ---: |",
    `| POST answered | ${b.post.status} in ${b.post.ms} ms, ${b.post.accepted} accepted |`,
    `| every number answered after | ${answered} |`,
    `| client connections: before / peak / after | ${b.connections.before} / ${b.connections.peak} / ${b.connections.after} |`,
    "",
    "| route during the burst | calls | answered | slowest |",
    "| --- | ---: | --- | ---: |",
    ...b.probes.map((p) => `| ${p.route} | ${p.count} | ${p.answers} | ${p.worstMs} ms |`),
    "",
    b.problems.length === 0
      ? "- ✅ every burst message processed once and answered once; no 5xx from the other routes"
      : `- ❌ burst: ${plural(b.problems.length, "problem")}, e.g. ${b.problems.slice(0, 3).join("; ")}`,
  ];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Problems grouped under the guarantee they break, by their wording. */
function byGuarantee(problems: readonly string[]): Map<string, string[]> {
  // Most specific first: a wrong answer to "admin send-deposit" is about answers, not deposits.
  const guarantees: [string, RegExp][] = [
    ["no 5xx to a well-formed request, the right answer to a hostile one", /answered .* \(expected /],
    ["every accepted message (and Stripe event) processed exactly once", /processed|accepted|forged|parked|dropped|acknowledged|deposit|DEPOSIT_PAID/],
    ["every decided reply delivered exactly once, in order", /reply|replies|sent \d+×|PENDING|FAILED/],
    ["no status skipped", /status|transition|state machine/],
  ];
  const out = new Map<string, string[]>(guarantees.map(([g]) => [g, []]));
  for (const p of problems) {
    const found = guarantees.find(([, re]) => re.test(p));
    out.get(found?.[0] ?? "every accepted message (and Stripe event) processed exactly once")?.push(p);
  }
  return out;
}

export function renderChaosReport(s: ChaosSummary): string {
  const c = s.verdict.counts;
  const problems = [...s.verdict.problems, ...s.consultationProblems];
  const lines = [
    `Run ${s.date}, seed ${s.seed} (\`npm run chaos -- --seed ${s.seed}\` replays the same messages and fault order), ${Math.round(s.seconds)} s.`,
    `Load: ${s.load.clean} full consultations (${s.load.messagesPerConsultation} messages each), ${s.load.deposits} of them on to a deposit paid through Stripe (events duplicated and reordered), ${s.load.fuzz} clients typing random Unicode, ${s.load.batch} numbers in one batched POST.`,
    "",
    "| count | |",
    "| --- | ---: |",
    `| numbers | ${c.numbers} |`,
    `| messages sent (distinct ids, well-formed and signed) | ${c.messagesSent} |`,
    `| well-formed requests (webhook POSTs incl. 3× copies and redeliveries, admin actions) | ${c.deliveries} |`,
    `| accepted (acknowledged 200) | ${c.accepted} |`,
    `| processed (processed_events) | ${c.processed} |`,
    `| replies delivered (distinct outbox rows at Graph) | ${c.replies} |`,
    `| duplicates suppressed (redeliveries answered "duplicate") | ${c.duplicatesSuppressed} |`,
    `| hostile requests | ${c.hostileRequests} |`,
    `| requests refused while workerd was down (Meta retries them) | ${c.refusedWhileDown} |`,
    `| admin and Stripe requests answered 503 while Postgres was away (retried) | ${c.retryLater} |`,
    `| sends Graph never answered, settled by Meta's status webhook (not sent again) | ${s.sendsInDoubt.settled} |`,
    `| sends Graph never answered, made again after no word from Meta | ${s.sendsInDoubt.resent} |`,
    `| faults injected | ${s.faults.reduce((n, f) => n + f.count, 0)} |`,
    "",
    "| fault | injected | how |",
    "| --- | ---: | --- |",
    ...s.faults.map((f) => `| ${f.kind} | ${f.count} | ${f.detail} |`),
    "",
    "| hostile request | sent | answered |",
    "| --- | ---: | --- |",
    ...s.hostile.map((h) => `| ${h.kind} | ${h.count} | ${h.answers} |`),
    "",
  ];
  const order = ["every accepted message (and Stripe event) processed exactly once", "every decided reply delivered exactly once, in order", "no status skipped", "no 5xx to a well-formed request, the right answer to a hostile one"];
  const grouped = byGuarantee(problems);
  for (const guarantee of order) {
    const broken = grouped.get(guarantee) ?? [];
    lines.push(broken.length === 0 ? `- ✅ ${guarantee}` : `- ❌ ${guarantee}: ${plural(broken.length, "problem")}, e.g. ${broken.slice(0, 3).join("; ")}`);
  }
  if (s.timers) lines.push(...renderTimers(s.timers));
  if (s.burst) lines.push(...renderBurst(s.burst));
  const all = problems.length + (s.timers?.problems.length ?? 0) + (s.burst?.problems.length ?? 0);
  lines.push("", all === 0 ? "**No loss, no duplication, no skipped status, no 5xx.**" : `**FAILED: ${plural(all, "problem")}.**`);
  return lines.join("\n");
}
