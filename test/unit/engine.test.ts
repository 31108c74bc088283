/**
 * The conversation engine as transcripts ("client says … bot replies …"), the lead state machine
 * as a table of edges, the guard that keeps every lead status write behind a Transition, and the
 * copy renderer the engine speaks through. Pure: no I/O, the clock is an argument.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { en_GB } from "../../copy/en_GB.ts";
import { greetingName, renderCopy } from "../../src/domain/copy.ts";
import type { Decision } from "../../src/domain/engine.ts";
import { LEAD_STATUSES, LeadStatus } from "../../src/domain/lead-status.ts";
import { QUESTIONS, QUESTION_KEYS } from "../../src/domain/questions.ts";
import { asLeadStatus, canTransition, transition, TRANSITIONS } from "../../src/domain/state-machine.ts";
import { GOOD_ANSWERS, GOOD_ANSWER_TEXTS } from "../support/consultation.ts";
import {
  applied,
  ask,
  CONFIG,
  copyKeys,
  eventTypes,
  expectLegalTransitions,
  HOUR,
  leadState,
  NOW,
  OTHER_CLIENT,
  PILOT,
  replies,
  run,
  says,
  sendsPhoto,
  taps,
} from "../support/engine.ts";

const LAST = QUESTIONS.length - 1;
const questionKey = (index: number) => QUESTIONS[index]?.key ?? null;

describe("a new client's first message", () => {
  it("client Sam says hi: the bot welcomes Sam by first name and asks about the idea", () => {
    const decision = run(leadState(), says("hi", { profileName: "Sam Jones" }));
    const [welcome, question] = replies(decision);
    expect(welcome).toMatch(/^(Hi|Hello) Sam! .*Mara/);
    expect(question).toBe(ask(0));
    expect(replies(decision)).toHaveLength(2);
    expect(decision.outbound.every((o) => o.to === "client")).toBe(true);
  });

  it("moves the lead from NEW to QUALIFYING on the first question", () => {
    const decision = run(leadState(), says("hi"));
    expect(decision.transitions.map((t) => [t.from, t.to])).toEqual([[LeadStatus.NEW, LeadStatus.QUALIFYING]]);
    expect(decision.patch.currentQuestion).toBe(questionKey(0));
    expect(decision.answers).toEqual([]);
  });

  it("remembers the WhatsApp profile name, but never overwrites a name the lead already has", () => {
    expect(run(leadState(), says("hi", { profileName: "Sam Jones" })).patch.displayName).toBe("Sam Jones");
    const known = run(leadState({ displayName: "Samantha" }), says("hi", { profileName: "Sam Jones" }));
    expect(known.patch.displayName).toBeUndefined();
    expect(replies(known)[0]).toMatch(/^(Hi|Hello) Samantha!/);
  });

  it("greets without a name when WhatsApp gives none", () => {
    expect(replies(run(leadState(), says("hi")))[0]).toMatch(/^(Hi|Hello)! /);
  });
});

describe("the consultation", () => {
  it.each(QUESTIONS.slice(0, LAST).map((q, i) => [q.key, i] as const))(
    "client answers %s well: the parsed answer is recorded for it and the next question is asked",
    (key, i) => {
      const good = GOOD_ANSWERS[key];
      const message = says(good.text);
      const decision = run(
        leadState({ status: LeadStatus.QUALIFYING, currentQuestion: key, recentAnswers: [{ questionKey: "location_city", rawText: "Manchester", value: GOOD_ANSWERS.location_city.value }] }),
        message,
      );
      expect(decision.answers).toEqual([{ questionKey: key, rawText: good.text, value: good.value, sourceMessageId: message.id }]);
      expect(copyKeys(decision)).toEqual([QUESTIONS[i + 1]?.copyKey]);
      expect(decision.patch.currentQuestion).toBe(questionKey(i + 1));
      expect(decision.transitions).toEqual([]);
    },
  );

  it("client answers the last question: PENDING_APPROVAL, a thank-you naming the reply time, consultation completed now", () => {
    const lastKey = QUESTION_KEYS[LAST];
    const decision = run(leadState({ status: LeadStatus.QUALIFYING, currentQuestion: lastKey ?? null, displayName: "Sam" }), says("weekday evenings"));
    expect(decision.answers.map((a) => a.questionKey)).toEqual([lastKey]);
    expect(decision.transitions.map((t) => [t.from, t.to])).toEqual([[LeadStatus.QUALIFYING, LeadStatus.PENDING_APPROVAL]]);
    expect(replies(decision)).toEqual([
      "Thank you Sam, that's everything I need! Mara will look over your idea and get back to you here, usually within 3 days.",
    ]);
    expect(decision.patch).toMatchObject({ currentQuestion: null, consultationCompletedAt: NOW });
    expect(eventTypes(decision)).toContain("consultation.completed");
  });

  it("a tapped reply button is read by its id, a photo by its media id", () => {
    const tap = run(leadState({ status: LeadStatus.QUALIFYING, currentQuestion: "complexity" }), taps("complexity_2", "2 · Some detail"));
    expect(tap.answers[0]).toMatchObject({ questionKey: "complexity", rawText: "2 · Some detail", value: 2 });
    const photo = run(leadState({ status: LeadStatus.QUALIFYING, currentQuestion: "reference_images" }), sendsPhoto("media-1", "like this"));
    expect(photo.answers[0]).toMatchObject({ questionKey: "reference_images", rawText: "like this", value: { provided: true, mediaId: "media-1" } });
    expect(photo.attachments).toMatchObject([{ providerMediaId: "media-1" }]);
  });

  it("client goes from hello to the last answer: one parsed answer per question in order, every transition allowed", () => {
    let lead = leadState();
    const all: Decision[] = [];
    for (const text of ["hello", ...GOOD_ANSWER_TEXTS]) {
      const decision = run(lead, says(text, { profileName: "Sam" }));
      expectLegalTransitions(lead, decision);
      all.push(decision);
      lead = applied(lead, decision);
    }
    expect(all.flatMap((d) => d.answers.map((a) => a.questionKey))).toEqual([...QUESTION_KEYS]);
    expect(all.flatMap((d) => d.answers.map((a) => a.value))).toEqual(Object.values(GOOD_ANSWERS).map((a) => a.value));
    expect(all.flatMap(copyKeys)).toEqual(["consultation.welcome", ...QUESTIONS.map((q) => q.copyKey), "consultation.complete"]);
    expect(all.flatMap((d) => d.outbound.filter((o) => o.to === "client").map((o) => o.kind))).toEqual(
      ["welcome", ...QUESTIONS, "done"].map((q) => (typeof q === "object" && q.buttons.length > 0 ? "buttons" : "text")),
    );
    expect(lead).toMatchObject({ status: LeadStatus.PENDING_APPROVAL, currentQuestion: null, failureCounts: {} });
    expect(all.flatMap((d) => d.outbound.filter((o) => o.to === "artist").map((o) => o.copyKey))).toEqual(["summary.artist"]);
  });
});

describe("messages that arrive out of order", () => {
  it("a message older than the newest one processed changes nothing and is recorded as out of order", () => {
    const lead = leadState({ status: LeadStatus.QUALIFYING, currentQuestion: "placement", lastClientMessageAt: NOW });
    const late = says("a koi fish", { timestampMs: NOW.getTime() - 5_000 });
    const decision = run(lead, late);
    expect(decision.transitions).toEqual([]);
    expect(decision.patch).toEqual({});
    expect(decision.answers).toEqual([]);
    expect(decision.outbound).toEqual([]);
    expect(decision.events).toEqual([{ type: "message.out_of_order", level: "info", payload: { message_id: late.id, kind: "text" } }]);
  });

  it("a message with the same timestamp as the newest one is processed (Meta's clock has one-second steps)", () => {
    const lead = leadState({ status: LeadStatus.QUALIFYING, currentQuestion: "placement", lastClientMessageAt: NOW });
    const decision = run(lead, says("left forearm", { timestampMs: NOW.getTime() }));
    expect(decision.answers.map((a) => a.questionKey)).toEqual(["placement"]);
  });
});

describe("opting out and back in", () => {
  const statuses = [
    LeadStatus.NEW,
    LeadStatus.QUALIFYING,
    LeadStatus.PENDING_APPROVAL,
    LeadStatus.NEEDS_ARTIST_REPLY,
    LeadStatus.AWAITING_DEPOSIT,
    LeadStatus.BOOKED,
    LeadStatus.REJECTED,
  ];
  const cases = statuses.flatMap((status) => ["STOP", "unsubscribe", "Stop."].map((word) => [word, status] as const));

  it.each(cases)("client says %j while %s: OPTOUT, opted out now, one confirmation", (word, status) => {
    const lead = leadState({ status, currentQuestion: status === LeadStatus.QUALIFYING ? "style" : null });
    const decision = run(lead, says(word));
    expect(decision.transitions.map((t) => [t.from, t.to])).toEqual([[status, LeadStatus.OPTOUT]]);
    expect(decision.patch).toMatchObject({ optedOut: true, optedOutAt: NOW });
    expect(replies(decision)).toEqual([renderCopy("optout.confirmed")]);
    expect(decision.answers).toEqual([]);
    expectLegalTransitions(lead, decision);
  });

  it("STOP again while opted out: nothing is sent and nothing changes", () => {
    const decision = run(leadState({ status: LeadStatus.OPTOUT, optedOut: true }), says("STOP"));
    expect(decision.outbound).toEqual([]);
    expect(decision.transitions).toEqual([]);
    expect(decision.patch.optedOut).toBeUndefined();
  });

  it.each(["hello?", "a dragon", "HUMAN", "yes"])("client says %j while opted out: nothing is sent", (text) => {
    const decision = run(leadState({ status: LeadStatus.OPTOUT, optedOut: true, currentQuestion: "style" }), says(text));
    expect(decision.outbound).toEqual([]);
    expect(decision.transitions).toEqual([]);
    expect(decision.answers).toEqual([]);
    expect(eventTypes(decision)).toEqual(["message.while_opted_out"]);
  });

  it("client says START: welcome back, and the question they had reached is asked again", () => {
    const lead = leadState({ status: LeadStatus.OPTOUT, optedOut: true, currentQuestion: "style" });
    const decision = run(lead, says("START"));
    expect(replies(decision)).toEqual([renderCopy("optin.confirmed"), ask(QUESTION_KEYS.indexOf("style"))]);
    expect(decision.transitions.map((t) => [t.from, t.to])).toEqual([
      [LeadStatus.OPTOUT, LeadStatus.NEW],
      [LeadStatus.NEW, LeadStatus.QUALIFYING],
    ]);
    expect(decision.patch).toMatchObject({ optedOut: false, optedOutAt: null, currentQuestion: "style" });
    expectLegalTransitions(lead, decision);
  });
});

describe("pilot mode", () => {
  it("a number not in the allowlist gets one polite notice and stays NEW", () => {
    const decision = run(leadState(), says("hi"), PILOT);
    expect(replies(decision)).toEqual([
      "Thanks for your message! Mara is trying out a new booking assistant with a small group of clients at the moment, so they'll reply to you personally as soon as they can.",
    ]);
    expect(decision.patch.pilotNoticeSentAt).toEqual(NOW);
    expect(decision.transitions).toEqual([]);
  });

  it("after the notice, the same number hears nothing more and stays NEW", () => {
    const decision = run(leadState({ pilotNoticeSentAt: new Date(NOW.getTime() - HOUR) }), says("hello again?"), PILOT);
    expect(decision.outbound).toEqual([]);
    expect(decision.transitions).toEqual([]);
    expect(decision.patch.pilotNoticeSentAt).toBeUndefined();
  });

  it("an allowlisted number gets the consultation as usual", () => {
    const decision = run(leadState({ phoneE164: OTHER_CLIENT }), says("hi", { from: OTHER_CLIENT }), PILOT);
    expect(copyKeys(decision)).toEqual(["consultation.welcome", "question.idea"]);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.QUALIFYING]);
  });
});

describe("the 24-hour customer-service window", () => {
  it("ends 24 hours after the client's message", () => {
    const sentAt = NOW.getTime() - 3 * HOUR;
    const decision = run(leadState(), says("hi", { timestampMs: sentAt }));
    expect(decision.patch.serviceWindowEndsAt).toEqual(new Date(sentAt + 24 * HOUR));
  });

  it("never ends later than 24 hours from now, even for a message dated in the future", () => {
    const decision = run(leadState(), says("hi", { timestampMs: NOW.getTime() + 2 * HOUR }));
    expect(decision.patch.serviceWindowEndsAt).toEqual(new Date(NOW.getTime() + 24 * HOUR));
  });
});

describe("every decision respects the state machine", () => {
  const consistentLead = fc
    .record({
      status: fc.constantFrom(...LEAD_STATUSES),
      currentQuestion: fc.constantFrom(null, ...QUESTION_KEYS),
      pilotNoticeSentAt: fc.constantFrom(null, NOW),
      lastClientMessageAt: fc.constantFrom(null, new Date(NOW.getTime() - HOUR)),
      resumeStatus: fc.constantFrom(null, ...LEAD_STATUSES),
      holdingReplySentAt: fc.constantFrom(null, new Date(NOW.getTime() - 7 * HOUR)),
      failureCounts: fc.constantFrom<Record<string, number>>({}, { dimensions: 2 }, { complexity: 2, coverup: 2 }),
    })
    // Opted out and OPTOUT go together: STOP sets both, START clears both.
    .map((fields) => leadState({ ...fields, optedOut: fields.status === LeadStatus.OPTOUT }));
  const anyText = fc.constantFrom(
    "hi", "STOP", "stop.", "Unsubscribe", "START", "unstop", "a koi fish", "", "HUMAN", "CONTINUE", "REFUND", "DELETE MY DATA",
    "how much will it cost?", "3", "yes", "no", "massive", "£400", "left forearm, 10x15cm, blackwork, £400",
  );

  it("whatever the lead's status and whatever the client says, every transition is allowed and chained", () => {
    fc.assert(
      fc.property(consistentLead, anyText, fc.boolean(), (lead, text, pilot) => {
        const decision = run(lead, says(text), pilot ? PILOT : CONFIG);
        expectLegalTransitions(lead, decision);
      }),
    );
  });
});

describe("the lead state machine", () => {
  const edges = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from as LeadStatus, to] as const));

  it.each(edges)("%s -> %s is allowed", (from, to) => {
    expect(transition(from, to, "test")).toEqual({ ok: true, value: { from, to, reason: "test", __allowed: true } });
  });

  it.each([
    [LeadStatus.BOOKED, LeadStatus.NEW],
    [LeadStatus.OPTOUT, LeadStatus.ABANDONED],
    [LeadStatus.NEW, LeadStatus.BOOKED],
    [LeadStatus.REJECTED, LeadStatus.DEPOSIT_PAID],
    [LeadStatus.QUALIFYING, LeadStatus.DEPOSIT_PAID],
    [LeadStatus.OPTOUT, LeadStatus.QUALIFYING],
    [LeadStatus.PENDING_APPROVAL, LeadStatus.NEW],
  ])("%s -> %s is refused, naming both statuses and the reason", (from, to) => {
    const result = transition(from, to, "admin edit");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe(`${from} -> ${to} is not allowed (admin edit)`);
  });

  it.each([LeadStatus.OPTOUT, LeadStatus.ABANDONED, LeadStatus.STALE, LeadStatus.REJECTED])(
    "a client can start again from %s (-> NEW)",
    (from) => {
      expect(canTransition(from, LeadStatus.NEW)).toBe(true);
    },
  );

  it("a Stripe payment that lands during a handover is accepted (NEEDS_ARTIST_REPLY -> DEPOSIT_PAID)", () => {
    expect(canTransition(LeadStatus.NEEDS_ARTIST_REPLY, LeadStatus.DEPOSIT_PAID)).toBe(true);
  });

  it.each(LEAD_STATUSES.filter((s) => s !== LeadStatus.OPTOUT))("a client can opt out from %s", (from) => {
    expect(canTransition(from, LeadStatus.OPTOUT)).toBe(true);
  });

  it("no status moves to itself", () => {
    expect(LEAD_STATUSES.filter((s) => canTransition(s, s))).toEqual([]);
  });

  it("every status can be reached from NEW", () => {
    const seen = new Set<LeadStatus>([LeadStatus.NEW]);
    const queue: LeadStatus[] = [LeadStatus.NEW];
    for (let from = queue.shift(); from; from = queue.shift()) {
      for (const to of TRANSITIONS[from]) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...LEAD_STATUSES].sort());
  });

  it("reads statuses from storage, refusing unknown ones", () => {
    expect(asLeadStatus("BOOKED")).toBe(LeadStatus.BOOKED);
    expect(asLeadStatus("booked")).toBeNull();
    expect(asLeadStatus("toString")).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Guard: a lead's status is only ever written from a Transition.
// ---------------------------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Files allowed to name statuses in writes: the state machine itself and the sanctioned writer. */
const SANCTIONED = new Set(["src/domain/state-machine.ts", "src/db/lead-store.ts"]);
const STATUS_NAMES = LEAD_STATUSES.join("|");

/** Index just past the `(`…`)` group that opens at `open`, skipping string and template literals. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c === "(") depth++;
    if (c === ")" && --depth === 0) return i + 1;
  }
  return text.length;
}

/** The whole method chain that starts at `start` (`.update(leads).set({…}).where(…)…`). */
function chainFrom(text: string, start: number): string {
  let end = closingParen(text, text.indexOf("(", start));
  for (;;) {
    const next = /^\s*\.\s*[A-Za-z_$][\w$]*\s*\(/.exec(text.slice(end));
    if (!next) return text.slice(start, end);
    end = closingParen(text, end + next[0].length - 1);
  }
}

/**
 * Lead status writes in a source file that do not come from a Transition: Drizzle writes to the
 * `leads` table whose `status` is anything but `<transition>.to`, raw `UPDATE leads SET status`,
 * and lead-status literals assigned to a `status` key.
 */
function unsanctionedStatusWrites(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/\.\s*(?:update|insert)\(\s*(?:[\w$]+\.)?leads\s*\)/g)) {
    const chain = chainFrom(source, match.index);
    for (const status of chain.matchAll(/(?<![\w$.])status\s*:\s*([^,}\n]+)/g)) {
      const value = (status[1] ?? "").trim();
      if (!/^[A-Za-z_$][\w$]*\.to$/.test(value)) found.push(`leads write sets status: ${value}`);
    }
    if (/[{,]\s*status\s*[,}]/.test(chain)) found.push("leads write sets status by shorthand");
  }
  for (const match of source.matchAll(/\bupdate\s+"?leads"?\s+set\s+([^;`]*?)(?:\bwhere\b|\breturning\b|;|`|$)/gi)) {
    if (/(?<![\w.])"?status"?\s*=/i.test(match[1] ?? "")) found.push(`raw SQL: ${match[0].trim()}`);
  }
  const literal = new RegExp(`(?<![\\w$.])status\\s*:\\s*(?:["'\`](?:${STATUS_NAMES})["'\`]|(?:LeadStatus|S)\\.[A-Z_]+)`, "g");
  for (const match of source.matchAll(literal)) found.push(`status literal: ${match[0]}`);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
    .map((f) => relative(ROOT, join(ROOT, dir, f)).split("\\").join("/"));
}

describe("lead status writes go through the state machine", () => {
  it("no file under src/ or durable-objects/ writes a lead status except from a Transition", () => {
    const files = [...sourceFiles("src"), ...sourceFiles("durable-objects")];
    expect(files).toEqual(expect.arrayContaining(["src/domain/engine.ts", "durable-objects/lead-session.ts", "src/db/lead-store.ts"]));
    const offences = files
      .filter((file) => !SANCTIONED.has(file))
      .flatMap((file) => unsanctionedStatusWrites(readFileSync(join(ROOT, file), "utf8")).map((o) => `${file}: ${o}`));
    expect(offences).toEqual([]);
  });

  it("the sanctioned writer sets status only from the decision's last transition", () => {
    const store = readFileSync(join(ROOT, "src/db/lead-store.ts"), "utf8");
    expect(store).toMatch(/\.update\(leads\)[\s\S]*status: lastTransition\.to/);
    expect(unsanctionedStatusWrites(store)).toEqual([]);
  });

  it.each([
    'await db.update(leads).set({ status: "BOOKED" }).where(eq(leads.id, id));',
    "await tx\n  .update(leads)\n  .set({ updatedAt: now, status: LeadStatus.STALE })\n  .where(eq(leads.id, id));",
    "await db.update(schema.leads).set({ status: nextStatus }).where(eq(leads.id, id));",
    "await db.update(leads).set({ status, updatedAt: now });",
    "await db.insert(leads).values({ phoneE164, status: 'BOOKED' });",
    "await client.query(`UPDATE leads SET status = 'STALE' WHERE updated_at < now() - interval '30 days'`);",
    'return { ...lead, status: "DEPOSIT_PAID" };',
  ])("flags a bypass: %s", (snippet) => {
    expect(unsanctionedStatusWrites(snippet)).not.toEqual([]);
  });

  it.each([
    "await tx.update(leads).set({ ...decision.patch, ...(t ? { status: t.to, statusChangedAt: now } : {}) });",
    'await db.update(outboxMessages).set({ status: "SENT", sentAt: now });',
    'await db.update(attachments).set({ status: "FAILED" });',
    "await db.update(leads).set({ lastDeliveryError: msg, updatedAt: now }).where(eq(leads.status, 'BOOKED'));",
    "await client.query(`UPDATE leads SET updated_at = now() WHERE status = 'STALE'`);",
    'log.info("lead.step", { status: result.lead.status });',
  ])("does not flag: %s", (snippet) => {
    expect(unsanctionedStatusWrites(snippet)).toEqual([]);
  });
});

describe("copy", () => {
  const params = { greetingName: " Sam", artistName: "Mara", replyDays: 3 };

  it("fills placeholders", () => {
    expect(renderCopy("consultation.complete", params)).toBe(
      "Thank you Sam, that's everything I need! Mara will look over your idea and get back to you here, usually within 3 days.",
    );
  });

  it("a missing placeholder throws, naming the copy key and the placeholder", () => {
    expect(() => renderCopy("consultation.complete", { greetingName: "", artistName: "Mara" })).toThrow(
      "copy consultation.complete: missing placeholder {replyDays}",
    );
  });

  it("the same seed always picks the same variant", () => {
    const first = renderCopy("consultation.welcome", params, "en_GB", "lead-42");
    for (let i = 0; i < 5; i++) expect(renderCopy("consultation.welcome", params, "en_GB", "lead-42")).toBe(first);
  });

  it("different seeds spread over the variants, and every variant rendered is one from the catalogue", () => {
    const variants = new Set(Array.from({ length: 20 }, (_, i) => renderCopy("consultation.welcome", params, "en_GB", `lead-${i}`)));
    const catalogue = en_GB["consultation.welcome"].map((v) => v.replaceAll("{greetingName}", " Sam").replaceAll("{artistName}", "Mara"));
    expect([...variants].sort()).toEqual([...catalogue].sort());
  });

  it("an unknown locale falls back to en_GB", () => {
    expect(renderCopy("consultation.complete", params, "xx_YY", "lead-1")).toBe(renderCopy("consultation.complete", params, "en_GB", "lead-1"));
  });

  it.each([
    ["Sam Jones", " Sam"],
    ["  Sam  ", " Sam"],
    [null, ""],
    ["   ", ""],
  ])("greets %j as %j", (name, expected) => {
    expect(greetingName(name)).toBe(expected);
  });
});

describe("opt-out edge cases", () => {
  it("a STOP that arrives after a newer message is still honoured, without moving the clock back", () => {
    const newest = new Date(NOW.getTime() - 1_000);
    const lead = leadState({ status: LeadStatus.QUALIFYING, currentQuestion: "style", lastClientMessageAt: newest });
    const decision = run(lead, says("STOP", { timestampMs: newest.getTime() - 2_000 }));
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.OPTOUT]);
    expect(decision.patch.optedOut).toBe(true);
    expect(decision.patch.lastClientMessageAt).toBeUndefined();
    expect(copyKeys(decision)).toEqual(["optout.confirmed"]);
  });

  it("STOP remembers where the lead was; START after a finished consultation goes back there, asking nothing", () => {
    const pending = leadState({ status: LeadStatus.PENDING_APPROVAL, currentQuestion: null });
    const stop = run(pending, says("STOP"));
    expect(stop.patch.resumeStatus).toBe(LeadStatus.PENDING_APPROVAL);
    const optedOut = { ...applied(pending, stop), resumeStatus: LeadStatus.PENDING_APPROVAL };
    const start = run(optedOut, says("START", { timestampMs: NOW.getTime() - 1_000 }));
    expect(start.transitions.map((t) => [t.from, t.to])).toEqual([[LeadStatus.OPTOUT, LeadStatus.PENDING_APPROVAL]]);
    expect(copyKeys(start)).toEqual(["optin.confirmed"]);
    expect(start.patch.resumeStatus).toBeNull();
  });

  it("START for a lead that stopped mid-consultation restarts at its current question", () => {
    const lead = leadState({ status: LeadStatus.OPTOUT, optedOut: true, currentQuestion: "budget", resumeStatus: LeadStatus.QUALIFYING });
    const start = run(lead, says("start"));
    expect(start.transitions.map((t) => t.to)).toEqual([LeadStatus.NEW, LeadStatus.QUALIFYING]);
    expect(copyKeys(start)).toEqual(["optin.confirmed", "question.budget"]);
  });
});
