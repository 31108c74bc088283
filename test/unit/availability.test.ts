import { describe, expect, it } from "vitest";
import { defaultAvailability, parseAvailability, workingRanges, type AvailabilityRules } from "../../src/domain/availability.ts";

/** The default rules with `patch` over them, as an admin body would send them. */
function rules(patch: Record<string, unknown>): unknown {
  return { ...defaultAvailability("Europe/London"), ...patch };
}

function fieldsOf(input: unknown): string[] {
  const result = parseAvailability(input);
  return result.ok ? [] : result.issues.map((i) => i.field);
}

describe("availability rules", () => {
  it("the default artist's rules are valid", () => {
    const result = parseAvailability(defaultAvailability("America/New_York"));
    expect(result.ok).toBe(true);
  });

  it("fills defaults for the optional lists and the start grid", () => {
    const { breaks: _b, daysOff: _d, holidays: _h, startStepMinutes: _s, ...bare } = defaultAvailability("Europe/London");
    const result = parseAvailability(bare);
    expect(result.ok && result.value).toMatchObject({ breaks: [], daysOff: [], holidays: [], startStepMinutes: 30 });
  });

  it("an unknown zone names timeZone", () => {
    expect(fieldsOf(rules({ timeZone: "Mars/Olympus" }))).toEqual(["timeZone"]);
    expect(fieldsOf(rules({ timeZone: "" }))).toEqual(["timeZone"]);
  });

  it("an end before (or at) its start names that end", () => {
    const week = defaultAvailability("Europe/London").weeklyHours;
    expect(fieldsOf(rules({ weeklyHours: { ...week, tue: [{ start: "18:00", end: "10:00" }] } }))).toEqual(["weeklyHours.tue.0.end"]);
    expect(fieldsOf(rules({ breaks: [{ start: "13:00", end: "13:00" }] }))).toEqual(["breaks.0.end"]);
  });

  it("overlapping working hours or breaks name the later entry", () => {
    const week = defaultAvailability("Europe/London").weeklyHours;
    const overlapping = [{ start: "10:00", end: "14:00" }, { start: "13:00", end: "18:00" }];
    expect(fieldsOf(rules({ weeklyHours: { ...week, wed: overlapping } }))).toEqual(["weeklyHours.wed.1"]);
    expect(fieldsOf(rules({ breaks: overlapping }))).toEqual(["breaks.1"]);
    // Touching ranges are a day with no gap, not an overlap.
    expect(fieldsOf(rules({ breaks: [{ start: "12:00", end: "13:00" }, { start: "13:00", end: "13:30" }] }))).toEqual([]);
  });

  it("bad clock times, negative numbers, holidays backwards and unknown keys are named", () => {
    expect(fieldsOf(rules({ breaks: [{ start: "25:00", end: "26:00" }] }))).toEqual(["breaks.0.start", "breaks.0.end"]);
    expect(fieldsOf(rules({ bufferMinutes: -5 }))).toEqual(["bufferMinutes"]);
    expect(fieldsOf(rules({ minNoticeHours: -1, horizonDays: 0, maxSessionsPerDay: 0 }))).toEqual(["minNoticeHours", "horizonDays", "maxSessionsPerDay"]);
    expect(fieldsOf(rules({ sessionMinutes: { SMALL: -60, MEDIUM: 240, LARGE: 360 } }))).toEqual(["sessionMinutes.SMALL"]);
    expect(fieldsOf(rules({ holidays: [{ from: "2027-08-10", to: "2027-08-01" }] }))).toEqual(["holidays.0.to"]);
    expect(fieldsOf(rules({ holidays: [{ from: "2027-02-30", to: "2027-03-01" }] }))).toEqual(["holidays.0.from"]);
    expect(fieldsOf(rules({ daysOff: ["funday"] }))).toEqual(["daysOff.0"]);
    expect(fieldsOf(rules({ surprise: 1 }))).toEqual([""]);
  });

  it("working ranges cut the breaks out and drop days off", () => {
    const base = defaultAvailability("Europe/London");
    const value: AvailabilityRules = { ...base, breaks: [{ start: "13:00", end: "14:00" }], daysOff: ["fri"] };
    expect(workingRanges(value, "mon")).toEqual([{ start: 600, end: 780 }, { start: 840, end: 1080 }]);
    expect(workingRanges(value, "fri")).toEqual([]);
    expect(workingRanges(value, "sun")).toEqual([]);
  });
});
