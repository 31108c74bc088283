/**
 * `GET /`: a self-contained chat page where a person plays the client on a phone or desktop
 * browser (or, with `?phone=…&role=artist`, watches the artist's phone; see chat-script.ts). Markup and styles live here, behaviour in `chat-script.ts`; no external assets, so it
 * works on a machine without internet.
 */
import { CHAT_SCRIPT } from "./chat-script.ts";

const STYLES = `
  :root { --bg: #efeae2; --bar: #0f5c4d; --me: #d9fdd3; --bot: #ffffff; --ink: #1f2c34; --muted: #667781; --accent: #0a7cff; --warn: #c62828; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  html, body { height: 100%; margin: 0; }
  body { font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg);
    display: flex; flex-direction: column; max-width: 720px; margin: 0 auto; }
  header { background: var(--bar); color: #fff; padding: 10px 14px; display: flex; align-items: center; gap: 10px; }
  header .avatar { width: 36px; height: 36px; border-radius: 50%; background: #25d366; display: grid; place-items: center; font-weight: 700; }
  header .title { flex: 1; min-width: 0; }
  header .title b { display: block; }
  header .title small { opacity: .8; }
  header a { color: #fff; opacity: .85; font-size: 13px; }
  details#settings { background: #fff; border-bottom: 1px solid #ddd; }
  details#settings summary { padding: 8px 14px; cursor: pointer; color: var(--muted); font-size: 13px; }
  form#identity { display: flex; flex-wrap: wrap; gap: 8px; padding: 0 14px 12px; }
  form#identity label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); flex: 1 1 160px; }
  input[type=text], input[type=tel] { font: inherit; padding: 8px 10px; border: 1px solid #ccc; border-radius: 8px; }
  #artist-note { background: #fff8e1; color: #5d4200; padding: 8px 14px; font-size: 13px; border-bottom: 1px solid #f0e0a0; }
  a.link { color: var(--accent); word-break: break-all; }
  #notice { background: #fdecea; color: var(--warn); padding: 8px 14px; font-size: 13px; border-bottom: 1px solid #f5c2c0; }
  #messages { flex: 1; overflow-y: auto; padding: 12px 10px; display: flex; flex-direction: column; gap: 6px; }
  .empty { margin: auto; color: var(--muted); }
  .msg { display: flex; flex-direction: column; max-width: 85%; }
  .msg.in { align-self: flex-end; align-items: flex-end; }
  .msg.out { align-self: flex-start; align-items: flex-start; }
  .bubble { padding: 7px 10px 5px; border-radius: 10px; box-shadow: 0 1px 1px rgba(0,0,0,.08); word-wrap: break-word; }
  .in .bubble { background: var(--me); border-top-right-radius: 2px; }
  .out .bubble { background: var(--bot); border-top-left-radius: 2px; }
  .text { white-space: pre-wrap; }
  .head { font-weight: 600; margin-bottom: 2px; }
  .foot, .meta { color: var(--muted); font-size: 12px; }
  .meta { text-align: right; margin-top: 2px; }
  .warn { color: var(--warn); font-size: 12px; text-align: right; }
  .tag { font-size: 12px; color: var(--muted); font-weight: 600; margin-bottom: 2px; }
  .param { font-size: 14px; } .param .key { color: var(--muted); }
  .media { display: block; max-width: 240px; max-height: 240px; border-radius: 6px; margin-bottom: 4px; }
  .buttons { display: flex; flex-direction: column; gap: 4px; margin-top: 4px; width: 100%; }
  button.reply { font: inherit; color: var(--accent); background: #fff; border: 0; border-radius: 8px; padding: 8px 12px;
    box-shadow: 0 1px 1px rgba(0,0,0,.08); cursor: pointer; margin-top: 4px; min-width: 160px; }
  button.reply:active, button.row:active { background: #e8f0fe; }
  .list { background: #fff; border-radius: 8px; margin-top: 4px; overflow: hidden; box-shadow: 0 1px 2px rgba(0,0,0,.12); min-width: 240px; }
  .list .section { font-size: 12px; color: #0f7b6c; padding: 8px 12px 2px; font-weight: 600; }
  button.row { display: block; width: 100%; text-align: left; font: inherit; background: #fff; border: 0;
    border-top: 1px solid #f0f0f0; padding: 8px 12px; cursor: pointer; }
  button.row .desc { color: var(--muted); font-size: 13px; }
  pre.raw { font-size: 11px; white-space: pre-wrap; margin: 0; }
  form#composer { display: flex; gap: 6px; padding: 8px; background: #f0f2f5; align-items: center; }
  form#composer input[type=text] { flex: 1; border-radius: 20px; border: 0; padding: 10px 14px; }
  .icon { width: 42px; height: 42px; border-radius: 50%; border: 0; display: grid; place-items: center; cursor: pointer; font-size: 18px; }
  label.icon { background: transparent; color: var(--muted); }
  button.icon { background: var(--bar); color: #fff; }
  input[type=file] { display: none; }
`;

/** The complete chat page. */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>Inkline · WhatsApp client emulator</title>
<style>${STYLES}</style>
</head>
<body>
<header>
  <div class="avatar">I</div>
  <div class="title"><b>Inkline studio</b><small id="who"></small></div>
  <a href="/_emulator">console</a>
</header>
<details id="settings">
  <summary>Client: change number, name or username</summary>
  <form id="identity">
    <label>Phone (E.164)<input id="phone" type="tel" autocomplete="off" placeholder="+447700900123"></label>
    <label>Name<input id="name" type="text" autocomplete="off" placeholder="Sam"></label>
    <label>WhatsApp username<input id="username" type="text" autocomplete="off" placeholder="@sam.ink"></label>
    <label class="check"><span><input id="hide-phone" type="checkbox"> Username client: hide my number (Meta sends only my BSUID)</span></label>
    <button class="reply" type="submit">Use this client</button>
    <button class="reply" id="change-number" type="button" title="WhatsApp tells the business the client moved to the number in the Phone field">I changed my number to the one above</button>
  </form>
</details>
<div id="artist-note" hidden>The artist's phone: notices with buttons to tap (Approve, Reject, More) and a button to the inbox. Type "today" for the digest.</div>
<div id="notice" role="alert" hidden></div>
<main id="messages" aria-live="polite"></main>
<form id="composer">
  <label class="icon" title="Attach an image or file">📎<input id="file" type="file" accept="image/*,application/pdf"></label>
  <input id="text" type="text" autocomplete="off" placeholder="Message">
  <button class="icon" type="submit" title="Send">➤</button>
</form>
<script>${CHAT_SCRIPT}</script>
</body>
</html>
`;
