import { describe, expect, it } from "vitest";
import { parseTimeWindows, type TimeWindow } from "../../../src/domain/parsing/index.ts";

/** Wednesday 12 March 2025, 10:00 in London. */
const NOW = new Date("2025-03-12T10:00:00Z");
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"] as const;

describe("parseTimeWindows", () => {
  it.each<[string, TimeWindow[]]>([
    ["weekday evenings", [{ days: [...WEEKDAYS], partOfDay: "evening" }]],
    ["weekends", [{ days: ["sat", "sun"] }]],
    ["Monday morning", [{ days: ["mon"], partOfDay: "morning" }]],
    ["tuesdays or thursdays after 5", [{ days: ["tue", "thu"], partOfDay: "evening" }]],
    ["fridays after 2pm", [{ days: ["fri"], partOfDay: "afternoon" }]],
    ["weeknights", [{ days: [...WEEKDAYS], partOfDay: "evening" }]],
    ["mon-wed", [{ days: ["mon", "tue", "wed"] }]],
    ["after work", [{ partOfDay: "evening" }]],
    ["evenings on weekdays", [{ days: [...WEEKDAYS], partOfDay: "evening" }]],
    [
      "weekday evenings and saturday mornings",
      [{ days: [...WEEKDAYS], partOfDay: "evening" }, { days: ["sat"], partOfDay: "morning" }],
    ],
    ["evenings or weekends", [{ partOfDay: "evening" }, { days: ["sat", "sun"] }]],
    [
      "saturday morning or afternoon",
      [{ days: ["sat"], partOfDay: "morning" }, { days: ["sat"], partOfDay: "afternoon" }],
    ],
    ["next 2-4 weeks", [{ from: "2025-03-26", to: "2025-04-09" }]],
    ["in the next two weeks", [{ from: "2025-03-12", to: "2025-03-26" }]],
    ["in 3 weeks", [{ from: "2025-04-02", to: "2025-04-08" }]],
    ["next week", [{ from: "2025-03-17", to: "2025-03-23" }]],
    ["next month", [{ from: "2025-04-01", to: "2025-04-30" }]],
    ["this weekend", [{ days: ["sat", "sun"], from: "2025-03-15", to: "2025-03-16" }]],
    ["in March", [{ from: "2025-03-12", to: "2025-03-31" }]],
    ["early june", [{ from: "2025-06-01", to: "2025-06-10" }]],
    ["before June", [{ from: "2025-03-12", to: "2025-05-31" }]],
    ["March to May", [{ from: "2025-03-12", to: "2025-05-31" }]],
    ["January", [{ from: "2026-01-01", to: "2026-01-31" }]],
    [
      "weekends in April or May",
      [
        { days: ["sat", "sun"], from: "2025-04-01", to: "2025-04-30" },
        { days: ["sat", "sun"], from: "2025-05-01", to: "2025-05-31" },
      ],
    ],
  ])("reads %j", (text, windows) => {
    expect(parseTimeWindows(text, NOW)).toEqual({ ok: true, value: { windows, flexible: false } });
  });

  it.each(["asap", "anytime", "flexible", "whenever suits", "as soon as possible"])("reads %j as flexible", (text) => {
    expect(parseTimeWindows(text, NOW)).toEqual({ ok: true, value: { windows: [], flexible: true } });
  });

  it("keeps windows next to flexibility", () => {
    expect(parseTimeWindows("flexible, but weekends are best", NOW)).toEqual({
      ok: true,
      value: { windows: [{ days: ["sat", "sun"] }], flexible: true },
    });
  });

  it("reads today in the given time zone", () => {
    // 23:30 UTC on 31 March is already 1 April in Berlin: "this month" is April there.
    const lateNight = new Date("2025-03-31T23:30:00Z");
    expect(parseTimeWindows("this month", lateNight, { timeZone: "UTC" })).toEqual({
      ok: true,
      value: { windows: [{ from: "2025-03-31", to: "2025-03-31" }], flexible: false },
    });
    expect(parseTimeWindows("this month", lateNight, { timeZone: "Europe/Berlin" })).toEqual({
      ok: true,
      value: { windows: [{ from: "2025-04-01", to: "2025-04-30" }], flexible: false },
    });
  });

  it.each([
    ["", "empty"],
    ["hello", "no_match"],
    ["I may be free", "no_match"],
    ["not sure yet", "no_match"],
  ])("rejects %j with %s", (text, reason) => {
    expect(parseTimeWindows(text, NOW)).toEqual({ ok: false, reason });
  });
});
