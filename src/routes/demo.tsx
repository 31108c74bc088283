/**
 * GET /demo (DEMO_MODE only; production refuses demo mode at start-up): one page from which a
 * newcomer plays the client and the artist at once: the WhatsApp emulator's chat page as the
 * client, the same page as the artist's phone (where the one-tap links arrive), and the inbox,
 * signed in without the key. Anywhere else it does not exist (404).
 */
import { Hono } from "hono";
import type { FC } from "hono/jsx";
import type { AppEnv } from "./context.ts";
import { Layout } from "./inbox/layout.tsx";
import { artistCopy as t } from "./lead-view.ts";

/** The emulator's chat page held by the artist's phone (see dev/emulators/whatsapp/chat-script.ts). */
export function artistChatUrl(chatUrl: string, phone: string, name: string): string {
  const url = new URL(chatUrl);
  url.search = new URLSearchParams({ phone, name, role: "artist" }).toString();
  return url.toString();
}

const Step: FC<{ title: string; body: string; href: string | null; label: string; id: string }> = ({ title, body, href, label, id }) => (
  <section class="card" id={id}>
    <h2>{title}</h2>
    <p>{body}</p>
    {href ? (
      <p>
        <a href={href} target="_blank" rel="noopener">
          {label}
        </a>
      </p>
    ) : (
      <p class="muted">{t("demo.no_chat")}</p>
    )}
  </section>
);

export const demo = new Hono<AppEnv>().get("/", (c) => {
  const config = c.get("config");
  if (!config.DEMO_MODE) return c.notFound();
  const artistName = config.ARTIST_NAME;
  const chat = config.DEMO_CHAT_URL ?? null;
  const artistPhone = config.ARTIST_WHATSAPP_NUMBER;
  c.header("Cache-Control", "no-store");
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
  return c.html(
    <Layout title={t("demo.title")}>
      <h1>{t("demo.title")}</h1>
      <p>{t("demo.intro", { artistName })}</p>
      <p class="flash ok">{t("demo.artist_first", { artistName })}</p>
      <Step
        id="client"
        title={t("demo.client.title")}
        body={t("demo.client.body")}
        href={chat ? new URL("/", chat).toString() : null}
        label={t("demo.client.link")}
      />
      <Step
        id="artist"
        title={t("demo.artist.title", { artistName })}
        body={t("demo.artist.body", { artistName })}
        href={chat && artistPhone ? artistChatUrl(chat, artistPhone, artistName) : null}
        label={t("demo.artist.link", { artistName })}
      />
      <Step
        id="inbox"
        title={t("demo.inbox.title", { artistName })}
        body={t("demo.inbox.body")}
        href="/inbox/demo-login"
        label={t("demo.inbox.link")}
      />
    </Layout>,
  );
});
