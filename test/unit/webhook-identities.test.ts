/**
 * Reading Meta's messages webhook item by item, with business-scoped user IDs (BSUIDs) and
 * usernames: a client may come with a phone, a BSUID, or both; one unreadable contact or message
 * skips only itself; numeric timestamps are read.
 */
import { describe, expect, it } from "vitest";
import { readEnvelope, WebhookEnvelopeSchema } from "../../src/adapters/whatsapp/webhook-schema.ts";
import { maskUserId, toUserId } from "../../src/domain/client-id.ts";

const BSUID = "US.13491208655302741918";

function read(value: Record<string, unknown>) {
  return readEnvelope(
    WebhookEnvelopeSchema.parse({
      object: "whatsapp_business_account",
      entry: [{ id: "1", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: "1" }, ...value } }] }],
    }),
  );
}

const text = (extra: Record<string, unknown>) => ({ id: "wamid.1", timestamp: "1763719200", type: "text", text: { body: "hi" }, ...extra });

describe("senders", () => {
  it("a username client with no phone is read by BSUID, with their username and parent id", () => {
    const parsed = read({
      contacts: [{ user_id: BSUID, parent_user_id: "US.ENT.11815799212886844830", profile: { name: "Ana", username: "@ana.ink" } }],
      messages: [text({ from_user_id: BSUID })],
    });
    expect(parsed.skipped).toEqual([]);
    expect(parsed.messages[0]).toMatchObject({
      from: null,
      userId: BSUID,
      parentUserId: "US.ENT.11815799212886844830",
      username: "@ana.ink",
      profileName: "Ana",
      kind: "text",
    });
  });

  it("a client with both carries both", () => {
    const parsed = read({ contacts: [{ wa_id: "447700900123", user_id: BSUID, profile: { name: "Bo" } }], messages: [text({ from: "447700900123", from_user_id: BSUID })] });
    expect(parsed.messages[0]).toMatchObject({ from: "+447700900123", userId: BSUID, profileName: "Bo", username: null });
  });

  it("a phone-only client (payloads before BSUIDs) is read as before", () => {
    const parsed = read({ contacts: [{ wa_id: "447700900123", profile: { name: "Cy" } }], messages: [text({ from: "447700900123" })] });
    expect(parsed.messages[0]).toMatchObject({ from: "+447700900123", userId: null, profileName: "Cy" });
  });

  it("a numeric timestamp is read", () => {
    const parsed = read({ messages: [text({ from: "447700900123", timestamp: 1763719200 })] });
    expect(parsed.messages[0]?.timestampMs).toBe(1763719200_000);
  });
});

describe("one unreadable part skips only itself", () => {
  it("an unreadable contact does not hide the other contacts' messages", () => {
    const parsed = read({
      contacts: [{ wa_id: 447700900999 }, { user_id: BSUID, profile: { name: "Ana" } }],
      messages: [text({ from_user_id: BSUID })],
    });
    expect(parsed.messages).toHaveLength(1);
    expect(parsed.messages[0]?.profileName).toBe("Ana");
    expect(parsed.skipped).toEqual([expect.objectContaining({ part: "contact", reason: "contact unreadable" })]);
  });

  it("a message with no sender is skipped with its id, its neighbour is read", () => {
    const parsed = read({ messages: [text({ id: "wamid.nobody" }), text({ id: "wamid.ok", from: "447700900123" })] });
    expect(parsed.messages.map((m) => m.id)).toEqual(["wamid.ok"]);
    expect(parsed.skipped).toEqual([{ part: "message", reason: "no sender: neither from nor from_user_id", id: "wamid.nobody", detail: "text" }]);
  });

  it("a malformed message is skipped with where it failed", () => {
    const parsed = read({ messages: [{ id: "wamid.bad", from: "447700900123", timestamp: "yesterday", type: "text" }, text({ from_user_id: BSUID })] });
    expect(parsed.messages).toHaveLength(1);
    expect(parsed.skipped[0]).toMatchObject({ part: "message", id: "wamid.bad" });
    expect(parsed.skipped[0]?.detail).toMatch(/^timestamp/);
  });
});

describe("statuses", () => {
  it("a status to a BSUID names the recipient by recipient_user_id", () => {
    const parsed = read({ statuses: [{ id: "wamid.S", status: "delivered", timestamp: 1763719200, recipient_user_id: BSUID }] });
    expect(parsed.statuses[0]).toMatchObject({ recipient: null, recipientUserId: BSUID, timestampMs: 1763719200_000 });
  });

  it("a status naming nobody is skipped, not dropped", () => {
    const parsed = read({ statuses: [{ id: "wamid.S", status: "failed", timestamp: "1763719200" }] });
    expect(parsed.statuses).toEqual([]);
    expect(parsed.skipped).toEqual([expect.objectContaining({ part: "status", reason: "status names no recipient", id: "wamid.S" })]);
  });
});

describe("system notices", () => {
  it("a changed number notice is a system message naming the new number and BSUID", () => {
    const parsed = read({
      messages: [
        {
          from: "447700900123",
          from_user_id: BSUID,
          id: "wamid.sys",
          timestamp: "1763719200",
          type: "system",
          system: { body: "User A changed from 447700900123 to 447700900456", wa_id: "447700900456", user_id: "US.99", type: "user_changed_number" },
        },
      ],
    });
    expect(parsed.messages[0]).toMatchObject({ kind: "system", rawType: "system:user_changed_number", numberChange: { newPhone: "+447700900456", newUserId: "US.99" } });
  });
});

describe("BSUIDs", () => {
  it.each([
    [BSUID, BSUID],
    ["US.ENT.11815799212886844830", "US.ENT.11815799212886844830"],
    ["447700900123", null],
    ["us.123", null],
    ["", null],
  ])("%s reads as %s", (raw, expected) => {
    expect(toUserId(raw)).toBe(expected);
  });

  it("are masked like phone numbers", () => {
    expect(maskUserId(BSUID)).toBe("US.******************18");
    expect(maskUserId(BSUID)).not.toContain("1349120865");
  });
});
