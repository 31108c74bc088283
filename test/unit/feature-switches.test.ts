/**
 * Feature switches (FEATURE_*): read from config (on unless "false"), reported for /health, and
 * the gates that need no runtime: Stripe's settings vanish with payments, Stripe's keys stop being
 * required in production, the artist's number is not used with notifications off, and a decision's
 * artist messages are dropped (with an event saying so) before they reach the outbox.
 */
import { describe, expect, it } from "vitest";
import { artistNoticeNumber, enabledFeatures, featureSwitches, parseConfig, type AppConfig } from "../../src/config.ts";
import { stripeSettingsFrom } from "../../src/adapters/stripe/client.ts";
import { withoutArtistNotices } from "../../durable-objects/lead-state.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { decideArtistAction } from "../../src/domain/engine.ts";
import { NO_PAYMENT } from "../../src/domain/deposit.ts";
import { CONFIG, leadState, NOW, run, says } from "../support/engine.ts";

const production = {
  APP_ENV: "production",
  ADMIN_API_KEY: "a-production-admin-key-0123456789abcdef",
  WHATSAPP_APP_SECRET: "secret",
  WHATSAPP_ACCESS_TOKEN: "token",
  WHATSAPP_PHONE_NUMBER_ID: "1234",
  DATABASE_URL: "postgres://u:p@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require",
  PUBLIC_BASE_URL: "https://inkline.example",
  GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ client_email: "inkline@project.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----\\nplaceholder\\n-----END PRIVATE KEY-----\\n" }),
  GOOGLE_CALENDAR_ID: "artist@example.com",
};

function config(env: Record<string, string>): AppConfig {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config;
}

describe("feature switches", () => {
  it("are on unless set to false (0, no), and /health reports each", () => {
    expect(featureSwitches(config({}))).toEqual({ payments: true, calendar: true, reminders: true, sheets: true, artistNotifications: true });
    const off = config({ FEATURE_PAYMENTS: "false", FEATURE_CALENDAR: "0", FEATURE_REMINDERS: "no", FEATURE_SHEETS: "false", FEATURE_ARTIST_NOTIFICATIONS: "false" });
    expect(featureSwitches(off)).toEqual({ payments: false, calendar: false, reminders: false, sheets: false, artistNotifications: false });
    expect(featureSwitches(config({ FEATURE_PAYMENTS: "" })).payments).toBe(true);
    expect(parseConfig({ FEATURE_PAYMENTS: "off" })).toEqual({ ok: false, problems: [expect.stringMatching(/^FEATURE_PAYMENTS: /)] });
  });

  it("payments off: no Stripe settings (so no Stripe client), reported off, and production does not ask for Stripe's keys", () => {
    const keys = { STRIPE_SECRET_KEY: "sk_test_x", STRIPE_WEBHOOK_SECRET: "whsec_x" };
    expect(stripeSettingsFrom(config(keys))).not.toBeNull();
    expect(stripeSettingsFrom(config({ ...keys, FEATURE_PAYMENTS: "false" }))).toBeNull();
    expect(enabledFeatures(config({ ...keys, FEATURE_PAYMENTS: "false" })).stripe).toBe(false);
    expect(parseConfig({ ...production, FEATURE_PAYMENTS: "false" }).ok).toBe(true);
    const needsStripe = parseConfig(production);
    expect(needsStripe.ok ? [] : needsStripe.problems).toEqual([expect.stringMatching(/^STRIPE_SECRET_KEY:/), expect.stringMatching(/^STRIPE_WEBHOOK_SECRET:/)]);
  });

  it("artist notifications off: the artist's number is not used, reported off", () => {
    const number = { ARTIST_WHATSAPP_NUMBER: "+447700900001" };
    expect(artistNoticeNumber(config(number))).toBe("+447700900001");
    expect(artistNoticeNumber(config({ ...number, FEATURE_ARTIST_NOTIFICATIONS: "false" }))).toBeUndefined();
    expect(enabledFeatures(config({ ...number, FEATURE_ARTIST_NOTIFICATIONS: "false" })).artistNotifications).toBe(false);
  });

  it("artist notifications off: a decision's artist messages are left out and recorded as skipped; the client's stay", () => {
    // HUMAN: the client is told, the artist gets the handover notice.
    const decision = run(leadState({ status: LeadStatus.QUALIFYING, currentQuestion: "style" }), says("HUMAN"), CONFIG);
    expect(decision.outbound.map((m) => m.to)).toEqual(["client", "artist"]);
    expect(withoutArtistNotices(decision, true)).toBe(decision);
    const quiet = withoutArtistNotices(decision, false);
    expect(quiet.outbound.map((m) => m.to)).toEqual(["client"]);
    expect(quiet.events.at(-1)).toMatchObject({ type: "artist.notice_skipped", payload: { copy_keys: ["handover.artist"] } });
    expect(quiet.transitions).toEqual(decision.transitions);
  });

  it("payments off: rejecting a lead with an open deposit link asks Stripe for nothing, and says the link was left open", () => {
    const lead = leadState({ status: LeadStatus.AWAITING_DEPOSIT, payment: { ...NO_PAYMENT, attempt: 1, sessionId: "cs_test_open" } });
    const input = { type: "artist_action", action: "reject", reason: "not my style", via: "admin" } as const;
    expect(decideArtistAction(lead, input, NOW, { ...CONFIG, payments: true }).decision.expireCheckout).toBe("cs_test_open");
    const off = decideArtistAction(lead, input, NOW, { ...CONFIG, payments: false });
    expect(off.outcome.ok).toBe(true);
    expect(off.decision.expireCheckout).toBeUndefined();
    expect(off.decision.events.map((e) => e.type)).toContain("deposit.link_not_expired");
  });
});
