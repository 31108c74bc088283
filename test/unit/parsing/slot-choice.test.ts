import { describe, expect, it } from "vitest";
import { parseSlotChoice, type SlotOption } from "../../../src/domain/parsing/index.ts";

/** Five slots in June 2025 (London is on BST, UTC+1). */
const SLOTS: readonly SlotOption[] = [
  { id: "slot_a", start: "2025-06-12T09:00:00Z", label: "Thu 12 Jun, 10:00" },
  { id: "slot_b", start: "2025-06-12T13:00:00Z", label: "Thu 12 Jun, 14:00" },
  { id: "slot_c", start: "2025-06-13T17:30:00Z", label: "Fri 13 Jun, 18:30" },
  { id: "slot_d", start: "2025-06-16T13:30:00Z", label: "Mon 16 Jun, 14:30" },
  { id: "slot_e", start: "2025-06-21T10:00:00Z", label: "Sat 21 Jun, 11:00" },
];

describe("parseSlotChoice", () => {
  it.each([
    ["1", 0],
    ["2", 1],
    ["5", 4],
    ["2.", 1],
    ["option 3", 2],
    ["Option 2!", 1],
    ["#2", 1],
    ["no. 4", 3],
    ["number 4", 3],
    ["2 please", 1],
    ["I'll take option 2 please", 1],
    ["ok 3 works for me, thanks!", 2],
    ["the second one", 1],
    ["second", 1],
    ["the 2nd one", 1],
    ["first", 0],
    ["The first one please", 0],
    ["last", 4],
    ["the last one", 4],
    ["option one", 0],
    ["Thursday afternoon", 1],
    ["thursday morning", 0],
    ["friday", 2],
    ["friday evening please", 2],
    ["monday", 3],
    ["saturday", 4],
    ["the 2pm one", 1],
    ["2pm", 1],
    ["14:00", 1],
    ["2:30pm", 3],
    ["14:30", 3],
    ["6:30pm", 2],
    ["18.30", 2],
    ["11am", 4],
    ["at 10", 0],
    ["the 16th", 3],
    ["Sat 21st", 4],
    ["saturday at 11", 4],
    ["Fri 13 Jun, 18:30", 2],
    ["thu 12 jun, 10:00", 0],
    ["slot_c", 2],
    ["option 2 on thursday", 1],
  ])("reads %j as slot index %i", (text, index) => {
    expect(parseSlotChoice(text, SLOTS)).toEqual({ ok: true, value: { index, id: SLOTS[index]?.id } });
  });

  it.each([
    ["", "empty"],
    ["1 or 2", "ambiguous"],
    ["2 or 3", "ambiguous"],
    ["1, 2", "ambiguous"],
    ["either", "ambiguous"],
    ["either is fine", "ambiguous"],
    ["any", "ambiguous"],
    ["both", "ambiguous"],
    ["thursday", "ambiguous"],
    ["afternoon", "ambiguous"],
    ["can't do thursday", "ambiguous"],
    ["option 1 on friday", "ambiguous"],
    ["7", "out_of_range"],
    ["0", "out_of_range"],
    ["option 9", "out_of_range"],
    ["the tenth one", "out_of_range"],
    ["none of these work", "none_suit"],
    ["neither", "none_suit"],
    ["I have 3 questions", "no_match"],
    ["can I bring 2 friends", "no_match"],
    ["tuesday", "no_match"],
    ["9pm", "no_match"],
    ["the 30th", "no_match"],
    ["hello", "no_match"],
    ["what time is best?", "no_match"],
  ])("rejects %j with %s", (text, reason) => {
    expect(parseSlotChoice(text, SLOTS)).toEqual({ ok: false, reason });
  });

  it("fails with no_slots when nothing was offered", () => {
    expect(parseSlotChoice("1", [])).toEqual({ ok: false, reason: "no_slots" });
  });

  it("reads clock times in the given time zone", () => {
    expect(parseSlotChoice("1pm", SLOTS, "UTC")).toEqual({ ok: true, value: { index: 1, id: "slot_b" } });
    expect(parseSlotChoice("14:00", SLOTS, "UTC")).toEqual({ ok: false, reason: "no_match" });
  });

  it("still reads positions when the time zone is unknown", () => {
    expect(parseSlotChoice("2", SLOTS, "Not/AZone")).toEqual({ ok: true, value: { index: 1, id: "slot_b" } });
    expect(parseSlotChoice("friday", SLOTS, "Not/AZone")).toEqual({ ok: false, reason: "no_match" });
  });

  it("ignores numeric ids so a typed number is always a position", () => {
    const numbered = [
      { id: "2", start: "2025-06-12T09:00:00Z", label: "A" },
      { id: "1", start: "2025-06-12T13:00:00Z", label: "B" },
    ];
    expect(parseSlotChoice("2", numbered)).toEqual({ ok: true, value: { index: 1, id: "1" } });
  });
});
