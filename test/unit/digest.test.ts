/**
 * The artist's morning digest (issue 17): when it is due on the artist's clock, across time zones
 * and DST changes, and what it says. Pure: "now" is an argument.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestBody, digestSlot, dueDigestSlot, hasNews, localDay, type DigestFacts } from "../../src/domain/digest.ts";
import { localHour } from "../../src/domain/local-time.ts";

const ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "UTC", "America/Sao_Paulo"] as const;
const HOUR = 60 * 60 * 1000;
const EMPTY: DigestFacts = { awaitingApproval: [], handovers: [], depositsPaid: [], sessionsToday: [], totals: { awaitingApproval: 0, handovers: 0, depositsPaid: 0 } };

describe("digest slot on the artist's clock", () => {
  it("08:00 in London: 07:00Z in summer (BST), 08:00Z in winter", () => {
    expect(digestSlot(new Date("2026-07-01T07:30:00Z"), "Europe/London", 8).toISOString()).toBe("2026-07-01T07:00:00.000Z");
    expect(digestSlot(new Date("2026-12-01T08:30:00Z"), "Europe/London", 8).toISOString()).toBe("2026-12-01T08:00:00.000Z");
    // Before 08:00 local, the latest slot is yesterday's.
    expect(digestSlot(new Date("2026-12-01T07:59:00Z"), "Europe/London", 8).toISOString()).toBe("2026-11-30T08:00:00.000Z");
  });

  it("across London's DST changes the digest stays at 08:00 local (the UTC instant moves)", () => {
    // Clocks go forward on 29 March 2026: 08:00 GMT on the 28th, 08:00 BST (07:00Z) on the 29th.
    expect(digestSlot(new Date("2026-03-28T12:00:00Z"), "Europe/London", 8).toISOString()).toBe("2026-03-28T08:00:00.000Z");
    expect(digestSlot(new Date("2026-03-29T12:00:00Z"), "Europe/London", 8).toISOString()).toBe("2026-03-29T07:00:00.000Z");
    // Back on 25 October 2026.
    expect(digestSlot(new Date("2026-10-25T12:00:00Z"), "Europe/London", 8).toISOString()).toBe("2026-10-25T08:00:00.000Z");
  });

  it("an hour the clocks skip is sent just after the jump (01:00 on London's spring-forward day is 02:00 BST)", () => {
    const slot = digestSlot(new Date("2026-03-29T12:00:00Z"), "Europe/London", 1);
    expect(slot.toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(localHour(slot, "Europe/London")).toBe(2);
  });

  it("property: the slot is at or before now, less than a (long) day before, on the chosen hour locally (or just after a skipped one)", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2025-01-01T00:00:00Z"), max: new Date("2028-12-31T00:00:00Z"), noInvalidDate: true }), fc.constantFrom(...ZONES), fc.integer({ min: 0, max: 23 }), (now, zone, hour) => {
        const slot = digestSlot(now, zone, hour);
        expect(slot.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(now.getTime() - slot.getTime()).toBeLessThan(25 * HOUR);
        const local = localHour(slot, zone);
        expect(local === hour || local === (hour + 1) % 24).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("property: sent once per slot — due exactly when the latest slot is newer than the last sent (and not too late)", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2025-01-01T00:00:00Z"), max: new Date("2028-12-31T00:00:00Z"), noInvalidDate: true }), fc.constantFrom(...ZONES), fc.integer({ min: 0, max: 23 }), (now, zone, hour) => {
        const slot = digestSlot(now, zone, hour);
        const grace = 3 * HOUR;
        const due = dueDigestSlot(now, zone, hour, null, grace);
        expect(due === null ? null : due.getTime()).toBe(now.getTime() - slot.getTime() <= grace ? slot.getTime() : null);
        // Once that slot is recorded as sent, nothing is due until the next one.
        expect(dueDigestSlot(now, zone, hour, slot, grace)).toBeNull();
        expect(dueDigestSlot(new Date(now.getTime() + 5 * 60 * 1000), zone, hour, slot, grace)?.getTime() ?? slot.getTime()).toBeGreaterThanOrEqual(slot.getTime());
      }),
      { numRuns: 500 },
    );
  });

  it("a cron run every 5 minutes over days sends one digest a day, at the hour, in every zone", () => {
    for (const zone of ZONES) {
      // The slot before the run started was sent already.
      let last: Date | null = digestSlot(new Date("2026-03-27T00:00:00Z"), zone, 8);
      const sent: Date[] = [];
      for (let t = Date.parse("2026-03-27T00:00:00Z"); t < Date.parse("2026-04-01T00:00:00Z"); t += 5 * 60 * 1000) {
        const due = dueDigestSlot(new Date(t), zone, 8, last, 3 * HOUR);
        if (due) {
          sent.push(new Date(t));
          last = due;
        }
      }
      expect(sent.length, zone).toBe(5);
      for (const at of sent) expect(localHour(at, zone), zone).toBe(8);
    }
  });

  it("the local day is the artist's: 23 hours long on a spring-forward day", () => {
    const day = localDay(new Date("2026-03-29T12:00:00Z"), "Europe/London");
    expect(day.start.toISOString()).toBe("2026-03-29T00:00:00.000Z");
    expect((day.end.getTime() - day.start.getTime()) / HOUR).toBe(23);
  });
});

describe("what the digest says", () => {
  it("nothing to report: no news", () => {
    expect(hasNews(EMPTY)).toBe(false);
    expect(hasNews({ ...EMPTY, handovers: [{ id: "l1", name: "Robin" }] })).toBe(true);
  });

  it("one line per kind of news, today's sessions at the artist's local time", () => {
    const body = digestBody(
      {
        awaitingApproval: [{ id: "1", name: "Robin" }, { id: "2", name: "Sam" }],
        handovers: [],
        depositsPaid: [{ id: "3", name: "Ari" }],
        sessionsToday: [{ name: "Kit", startsAt: new Date("2026-07-01T09:30:00Z") }],
        totals: { awaitingApproval: 2, handovers: 0, depositsPaid: 1 },
      },
      "Europe/London",
    );
    expect(body).toContain("Waiting for your approval (2): Robin, Sam");
    expect(body).toContain("Deposits paid since the last digest (1): Ari");
    expect(body).toContain("10:30 Kit");
    expect(body).not.toContain("Waiting for your reply");
  });

  it("more leads than it names: the count is the whole number, the rest are counted after the names", () => {
    const body = digestBody({ ...EMPTY, awaitingApproval: [{ id: "1", name: "Robin" }, { id: "2", name: "Sam" }], totals: { ...EMPTY.totals, awaitingApproval: 137 } }, "Europe/London");
    expect(body).toContain("Waiting for your approval (137): Robin, Sam and 135 more");
  });
});
