/**
 * Delivery statuses as Meta posts them: the callback data we sent with a message comes back in
 * every status of it, and names our outbox row only when it is one of our row ids.
 */
import { describe, expect, it } from "vitest";
import { readEnvelope, WebhookEnvelopeSchema } from "../../src/adapters/whatsapp/webhook-schema.ts";

const ROW = "0b7e4c1e-5a8f-4c3e-9d2a-6f1b2c3d4e5f";

function statusEnvelope(status: Record<string, unknown>): unknown {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: "1", changes: [{ field: "messages", value: { messaging_product: "whatsapp", statuses: [status] } }] }],
  };
}

function readStatus(extra: Record<string, unknown>) {
  const envelope = WebhookEnvelopeSchema.parse(statusEnvelope({ id: "wamid.A1", status: "sent", timestamp: "1763719200", recipient_id: "447700900123", ...extra }));
  return readEnvelope(envelope).statuses[0];
}

describe("delivery statuses", () => {
  it("carry the outbox row named by biz_opaque_callback_data", () => {
    expect(readStatus({ biz_opaque_callback_data: ROW })).toEqual({
      providerMessageId: "wamid.A1",
      status: "sent",
      timestampMs: 1763719200_000,
      recipient: "+447700900123",
      recipientUserId: null,
      outboxId: ROW,
      errors: [],
    });
    expect(readStatus({ biz_opaque_callback_data: ROW.toUpperCase() })?.outboxId).toBe(ROW);
  });

  it.each([
    ["absent", {}],
    ["another sender's reference (a parked-message alert)", { biz_opaque_callback_data: "parked-wa:msg:1" }],
    ["a UUID with something around it", { biz_opaque_callback_data: `${ROW}'; drop table outbox_messages` }],
    ["empty", { biz_opaque_callback_data: "" }],
  ])("name no row when the callback data is %s", (_label, extra) => {
    expect(readStatus(extra)?.outboxId).toBeNull();
  });

  it("keep other callback data as the send's ref (the artist desk's replies are settled by it); a row id is not a ref", () => {
    expect(readStatus({ biz_opaque_callback_data: "desk-wamid.X-0" })?.callbackRef).toBe("desk-wamid.X-0");
    expect(readStatus({ biz_opaque_callback_data: ROW })?.callbackRef).toBeUndefined();
    expect(readStatus({})?.callbackRef).toBeUndefined();
  });
});
