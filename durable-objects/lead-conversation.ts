/**
 * LeadConversation: one Durable Object per WhatsApp number, the serial point for everything that
 * happens to that lead.
 */
import { DurableObject } from "cloudflare:workers";

export class LeadConversation extends DurableObject<Env> {
  /** Reports the object's inbox size (used by health checks and debugging). */
  inboxSize(): number {
    return 0;
  }
}
