/**
 * `GET /_emulator`: a small operator console for the local stack. Lists every recorded send and
 * rejected call, shows the webhook config and clock, and has buttons for fault injection, clock
 * shifts and reset, all through the same control API the tests use. Self-contained, no assets.
 */

const CONSOLE_SCRIPT = String.raw`
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, text) { var n = document.createElement(tag); if (text !== undefined) n.textContent = String(text); return n; }
  async function call(method, path, body) {
    var res = await fetch(path, { method: method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
    var data = await res.json().catch(function () { return {}; });
    $("status").textContent = res.ok ? "" : "Error " + res.status + ": " + (data.error || "");
    return data;
  }
  function summary(send) {
    var b = send.body || {};
    if (send.type === "text") return b.text.body;
    if (send.type === "interactive") return "[" + b.interactive.type + "] " + b.interactive.body.text;
    if (send.type === "template") return "[template] " + b.template.name + " (" + b.template.language.code + ")";
    return "[" + send.type + "] " + JSON.stringify(b[send.type] || {});
  }
  function table(rows, head, cells) {
    var t = el("table");
    var tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", h)); });
    t.appendChild(tr);
    rows.slice().reverse().forEach(function (r) {
      var row = el("tr");
      cells(r).forEach(function (c) { row.appendChild(el("td", c)); });
      t.appendChild(row);
    });
    return t;
  }
  async function refresh() {
    var sends = await call("GET", "/_emulator/sends");
    var rejected = await call("GET", "/_emulator/rejected");
    var fail = await call("GET", "/_emulator/fail");
    var clock = await call("GET", "/_emulator/clock");
    var config = await call("GET", "/_emulator/config");
    $("sends").replaceChildren(table(sends.sends || [], ["time", "to", "type", "message", "statuses", "id"], function (s) {
      return [s.received_at.slice(11, 19), "+" + s.wa_id, s.type, summary(s), s.statuses.join(" → "), s.id];
    }));
    $("rejected").replaceChildren(table(rejected.rejected || [], ["time", "status", "code", "error", "path"], function (r) {
      return [r.received_at.slice(11, 19), r.status, r.error.code, r.error.message + (r.error.error_data ? " — " + r.error.error_data.details : ""), r.method + " " + r.path];
    }));
    $("fail").textContent = "Armed: " + fail.remaining + " × " + fail.mode + " · injected so far: 500×" + fail.injected["500"] + ", 429×" + fail.injected["429"] + ", timeout×" + fail.injected.timeout;
    $("clock").textContent = "Emulator clock: " + clock.now + " (offset " + Math.round(clock.offsetMs / 3600000 * 10) / 10 + " h)";
    $("config").textContent = "Webhook: " + (config.webhookUrl || "not set") + " · status webhooks: " + (config.sendStatusWebhooks ? "on" : "off") + " · phone number id " + config.phoneNumberId;
  }
  document.querySelectorAll("[data-fail]").forEach(function (b) {
    b.onclick = function () { var p = b.getAttribute("data-fail").split("x"); void call("POST", "/_emulator/fail", { mode: p[0], count: Number(p[1]) }).then(refresh); };
  });
  $("advance").onclick = function () { void call("POST", "/_emulator/clock", { advanceMs: 25 * 3600000 }).then(refresh); };
  $("now").onclick = function () { void call("POST", "/_emulator/clock", { offsetMs: 0 }).then(refresh); };
  $("reset").onclick = function () { if (confirm("Clear all sends, media, conversations and failures?")) void call("POST", "/_emulator/reset").then(refresh); };
  $("statuses").onclick = function () { void call("GET", "/_emulator/config").then(function (c) { return call("POST", "/_emulator/config", { sendStatusWebhooks: !c.sendStatusWebhooks }); }).then(refresh); };
  void refresh();
  setInterval(function () { void refresh(); }, 2000);
})();
`;

/** The complete console page. */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inkline · WhatsApp emulator console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 16px; max-width: 1100px; color: #1f2c34; }
  h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 24px; }
  .bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 6px 0; }
  button { font: inherit; padding: 6px 10px; border: 1px solid #ccc; border-radius: 6px; background: #fff; cursor: pointer; }
  button.danger { border-color: #c62828; color: #c62828; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eee; vertical-align: top; word-break: break-word; }
  th { color: #667781; font-weight: 600; }
  #status { color: #c62828; }
  .muted { color: #667781; }
</style>
</head>
<body>
<h1>WhatsApp emulator console <a class="muted" href="/">open the client chat</a></h1>
<div id="config" class="muted"></div>
<div id="clock" class="muted"></div>
<div id="status"></div>
<div class="bar">
  <span>Fail next Graph calls:</span>
  <button data-fail="500x1">500 ×1</button><button data-fail="500x3">500 ×3</button>
  <button data-fail="429x1">429 ×1</button><button data-fail="429x3">429 ×3</button>
  <button data-fail="timeoutx1">timeout ×1</button><button data-fail="500x0">disarm</button>
</div>
<div id="fail" class="muted"></div>
<div class="bar">
  <button id="advance">Clock +25 h</button><button id="now">Clock to now</button>
  <button id="statuses">Toggle status webhooks</button><button id="reset" class="danger">Reset</button>
</div>
<h2>Sends (newest first)</h2><div id="sends"></div>
<h2>Rejected calls</h2><div id="rejected"></div>
<script>${CONSOLE_SCRIPT}</script>
</body>
</html>
`;
