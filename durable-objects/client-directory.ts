/**
 * ClientDirectory: which LeadConversation object serves a client, one tiny Durable Object per
 * identity ("u:<BSUID>", or "p:<E.164>" for a number a client moved to).
 *
 * A client may reach us by phone, by business-scoped user ID (BSUID), or both, and which of those
 * Meta sends can change (a client adopts a username and the number disappears; a username client
 * shares their number). So the conversation object is named once, when the client is first seen,
 * and the directory remembers that name for the BSUID: the phone when the first message had one
 * (so existing phone-named leads keep their object), else the BSUID. The first name written wins
 * and never changes, which is what lets the Worker cache it (whatsapp-routing.ts).
 *
 * A "changed number" notice links the new number (and new BSUID, when Meta names it) to the
 * client's object, so their next message, from the new identity, finds the same object and lead.
 */
import { DurableObject } from "cloudflare:workers";

export class ClientDirectory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS entry (k TEXT PRIMARY KEY, name TEXT NOT NULL)");
  }

  private read(): string | null {
    return this.ctx.storage.sql.exec<{ name: string }>("SELECT name FROM entry WHERE k = 'name'").toArray()[0]?.name ?? null;
  }

  private write(name: string): string {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO entry (k, name) VALUES ('name', ?)", name);
    return this.read() ?? name;
  }

  /** The object name recorded for this identity, or null. */
  peek(): string | null {
    return this.read();
  }

  /**
   * The object serving this BSUID; on first sight, `phone`'s object (a number a client moved to
   * may be linked to an older object) or else `phone` itself, or else `fallback` (the BSUID).
   */
  async resolve(phone: string | null, fallback: string): Promise<string> {
    const known = this.read();
    if (known !== null) return known;
    const moved = phone === null ? null : await this.env.CLIENT_DIRECTORY.getByName(`p:${phone}`).peek();
    return this.write(moved ?? phone ?? fallback);
  }

  /** Names the object for this identity unless one is named already; returns the name in force. */
  link(name: string): string {
    return this.write(name);
  }
}
