/**
 * The chaos verdict (bench/chaos/invariants.ts): a clean run passes, and each kind of loss,
 * duplication, disorder, skipped status or wrong answer is caught and named.
 */
import { describe, expect, it } from "vitest";
import { checkChaosRun, type LeadLedger, type ObservedAnswer, type ObservedSend, type ResetWindow, type TrafficLedger } from "../../bench/chaos/invariants.ts";
import { assembleLedgers } from "../../bench/chaos/ledger.ts";

const PHONE = "+447700900123";
const WA = PHONE.slice(1);
const ARTIST = "+447700900001";

function lead(overrides: Partial<LeadLedger> = {}): LeadLedger {
  return {
    phone: PHONE,
    status: "QUALIFYING",
    processed: ["m1", "m2"],
    stripeProcessed: [],
    outbox: [
      { id: "r1", seq: 1, toPhone: PHONE, status: "SENT" },
      { id: "r2", seq: 2, toPhone: PHONE, status: "SENT" },
      { id: "r3", seq: 3, toPhone: ARTIST, status: "SENT" },
    ],
    transitions: [{ from: "NEW", to: "QUALIFYING" }],
    ...overrides,
  };
}

const ok = (at: number): ObservedAnswer => ({ kind: "message", wellFormed: true, status: 200, expected: [200], at });

function traffic(overrides: Partial<TrafficLedger> = {}): TrafficLedger {
  return {
    sent: new Map([[PHONE, ["m1", "m2"]]]),
    accepted: new Map([[PHONE, new Set(["m1", "m2"])]]),
    forged: new Set(["f1"]),
    answers: [ok(1), ok(2), ok(3), { kind: "forged signature", wellFormed: false, status: 401, expected: [401], at: 4 }],
    duplicatesReported: 1,
    ...overrides,
  };
}

const send = (ref: string, at: number, waId = WA): ObservedSend => ({ ref, waId, at });
const SENDS = [send("r1", 10), send("r2", 20), send("r3", 30, ARTIST.slice(1))];

function judge(l: LeadLedger = lead(), t: TrafficLedger = traffic(), sends: ObservedSend[] = SENDS, resets: ResetWindow[] = []) {
  return checkChaosRun(new Map([[l.phone, l]]), t, sends, resets, { graphInFlightMs: 150 });
}

describe("the chaos verdict", () => {
  it("a clean run: no problems, and the counts add up", () => {
    const verdict = judge();
    expect(verdict.problems).toEqual([]);
    expect(verdict.counts).toMatchObject({ numbers: 1, messagesSent: 2, deliveries: 3, accepted: 2, processed: 2, replies: 3, duplicatesSuppressed: 1, hostileRequests: 1 });
  });

  it("an artist's action link in a reply to the client is caught; in the artist's notice it is expected", () => {
    const link = "Approve: https://inkline.test/a/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
    const toArtist = { ...send("r3", 30, ARTIST.slice(1)), text: link };
    expect(judge(lead(), traffic(), [send("r1", 10), send("r2", 20), toArtist]).problems).toEqual([]);
    const toClient = { ...send("r2", 20), text: `Thank you ${link}` };
    expect(judge(lead(), traffic(), [send("r1", 10), toClient, toArtist]).problems).toEqual([`${PHONE}: reply #2 gave the client one of the artist's action links`]);
  });

  it("an accepted message never processed is a loss", () => {
    expect(judge(lead({ processed: ["m1"] })).problems).toEqual([`${PHONE}: 1 accepted message(s) never processed (m2)`]);
  });

  it("a forged message processed is caught, and so is one never sent", () => {
    const problems = judge(lead({ processed: ["m1", "m2", "f1"] })).problems;
    expect(problems).toContain(`${PHONE}: 1 processed message(s) that were never sent well-formed`);
    expect(problems).toContain(`${PHONE}: 1 message(s) with a forged signature processed`);
  });

  it("ids are compared as Inkline stores them (NUL and lone surrogates become U+FFFD)", () => {
    const t = traffic({ sent: new Map([[PHONE, ["m1", "m\u0000"]]]), accepted: new Map([[PHONE, new Set(["m1", "m\u0000"])]]) });
    expect(judge(lead({ processed: ["m1", "m\uFFFD"] }), t).problems).toEqual([]);
  });

  it("a reply sent twice is a duplication; one never sent, still pending or given up is a loss", () => {
    expect(judge(lead(), traffic(), [...SENDS, send("r2", 40)]).problems).toEqual([
      `${PHONE}: reply #2 (to the client) sent 2× (00:00:00.020, 00:00:00.040)`,
    ]);
    expect(judge(lead(), traffic(), [send("r1", 10), send("r3", 30)]).problems).toEqual([`${PHONE}: reply #2 marked SENT but Graph never got it`]);
    const outbox = lead().outbox.map((r) => (r.seq === 3 ? { ...r, status: "PENDING" } : r));
    expect(judge(lead({ outbox }), traffic(), SENDS.slice(0, 2)).problems).toEqual([`${PHONE}: reply #3 still PENDING`]);
    const failed = lead().outbox.map((r) => (r.seq === 3 ? { ...r, status: "FAILED" } : r));
    expect(judge(lead({ outbox: failed }), traffic(), SENDS.slice(0, 2)).problems).toEqual([`${PHONE}: reply #3 given up (FAILED)`]);
  });

  it("replies out of seq order are caught (to the client and the artist together)", () => {
    expect(judge(lead(), traffic(), [send("r2", 10), send("r1", 20), send("r3", 30, ARTIST.slice(1))]).problems).toEqual([
      `${PHONE}: replies out of order (seq 2 then 1)`,
    ]);
  });

  it("a reply sent twice fails the run, and says so when its object was reset with the send in flight", () => {
    const resets: ResetWindow[] = [{ phone: PHONE, from: 15, to: 25, workerDown: false }];
    const sends = [...SENDS, send("r2", 400)];
    expect(judge(lead(), traffic(), sends, resets).problems).toEqual([
      expect.stringMatching(new RegExp(`^\\${PHONE}: reply #2 \\(to the client\\) sent 2× .*, its first send in flight when the object was reset$`)),
    ]);
    // With no reset near it, the same duplicate is named without the hint.
    expect(judge(lead(), traffic(), sends, [{ ...resets[0], phone: "+447700900999" } as ResetWindow]).problems).toEqual([
      expect.stringMatching(new RegExp(`^\\${PHONE}: reply #2 \\(to the client\\) sent 2× \\([^)]*\\)$`)),
    ]);
  });

  it("every Stripe event delivered is applied exactly once, and a paid deposit enters DEPOSIT_PAID once", () => {
    const paid = lead({
      status: "BOOKING_PENDING",
      stripeProcessed: ["evt_1"],
      transitions: [
        { from: "NEW", to: "QUALIFYING" },
        { from: "QUALIFYING", to: "PENDING_APPROVAL" },
        { from: "PENDING_APPROVAL", to: "AWAITING_DEPOSIT" },
        { from: "AWAITING_DEPOSIT", to: "DEPOSIT_PAID" },
        { from: "DEPOSIT_PAID", to: "BOOKING_PENDING" },
      ],
    });
    const t = traffic({ stripeEvents: new Map([[PHONE, ["evt_1", "evt_2"]]]), paid: new Set([PHONE]) });
    expect(judge(paid, t).problems).toEqual([`${PHONE}: Stripe event evt_2 processed 0×`]);
    const twice = lead({ ...paid, transitions: [...paid.transitions, { from: "BOOKING_PENDING", to: "DEPOSIT_PAID" }], status: "DEPOSIT_PAID" });
    expect(judge(twice, traffic({ paid: new Set([PHONE]) })).problems).toEqual([`${PHONE}: deposit paid once, but DEPOSIT_PAID entered 2×`]);
  });

  it("a parked message is a failure", () => {
    expect(judge(lead(), traffic(), [...SENDS, send("parked-wa:msg:m2", 50, "447700900001")]).problems).toEqual([
      "a message was parked (parked-wa:msg:m2): it failed every attempt with the database up",
    ]);
  });

  it("statuses must follow the state machine from NEW without a gap, and end where the lead is", () => {
    const skipped = lead({ transitions: [{ from: "NEW", to: "QUALIFYING" }, { from: "PENDING_APPROVAL", to: "AWAITING_DEPOSIT" }], status: "AWAITING_DEPOSIT" });
    expect(judge(skipped).problems).toEqual([`${PHONE}: status skipped: QUALIFYING then a transition from PENDING_APPROVAL`]);
    const illegal = lead({ transitions: [{ from: "NEW", to: "BOOKED" }], status: "BOOKED" });
    expect(judge(illegal).problems).toEqual([`${PHONE}: NEW -> BOOKED is not in the state machine`]);
    expect(judge(lead({ status: "OPTOUT" })).problems).toEqual([`${PHONE}: status OPTOUT, but its transitions end at QUALIFYING`]);
  });

  it("a 5xx to a well-formed request fails, unless workerd was down then; a hostile request must get its own answer", () => {
    const answers = [ok(1_000), { ...ok(2_000), status: 500 }, { ...ok(3_000), status: 0 }, { kind: "oversized", wellFormed: false, status: 500, expected: [413], at: 9_000 }];
    expect(judge(lead(), traffic({ answers })).problems).toEqual([
      "1× message answered 500 (expected 200)",
      "1× message answered no response (expected 200)",
      "1× oversized answered 500 (expected 413)",
    ]);
    const down: ResetWindow[] = [{ phone: "*", from: 1_900, to: 3_100, workerDown: true }];
    const verdict = judge(lead(), traffic({ answers }), SENDS, down);
    expect(verdict.problems).toEqual(["1× oversized answered 500 (expected 413)"]);
    expect(verdict.counts.refusedWhileDown).toBe(2);
  });
});

describe("assembling the ledger from query rows", () => {
  it("groups rows by lead in query order, keyed by number", () => {
    const ledgers = assembleLedgers({
      leads: [{ id: "L", phone: PHONE, status: "QUALIFYING" }],
      processed: [
        { lead_id: "L", provider: "whatsapp", event_id: "m1" },
        { lead_id: "L", provider: "stripe", event_id: "evt_1" },
        { lead_id: "other", provider: "whatsapp", event_id: "x" },
      ],
      outbox: [{ id: "r1", lead_id: "L", seq: 1, to_phone: PHONE, status: "SENT" }],
      transitions: [{ lead_id: "L", from: "NEW", to: "QUALIFYING" }],
    });
    expect([...ledgers.keys()]).toEqual([PHONE]);
    expect(ledgers.get(PHONE)).toEqual({
      phone: PHONE,
      status: "QUALIFYING",
      processed: ["m1"],
      stripeProcessed: ["evt_1"],
      outbox: [{ id: "r1", seq: 1, toPhone: PHONE, status: "SENT" }],
      transitions: [{ from: "NEW", to: "QUALIFYING" }],
    });
  });
});
