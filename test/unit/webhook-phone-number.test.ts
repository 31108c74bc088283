/**
 * Only changes for our business phone number are read: one Meta app can serve several numbers,
 * and a change for another (or with no metadata) is counted, never processed.
 */
import { describe, expect, it } from "vitest";
import { readEnvelope, WebhookEnvelopeSchema } from "../../src/adapters/whatsapp/webhook-schema.ts";

const OURS = "100000000000001";

function envelope(...changes: (string | null)[]) {
  return WebhookEnvelopeSchema.parse({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1",
        changes: changes.map((phoneNumberId, i) => ({
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            ...(phoneNumberId === null ? {} : { metadata: { phone_number_id: phoneNumberId } }),
            messages: [{ from: "447700900123", id: `wamid.${i}`, timestamp: "1763719200", type: "text", text: { body: "hi" } }],
            statuses: [{ id: `wamid.s${i}`, status: "sent", timestamp: "1763719200", recipient_id: "447700900123" }],
          },
        })),
      },
    ],
  });
}

describe("metadata.phone_number_id", () => {
  it("ours: read", () => {
    const parsed = readEnvelope(envelope(OURS), OURS);
    expect(parsed.messages.map((m) => m.id)).toEqual(["wamid.0"]);
    expect(parsed.statuses).toHaveLength(1);
    expect(parsed.foreign).toEqual([]);
  });

  it("another number's, or none: not read, reported with what it held", () => {
    const parsed = readEnvelope(envelope(OURS, "999", null), OURS);
    expect(parsed.messages.map((m) => m.id)).toEqual(["wamid.0"]);
    expect(parsed.statuses).toHaveLength(1);
    expect(parsed.foreign).toEqual([
      { phoneNumberId: "999", messages: 1, statuses: 1 },
      { phoneNumberId: null, messages: 1, statuses: 1 },
    ]);
  });

  it("no number of ours configured (a dev stack without WHATSAPP_PHONE_NUMBER_ID): every change is read", () => {
    const parsed = readEnvelope(envelope(OURS, "999", null));
    expect(parsed.messages).toHaveLength(3);
    expect(parsed.foreign).toEqual([]);
  });
});
