/**
 * The artist's side in a real browser (headless Chromium) against the real stack over HTTP
 * (workerd via `wrangler dev`, embedded Postgres, the WhatsApp emulator): a client finishes a
 * consultation on WhatsApp, the summary reaches the artist's phone with a button to the inbox and
 * reply buttons; the artist taps Approve there (the emulator posts the tap as Meta does) and is
 * told it is done; the artist signs in to the inbox on a phone-sized screen and opens the lead; the
 * client receives free times as a WhatsApp list, taps one in the chat page, pays the deposit link
 * made for the hold on the Stripe emulator's checkout page, both phones hear about the booking, and
 * the session appears on the Google emulator's week page and in the inbox agenda. Then a second
 * client, booked the same way, gets the 48 h reminder from the cron fired at a later scheduled time
 * (wrangler's /cdn-cgi/handler/scheduled?time=, as Cron Triggers call it), taps "I need to change
 * it" and "Move it" in the chat page and a new time: the event moves once on the week page and the
 * agenda shows the new time. Screenshots go to test-artifacts/browser/.
 */
import path from "node:path";
import { deflateSync, crc32 } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { ARTIFACTS, BROWSER_IDENTITY, eventually, launchChromium, startBrowserStack, type BrowserStack } from "../support/node/browser-stack.ts";
import { LOCAL_CALENDAR_ID } from "../../dev/stack.ts";
import { CRON_EVERY_5_MIN } from "../../src/jobs/names.ts";
import { ChangeButton } from "../../src/domain/engine/booking-change.ts";

const CLIENT = "+447700900456";
const CLIENT_NAME = "Robin Vale";
const PHONE_SCREEN = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** A small gradient PNG (the client's reference image), so the thumbnail is worth looking at. */
function referencePng(size = 96): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) rows.set([20 + x * 2, 60 + y, 160], y * (1 + size * 3) + 1 + x * 3);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

let running: BrowserStack | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  // Chromium first: a machine without it fails in a second, naming the package.
  browser = await launchChromium();
  running = await startBrowserStack();
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
});

function stack() {
  if (!running) throw new Error("the stack did not start");
  return running.stack;
}

interface Client {
  phone: string;
  name: string;
}

const ROBIN: Client = { phone: CLIENT, name: CLIENT_NAME };

/** What the bot sent the client, as text (the emulator's record of Graph sends). */
function textsToClient(client: Client = ROBIN): string[] {
  return stack()
    .whatsapp.sends(client.phone)
    .map((s) => {
      const body = s.body as { text?: { body?: string }; interactive?: { body?: { text?: string } } };
      return body.text?.body ?? body.interactive?.body?.text ?? s.type;
    });
}

/** The client sends one message through the emulator and waits until the bot has answered it. */
async function clientSays(content: { text: string } | { image: { base64: string; mime_type: string; caption: string } }, client: Client = ROBIN): Promise<void> {
  const before = stack().whatsapp.sends(client.phone).length;
  const result = await stack().whatsapp.inbound({ from: client.phone, name: client.name, ...content });
  expect(result.status).toBe(200);
  await eventually(`a reply to ${JSON.stringify(content).slice(0, 80)}`, () => stack().whatsapp.sends(client.phone).length > before);
}

async function leadStatus(client: Client = ROBIN): Promise<string | undefined> {
  const res = await fetch(`${stack().urls.worker}/admin/leads?q=${client.phone.slice(1)}`, { headers: { "x-admin-api-key": BROWSER_IDENTITY.adminKey } });
  const body = (await res.json()) as { leads: { status: string }[] };
  return body.leads[0]?.status;
}

/** A screenshot of what the phone shows (`fullPage`: the whole page, scrolled). */
async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage });
}

/** The lead's id for a number, through the admin API. */
async function leadOf(phone: string): Promise<string> {
  const res = await fetch(`${stack().urls.worker}/admin/leads?q=${phone.slice(1)}`, { headers: { "x-admin-api-key": BROWSER_IDENTITY.adminKey } });
  const id = ((await res.json()) as { leads: { id: string }[] }).leads[0]?.id;
  if (!id) throw new Error(`no lead for ${phone}`);
  return id;
}

/** The artist's phone: the demo page links the artist's chat page; opening it keeps the artist's 24-hour window open. */
async function openArtistPhone(context: BrowserContext, pages: Record<string, Page>): Promise<{ artist: Page; href: string }> {
  const demo = (pages.demo = await context.newPage());
  await demo.goto(`${stack().urls.worker}/demo`);
  const href = (await demo.getAttribute("#artist a", "href")) ?? "";
  const artist = (pages.artist = await context.newPage());
  const windowOpened = artist.waitForResponse((r) => r.url().endsWith("/_emulator/window") && r.ok());
  await artist.goto(href);
  await windowOpened;
  return { artist, href };
}

/** Stage 1 of a booking: the client's consultation on WhatsApp, the idea as a picture with a caption, to PENDING_APPROVAL. */
async function consultation(client: Client): Promise<void> {
  await clientSays({ text: "hi" }, client);
  await clientSays({ image: { base64: referencePng().toString("base64"), mime_type: "image/png", caption: GOOD_ANSWERS.idea.text } }, client);
  for (const [key, answer] of Object.entries(GOOD_ANSWERS)) if (key !== "idea") await clientSays({ text: answer.text }, client);
  await eventually("the lead waiting for approval", async () => (await leadStatus(client)) === "PENDING_APPROVAL");
}

/**
 * Stage 2: the artist taps Approve under the client's summary on their phone (the newest one: the
 * page held `approvesBefore` Approve buttons before it came) and is told it is done.
 */
async function approveOnPhone(artist: Page, client: Client, approvesBefore: number): Promise<void> {
  const approves = artist.locator("button.reply", { hasText: renderCopy("artist.button.approve") });
  await eventually("the summary's Approve button", async () => (await approves.count()) > approvesBefore, 15_000);
  await approves.last().click();
  await artist.locator("#messages .msg.out", { hasText: renderCopy("action.done.approve", { clientName: client.name }) }).waitFor({ timeout: 15_000 });
  await eventually("the lead approved from the phone", async () => (await leadStatus(client)) === "CHECKING_CONSENT");
}

/** The consent step's first question to `client` (the approval carries it). */
function askedDobOf(client: Client): string {
  return renderCopy("consent.dob.client", { artistName: BROWSER_IDENTITY.artistName, greetingName: ` ${client.name.split(" ")[0] ?? ""}`, minimumAge: 18 });
}

/**
 * Stage 2b: approved, the client gives consent and age first (date of birth, the default policy's
 * three medical questions, the policy); then the free times are offered.
 */
async function givesConsent(client: Client): Promise<void> {
  await eventually("the date-of-birth question to the client", () => textsToClient(client).includes(askedDobOf(client)));
  for (const answer of ["17/05/1990", "no", "no", "no", "I agree"]) await clientSays({ text: answer }, client);
  await eventually("the free times offered after consent", async () => (await leadStatus(client)) === "CHOOSING_SLOT");
}

/**
 * Stage 3: the client receives the approval and the list of free times on WhatsApp (the emulator's
 * record and its chat page), taps "Choose a time" and the first (or last) time, pays the deposit link made
 * for the hold on Stripe's (the emulator's) checkout page; Stripe's signed webhook reaches the
 * Worker and both phones hear about the booking. Returns the client's chat page.
 */
async function chooseAndPay(context: BrowserContext, client: Client, artist: Page, pages: Record<string, Page>, prefix = "", pick: "first" | "last" = "first"): Promise<Page> {
  const { worker, whatsapp } = stack().urls;
  const greetingName = ` ${client.name.split(" ")[0] ?? ""}`;
  // The approval came with the consent step's first question; the list of times after the "I agree".
  const told = askedDobOf(client).split("\n")[0] ?? "";
  await eventually("the approval message to the client", () => textsToClient(client).some((t) => t.startsWith(told)));
  const chat = (pages[`${prefix}chat`] = await context.newPage());
  await chat.goto(`${whatsapp}/?phone=${encodeURIComponent(client.phone)}&name=${encodeURIComponent(client.name)}`);
  await chat.locator("#messages .msg.out", { hasText: told }).waitFor({ timeout: 10_000 });
  const opener = chat.locator("#messages button.reply", { hasText: renderCopy("booking.offer.button") }).last();
  await opener.waitFor({ timeout: 10_000 });
  await opener.click();
  const rows = chat.locator("#messages .list:not([hidden]) button.row");
  await rows.first().waitFor();
  expect(await rows.last().locator(".title").textContent()).toBe(renderCopy("booking.offer.none_row"));
  // The last row is "none of these"; the last time is the furthest from the studio's notice.
  const row = pick === "first" ? rows.first() : rows.nth((await rows.count()) - 2);
  const chosen = (await row.locator(".title").textContent()) ?? "";
  expect(chosen).not.toBe("");
  await shot(chat, `${prefix}client-chat-slots.png`);
  await row.click();

  await eventually("the slot held", async () => (await leadStatus(client)) === "AWAITING_DEPOSIT");
  const checkoutLink = chat.locator(`#messages .msg.out a.link[href^="${stack().urls.stripe}/checkout/"]`);
  await checkoutLink.waitFor({ timeout: 10_000 });
  const checkout = (pages[`${prefix}checkout`] = await context.newPage());
  await checkout.goto((await checkoutLink.getAttribute("href")) ?? "");
  expect(await checkout.locator("#amount").textContent()).toBe("£100.00");
  await shot(checkout, `${prefix}stripe-checkout.png`);
  await Promise.all([checkout.waitForURL(new RegExp(`^${worker}/deposit/paid\\?session_id=cs_test_`)), checkout.locator("#pay").click()]);
  expect(await checkout.locator("h1").textContent()).toBe(renderCopy("deposit.page.paid.heading"));
  await shot(checkout, `${prefix}deposit-paid.png`);
  await eventually("the lead BOOKED", async () => (await leadStatus(client)) === "BOOKED");
  const booked = renderCopy("booking.confirmed.client", { greetingName, when: "", zone: "", artistName: "", address: "", bring: "", calendarUrl: "", policy: "" }).split("\n")[0] ?? "";
  await chat.locator("#messages .msg.out", { hasText: booked }).waitFor({ timeout: 10_000 });
  await artist.locator("#messages .msg.out", { hasText: `Booked: ${client.name}` }).waitFor({ timeout: 10_000 });
  await shot(chat, `${prefix}client-chat-booked.png`);
  return chat;
}

/**
 * A client from "hi" to BOOKED through WhatsApp, the artist's phone and Stripe's checkout page:
 * the consultation, the artist's Approve, consent and age, then the time and the deposit.
 */
async function bookedClient(context: BrowserContext, client: Client, artist: Page, pages: Record<string, Page>, prefix: string): Promise<Page> {
  const approvesBefore = await artist.locator("button.reply", { hasText: renderCopy("artist.button.approve") }).count();
  await consultation(client);
  await approveOnPhone(artist, client, approvesBefore);
  await givesConsent(client);
  // The last time offered: a move asked for minutes later is still well within the studio's notice.
  return chooseAndPay(context, client, artist, pages, prefix, "last");
}

/** A lead's blocking booking through the admin API. */
async function bookingOf(leadId: string): Promise<{ id: string; status: string; starts_at: string; ends_at: string }> {
  const res = await fetch(`${stack().urls.worker}/admin/leads/${leadId}/booking`, { headers: { "x-admin-api-key": BROWSER_IDENTITY.adminKey } });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; status: string; starts_at: string; ends_at: string };
}

const LONDON_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" });
const LONDON_TIME = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

describe("the artist in a real browser", () => {
  it("a finished consultation: the artist taps Approve on their phone, the client taps a slot, pays, and the session is in the calendar and the agenda", async () => {
    const { worker, whatsapp } = stack().urls;
    const context: BrowserContext = await (browser as Browser).newContext(PHONE_SCREEN);
    const pages: Record<string, Page> = {};
    try {
      const { artist, href: artistHref } = await openArtistPhone(context, pages);
      expect(artistHref).toBe(`${whatsapp}/?phone=%2B447700900001&name=Mara&role=artist`);
      // The artist can write here too ("today"): it reaches the artist's desk, never a consultation.
      await artist.locator("#composer").waitFor({ state: "visible" });

      await consultation(ROBIN);

      // The summary on the artist's phone with a button to the lead's inbox page, then reply
      // buttons; no raw action link anywhere on the phone.
      const page = artist.locator(`a.link.cta[href^="${worker}/inbox/leads/"]`);
      await page.waitFor({ timeout: 15_000 });
      const approveButton = artist.locator("button.reply", { hasText: renderCopy("artist.button.approve") });
      await approveButton.waitFor({ timeout: 15_000 });
      expect(await artist.locator("button.reply", { hasText: renderCopy("artist.button.more") }).count()).toBe(1);
      expect(await artist.locator(`a.link[href^="${worker}/a"]`).count()).toBe(0);
      await shot(artist, "artist-whatsapp.png");

      // Tapping Approve on the phone: the emulator posts the tap to the Worker as Meta does; the
      // lead is approved through its object and the artist is told what happened.
      await approveOnPhone(artist, ROBIN, 0);
      await shot(artist, "artist-whatsapp-approved.png");

      // Approved, the client gives consent and age first; then the free times are offered.
      await givesConsent(ROBIN);

      // The inbox: signed out, it asks for the key.
      const inbox = (pages.inbox = await context.newPage());
      await inbox.goto(`${worker}/inbox`);
      expect(inbox.url()).toBe(`${worker}/inbox/login`);
      await inbox.fill("#key", BROWSER_IDENTITY.adminKey);
      await Promise.all([inbox.waitForURL(`${worker}/inbox`), inbox.click("main button[type=submit]")]);
      const cookie = (await context.cookies(`${worker}/inbox`)).find((c) => c.name === "inkline_inbox");
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/inbox" });

      // The lead, approved from the phone: in the group choosing a time.
      await shot(inbox, "inbox-leads.png", true);
      const group = inbox.locator('section[data-status="CHOOSING_SLOT"]');
      expect(await group.locator(".count").textContent()).toBe("1");
      await Promise.all([inbox.waitForURL(/\/inbox\/leads\/[0-9a-f-]{36}$/), group.locator("a", { hasText: CLIENT_NAME }).click()]);
      await inbox.locator('#status[data-status="CHOOSING_SLOT"]').waitFor();
      expect(await inbox.locator('section[aria-labelledby="answers-title"]').textContent()).toContain(GOOD_ANSWERS.placement.text);
      // The reference image, through the authenticated route, decoded by the browser.
      const thumbnail = inbox.locator(".thumbs img").first();
      await thumbnail.scrollIntoViewIfNeeded();
      await eventually("the thumbnail to load", () => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 96));
      // A phone screen: nothing wider than the viewport.
      expect(await inbox.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

      // Approved already: the inbox offers no Approve any more.
      expect(await inbox.locator('form[data-action="approve"]').count()).toBe(0);
      await shot(inbox, "inbox-lead-approved.png");
      await shot(inbox, "inbox-lead-approved-full.png", true);

      await chooseAndPay(context, ROBIN, artist, pages);

      // The session in the artist's Google Calendar (the emulator's week page), written once
      // through the queue, at the time the client tapped.
      const lead = await leadOf(CLIENT);
      const bookingRes = await fetch(`${worker}/admin/leads/${lead}/booking`, { headers: { "x-admin-api-key": BROWSER_IDENTITY.adminKey } });
      expect(bookingRes.status).toBe(200);
      const booking = (await bookingRes.json()) as { id: string; status: string };
      expect(booking.status).toBe("CONFIRMED");
      const eventId = await eventually(
        "the calendar event",
        () => {
          const ours = stack().google.events(LOCAL_CALENDAR_ID).filter((e) => e.source === "api" && e.status !== "cancelled");
          return ours.length === 1 && ours[0]?.extendedProperties?.private?.bookingId === booking.id ? ours[0].id : null;
        },
        40_000,
      );
      const event = stack().google.events(LOCAL_CALENDAR_ID).find((e) => e.id === eventId);
      const start = event?.start?.dateTime ?? "";
      const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(start));
      const week = (pages.calendar = await context.newPage());
      await week.goto(`${stack().google.calendarPageUrl(LOCAL_CALENDAR_ID)}&week=${day}&tz=Europe%2FLondon`);
      const entry = week.locator(`section[data-day="${day}"] li.ours[data-event-id="${eventId ?? ""}"]`);
      await entry.waitFor({ timeout: 10_000 });
      expect(await week.locator("li.ours").count()).toBe(1);
      const time = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(start));
      expect(await entry.textContent()).toContain(time);
      await shot(week, "google-calendar-week.png", true);

      // And in the inbox's agenda, confirmed, under the client's name.
      await inbox.goto(`${worker}/inbox/agenda`);
      const session = inbox.locator('#agenda li[data-status="CONFIRMED"]', { hasText: CLIENT_NAME });
      await session.waitFor({ timeout: 10_000 });
      expect(await inbox.locator("#agenda li[data-booking]").count()).toBe(1);
      await shot(inbox, "inbox-agenda.png", true);
    } catch (error) {
      for (const [name, page] of Object.entries(pages)) await shot(page, `failure-${name}.png`).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  });

  it("a booked client moves their session from the reminder's button: the event moves once on the week page, the agenda shows the new time", async () => {
    const { worker } = stack().urls;
    const kit: Client = { phone: "+447700900458", name: "Kit Marsh" };
    const context: BrowserContext = await (browser as Browser).newContext(PHONE_SCREEN);
    const pages: Record<string, Page> = {};
    try {
      const { artist } = await openArtistPhone(context, pages);
      const chat = await bookedClient(context, kit, artist, pages, "move-");
      const lead = await leadOf(kit.phone);
      const before = await bookingOf(lead);
      expect(before.status).toBe("CONFIRMED");
      const ours = () => stack().google.events(LOCAL_CALENDAR_ID).filter((e) => e.source === "api" && e.status !== "cancelled" && e.extendedProperties?.private?.bookingId === before.id);
      const eventId = await eventually("the calendar event", () => (ours().length === 1 ? ours()[0]?.id : null), 40_000);

      // The 48 h reminder: the cron as Cron Triggers fire it (wrangler's scheduled handler), with the
      // scheduled time an hour past the reminder's: the client's phone shows it with its buttons
      // (reply buttons in the 24-hour window; the template's quick replies, shown by id, outside it).
      const scheduledTime = Date.parse(before.starts_at) - 47 * 3_600_000;
      const cron = await fetch(`${worker}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(CRON_EVERY_5_MIN)}&time=${scheduledTime}`);
      expect(cron.status, await cron.text()).toBe(200);
      const change = chat.locator("#messages button.reply", { hasText: new RegExp(`${renderCopy("booked.button.change")}|${ChangeButton.CHANGE}`) }).last();
      await change.waitFor({ timeout: 30_000 });
      expect(await chat.locator("#messages button.reply", { hasText: new RegExp(`${renderCopy("booked.button.confirm")}|booked:confirm`) }).count()).toBeGreaterThan(0);
      await shot(chat, "move-client-chat-reminder.png");

      // "I need to change it" → move, keep or cancel → "Move it" → a fresh list of times.
      await change.click();
      const move = chat.locator("#messages button.reply", { hasText: renderCopy("booking.change_button.move") }).last();
      await move.waitFor({ timeout: 15_000 });
      await move.click();
      const lists = chat.locator("#messages button.reply", { hasText: renderCopy("booking.offer.button") });
      await eventually("the move's list of times", async () => (await lists.count()) > 1, 15_000);
      await lists.last().click();
      const rows = chat.locator("#messages .list:not([hidden]) button.row");
      await rows.first().waitFor();
      await shot(chat, "move-client-chat-slots.png");
      await rows.first().click();

      // The booking moves (the same row, its deposit with it) and the client is told.
      const after = await eventually("the booking moved", async () => {
        const now = await bookingOf(lead);
        return now.starts_at !== before.starts_at ? now : null;
      });
      expect(after).toMatchObject({ id: before.id, status: "CONFIRMED" });
      expect(await leadStatus(kit)).toBe("BOOKED");
      await chat.locator("#messages .msg.out", { hasText: "moved" }).last().waitFor({ timeout: 10_000 });
      await shot(chat, "move-client-chat-moved.png");

      // The event follows it, patched through the queue: still one event of ours, at the new time.
      await eventually("the event patched to the new time", () => ours().length === 1 && Date.parse(ours()[0]?.start?.dateTime ?? "") === Date.parse(after.starts_at), 40_000);
      expect(ours()[0]?.id).toBe(eventId);
      const day = LONDON_DAY.format(new Date(after.starts_at));
      const week = (pages.calendar = await context.newPage());
      await week.goto(`${stack().google.calendarPageUrl(LOCAL_CALENDAR_ID)}&week=${day}&tz=Europe%2FLondon`);
      const entry = week.locator(`section[data-day="${day}"] li.ours[data-event-id="${eventId}"]`);
      await entry.waitFor({ timeout: 10_000 });
      expect(await week.locator(`li.ours[data-event-id="${eventId}"]`).count()).toBe(1);
      expect(await entry.textContent()).toContain(LONDON_TIME.format(new Date(after.starts_at)));
      await shot(week, "move-google-calendar-week.png", true);

      // The inbox agenda: the session once, on its new day at its new time.
      const inbox = (pages.inbox = await context.newPage());
      await inbox.goto(`${worker}/inbox/login`);
      await inbox.fill("#key", BROWSER_IDENTITY.adminKey);
      await Promise.all([inbox.waitForURL(`${worker}/inbox`), inbox.click("main button[type=submit]")]);
      await inbox.goto(`${worker}/inbox/agenda`);
      const session = inbox.locator(`#agenda li[data-booking="${before.id}"]`);
      await session.waitFor({ timeout: 10_000 });
      expect(await session.count()).toBe(1);
      expect(await inbox.locator(`#agenda section[data-day="${day}"] li[data-booking="${before.id}"]`).count()).toBe(1);
      expect(await session.locator(".when").textContent()).toContain(LONDON_TIME.format(new Date(after.starts_at)));
      expect(await session.textContent()).toContain(kit.name);
      await shot(inbox, "move-inbox-agenda.png", true);
    } catch (error) {
      for (const [name, page] of Object.entries(pages)) await shot(page, `failure-move-${name}.png`).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  });

  it("demo jump ahead: a consultation left at question 6 is nudged after +13 h, gets the template after +37 h, is ABANDONED after +49 h", async () => {
    const { worker } = stack().urls;
    const quiet = "+447700900457";
    const sends = () => stack().whatsapp.sends(quiet);
    const says = async (text: string) => {
      const before = sends().length;
      expect((await stack().whatsapp.inbound({ from: quiet, name: "Sam Quiet", text })).status).toBe(200);
      await eventually(`a reply to "${text}"`, () => sends().length > before);
    };
    await says("hi");
    for (const key of ["idea", "placement", "dimensions", "style", "complexity"] as const) await says(GOOD_ANSWERS[key].text);
    const status = async () => {
      const res = await fetch(`${worker}/admin/leads?q=${quiet.slice(1)}`, { headers: { "x-admin-api-key": BROWSER_IDENTITY.adminKey } });
      return ((await res.json()) as { leads: { status: string }[] }).leads[0]?.status;
    };
    const context = await (browser as Browser).newContext(PHONE_SCREEN);
    try {
      const demo = await context.newPage();
      await demo.goto(`${worker}/demo`);
      const jump = async (hours: number) => {
        await Promise.all([demo.waitForURL(`${worker}/demo?jumped=${hours}**`), demo.locator(`#jump form:has(input[value="${hours}"]) button`).click()]);
      };
      const before = sends().length;
      await jump(13);
      const nudge = await eventually("the 12 h nudge", () => sends().slice(before).find((s) => (s.body as { interactive?: unknown }).interactive !== undefined));
      expect(JSON.stringify(nudge.body)).toContain(renderCopy("question.coverup"));
      await jump(37);
      await eventually("the 36 h template", () => sends().slice(before).find((s) => (s.body as { template?: { name?: string } }).template?.name === "inkline_consultation_nudge"));
      const sentBeforeAbandon = sends().length;
      await jump(49);
      await eventually("ABANDONED", async () => (await status()) === "ABANDONED");
      expect(sends().length).toBe(sentBeforeAbandon);
      await shot(demo, "demo-jumped.png", true);
    } finally {
      await context.close();
    }
  });

  it("demo mode: the demo page's inbox link signs a fresh browser in without the key", async () => {
    const { worker } = stack().urls;
    const context = await (browser as Browser).newContext(PHONE_SCREEN);
    try {
      const demo = await context.newPage();
      await demo.goto(`${worker}/demo`);
      const [inbox] = await Promise.all([context.waitForEvent("page"), demo.locator("#inbox a").click()]);
      await inbox.waitForURL(`${worker}/inbox`);
      await inbox.locator('form[action="/inbox/logout"]').waitFor();
      await shot(demo, "demo.png", true);

      // Signing out revokes the session on the server: a copy of the cookie opens nothing.
      const copied = (await context.cookies(`${worker}/inbox`)).find((c) => c.name === "inkline_inbox")?.value ?? "";
      expect(copied).not.toBe("");
      await Promise.all([inbox.waitForURL(`${worker}/inbox/login?signed_out=1`), inbox.locator('form[action="/inbox/logout"] button').click()]);
      const replayed = await fetch(`${worker}/inbox`, { headers: { cookie: `inkline_inbox=${copied}` }, redirect: "manual" });
      expect(replayed.status).toBe(303);
      expect(replayed.headers.get("location")).toBe("/inbox/login?expired=1");
    } finally {
      await context.close();
    }
  });
});
