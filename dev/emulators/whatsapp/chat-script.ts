/**
 * The browser script of the client chat page (served inline by `chat-page.ts`). Plain ES2020, no
 * framework: polls `/_emulator/conversation` every second, renders both sides, and turns taps on
 * reply buttons and list rows into `/_emulator/inbound` calls. Everything the Worker sent is
 * rendered with `textContent`, never `innerHTML`, so a bot message cannot inject markup; http(s)
 * URLs in it become links (the artist's one-tap action links are tappable).
 *
 * The query string picks who is holding the phone: `?phone=+447700900123&name=Sam` plays that
 * client without touching the number saved for plain `/` (so two tabs can be two people), and
 * `&role=artist` makes it the artist's phone: notices arrive with reply buttons, lists and
 * call-to-action URL buttons; a tap (or anything the artist types, "today" say) is sent to the
 * Worker signed as Meta does, from the artist's number, and reaches the artist's desk. It keeps the
 * artist's 24-hour window open through `POST /_emulator/window`, so notices arrive as interactive
 * messages rather than as a template.
 * Kept free of backticks and `${` because it lives inside a TypeScript template string.
 */
export const CHAT_SCRIPT = String.raw`
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var store = window.localStorage;
  var query = new URLSearchParams(window.location.search);
  // "+" in a query string decodes to a space: keep the digits.
  var fixedPhone = (query.get("phone") || "").replace(/\D/g, "");
  var role = query.get("role") === "artist" ? "artist" : "client";
  var me = fixedPhone
    ? { phone: "+" + fixedPhone, name: query.get("name") || (role === "artist" ? "Artist" : "Sam") }
    : { phone: store.getItem("inkline.emu.phone") || "+447700900123", name: store.getItem("inkline.emu.name") || "Sam" };
  // Since April 2026 Meta names every client by a business-scoped user ID (BSUID) too; a client with
  // a username may hide their number, and a new number comes with a new BSUID.
  function newUserId() { return "GB." + String(Date.now()) + String(Math.floor(Math.random() * 1e6)); }
  me.userId = (!fixedPhone && store.getItem("inkline.emu.userId")) || newUserId();
  me.username = (!fixedPhone && store.getItem("inkline.emu.username")) || "";
  me.hidePhone = !fixedPhone && store.getItem("inkline.emu.hidePhone") === "1";
  function chatKey() { return me.hidePhone ? me.userId : digits(me.phone); }
  var lastRendered = "";
  var polling = false;

  function digits(s) { return String(s).replace(/\D/g, ""); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  // WhatsApp's *bold* and _italic_, built as DOM nodes so text stays text.
  function styled(box, text) {
    String(text).split(/(\*[^*\n]+\*|_[^_\n]+_)/).forEach(function (part) {
      if (/^\*[^*]+\*$/.test(part)) box.appendChild(el("strong", "", part.slice(1, -1)));
      else if (/^_[^_]+_$/.test(part)) box.appendChild(el("em", "", part.slice(1, -1)));
      else if (part) box.appendChild(document.createTextNode(part));
    });
  }
  // Links first (a token's "_" is not italics), then styles; only http(s) URLs become links.
  function rich(text) {
    var box = el("div", "text");
    String(text).split(/(https?:\/\/[^\s]+)/).forEach(function (part, i) {
      if (i % 2 === 0) { styled(box, part); return; }
      var link = el("a", "link", part);
      link.href = part;
      link.target = "_blank";
      link.rel = "noopener";
      box.appendChild(link);
    });
    return box;
  }
  function notice(text) { var n = $("notice"); n.textContent = text || ""; n.hidden = !text; }
  function timeOf(iso) { var d = new Date(iso); return isNaN(d) ? "" : d.toTimeString().slice(0, 5); }

  async function inbound(content) {
    var who = role === "artist" ? { from: "+" + digits(me.phone) } : { user_id: me.userId };
    if (role !== "artist" && !me.hidePhone) who.from = "+" + digits(me.phone);
    if (role !== "artist" && me.username) who.username = me.username;
    var spec = Object.assign(who, { name: me.name }, content);
    try {
      var res = await fetch("/_emulator/inbound", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
      var data = await res.json().catch(function () { return {}; });
      if (!res.ok) notice("Emulator: " + (data.error || res.status) + (data.issues ? " " + JSON.stringify(data.issues) : ""));
      else if (data.status !== 200) notice("The Worker answered the webhook with " + (data.status === null ? "no response (" + (data.error || "unreachable") + ")" : data.status + " " + String(data.body).slice(0, 200)));
      else notice("");
    } catch (err) { notice("Emulator unreachable: " + err); }
    void refresh();
  }

  function mediaSrc(m) { return m.link ? m.link : "/_emulator/media/" + encodeURIComponent(m.id); }

  function renderTemplate(t, bubble) {
    bubble.appendChild(el("div", "tag", "Template · " + t.name + " · " + (t.language && t.language.code)));
    (t.components || []).forEach(function (c) {
      var params = (c.parameters || []).map(function (p) {
        if (p.type === "text") return (p.parameter_name ? p.parameter_name + "=" : "") + p.text;
        if (p.type === "payload") return "payload=" + p.payload;
        return p.type;
      });
      if (c.type === "button") {
        // Button titles live in the template definition, which the emulator never sees: show the payload.
        var payload = (c.parameters || []).map(function (p) { return p.payload || p.text; }).filter(Boolean)[0];
        var b = el("button", "reply", payload ? "↩ " + payload : (c.sub_type || "button") + " " + (c.index !== undefined ? c.index : ""));
        if (payload) b.onclick = function () { void inbound({ quick_reply: { payload: payload, text: payload } }); };
        bubble.appendChild(b);
      } else if (params.length) {
        var row = el("div", "param");
        row.appendChild(el("span", "key", c.type + ": "));
        row.appendChild(document.createTextNode(params.join(" · ")));
        bubble.appendChild(row);
      }
    });
  }

  function renderInteractive(i, bubble, wrap) {
    if (i.header && i.header.text) bubble.appendChild(el("div", "head", i.header.text));
    bubble.appendChild(rich(i.body.text));
    if (i.footer) bubble.appendChild(el("div", "foot", i.footer.text));
    if (i.type === "cta_url") {
      // A call-to-action URL button: opens the URL, sends nothing back (as on a phone).
      var go = Object.assign(el("a", "link cta", "🔗 " + i.action.parameters.display_text), { href: i.action.parameters.url, target: "_blank", rel: "noopener" });
      wrap.appendChild(go);
    } else if (i.type === "button") {
      var row = el("div", "buttons");
      i.action.buttons.forEach(function (b) {
        var btn = el("button", "reply", b.reply.title);
        btn.onclick = function () { void inbound({ button: { id: b.reply.id, title: b.reply.title } }); };
        row.appendChild(btn);
      });
      wrap.appendChild(row);
    } else if (i.type === "list") {
      var open = el("button", "reply", "☰ " + i.action.button);
      var list = el("div", "list");
      list.hidden = true;
      open.onclick = function () { list.hidden = !list.hidden; };
      i.action.sections.forEach(function (s) {
        if (s.title) list.appendChild(el("div", "section", s.title));
        s.rows.forEach(function (r) {
          var item = el("button", "row");
          item.appendChild(el("div", "title", r.title));
          if (r.description) item.appendChild(el("div", "desc", r.description));
          item.onclick = function () {
            var pick = { id: r.id, title: r.title };
            if (r.description) pick.description = r.description;
            void inbound({ list: pick });
          };
          list.appendChild(item);
        });
      });
      wrap.appendChild(open);
      wrap.appendChild(list);
    }
  }

  function renderOut(send, wrap, bubble) {
    var b = send.body || {};
    var type = send.type;
    if (type === "text") bubble.appendChild(rich(b.text.body));
    else if (type === "interactive") renderInteractive(b.interactive, bubble, wrap);
    else if (type === "template") renderTemplate(b.template, bubble);
    else if (type === "image" || type === "sticker") {
      bubble.appendChild(Object.assign(el("img", "media"), { src: mediaSrc(b[type]), alt: type }));
      if (b[type].caption) bubble.appendChild(rich(b[type].caption));
    } else if (type === "reaction") bubble.appendChild(el("div", "tag", "Reacted " + b.reaction.emoji));
    else {
      var link = Object.assign(el("a", "", "📄 " + (b[type].filename || type)), { href: mediaSrc(b[type]), target: "_blank" });
      bubble.appendChild(link);
      if (b[type].caption) bubble.appendChild(rich(b[type].caption));
    }
    var last = send.statuses[send.statuses.length - 1];
    var ticks = last === "read" ? "✓✓ read" : last === "delivered" ? "✓✓" : last === "sent" ? "✓" : last || "";
    bubble.appendChild(el("div", "meta", timeOf(send.received_at) + (ticks ? " " + ticks : "")));
  }

  function renderIn(rec, bubble) {
    var m = rec.message;
    if (m.type === "text") bubble.appendChild(rich(m.text.body));
    else if (m.type === "interactive") {
      var reply = m.interactive.button_reply || m.interactive.list_reply;
      bubble.appendChild(el("div", "text", "↩ " + reply.title));
    } else if (m.type === "button") bubble.appendChild(el("div", "text", "↩ " + m.button.text));
    else if (m.type === "image") {
      bubble.appendChild(Object.assign(el("img", "media"), { src: mediaSrc(m.image), alt: "image" }));
      if (m.image.caption) bubble.appendChild(rich(m.image.caption));
    } else if (m.type === "document") bubble.appendChild(el("div", "text", "📄 " + m.document.filename));
    else if (m.type === "location") bubble.appendChild(el("div", "text", "📍 " + (m.location.name || "") + " " + m.location.latitude + ", " + m.location.longitude));
    else if (m.type === "reaction") bubble.appendChild(el("div", "tag", "Reacted " + m.reaction.emoji));
    bubble.appendChild(el("div", "meta", timeOf(rec.received_at)));
    if (rec.webhook === null) bubble.appendChild(el("div", "meta", "delivering…"));
    else if (rec.webhook.status !== 200) {
      bubble.appendChild(el("div", "warn", "Worker answered " + (rec.webhook.status === null ? "nothing: " + rec.webhook.error : rec.webhook.status)));
    }
  }

  function render(entries) {
    var box = $("messages");
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.textContent = "";
    if (!entries.length) box.appendChild(el("div", "empty", "Say hello to start a consultation."));
    entries.forEach(function (e) {
      var wrap = el("div", "msg " + e.direction);
      var bubble = el("div", "bubble");
      wrap.appendChild(bubble);
      try {
        if (e.direction === "in") renderIn(e.record, bubble); else renderOut(e.record, wrap, bubble);
      } catch (err) {
        bubble.appendChild(el("pre", "raw", JSON.stringify(e.record.body || e.record.message, null, 2)));
      }
      box.appendChild(wrap);
    });
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  async function refresh() {
    if (polling) return;
    polling = true;
    try {
      var res = await fetch("/_emulator/conversation?with=" + encodeURIComponent(chatKey()));
      var text = await res.text();
      if (text !== lastRendered) { lastRendered = text; render(JSON.parse(text).entries || []); }
    } catch (err) { notice("Emulator unreachable: " + err); }
    finally { polling = false; }
  }

  function applyIdentity() {
    var phone = $("phone").value.trim() || me.phone;
    if (digits(phone) !== digits(me.phone)) me.userId = newUserId();
    me.phone = phone;
    me.name = $("name").value.trim() || me.name;
    me.username = $("username").value.trim();
    me.hidePhone = $("hide-phone").checked;
    if (!fixedPhone) {
      store.setItem("inkline.emu.phone", me.phone);
      store.setItem("inkline.emu.name", me.name);
      store.setItem("inkline.emu.userId", me.userId);
      store.setItem("inkline.emu.username", me.username);
      store.setItem("inkline.emu.hidePhone", me.hidePhone ? "1" : "0");
    }
    var shown = me.hidePhone ? (me.username || "username client") + " (number hidden)" : "+" + digits(me.phone);
    $("who").textContent = me.name + " · " + shown + (role === "artist" ? " · artist's phone" : "");
    lastRendered = "";
    void refresh();
  }

  // The artist's phone only reads: keep its 24-hour window open while the page is open.
  async function keepWindowOpen() {
    try {
      var res = await fetch("/_emulator/window", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ phone: "+" + digits(me.phone), name: me.name }) });
      if (!res.ok) notice("Emulator: could not open the artist's window (" + res.status + ")");
    } catch (err) { notice("Emulator unreachable: " + err); }
  }
  if (role === "artist") {
    document.body.classList.add("artist");
    $("settings").hidden = true;
    $("artist-note").hidden = false;
    void keepWindowOpen();
    setInterval(function () { void keepWindowOpen(); }, 10 * 60 * 1000);
  }

  $("phone").value = me.phone;
  $("name").value = me.name;
  $("username").value = me.username;
  $("hide-phone").checked = me.hidePhone;
  // WhatsApp's "changed number" notice comes from the old identity; then the client is the new one.
  $("change-number").onclick = async function () {
    var to = $("phone").value.trim();
    if (digits(to) === digits(me.phone)) { notice("Type the new number in the Phone field first."); return; }
    var next = newUserId();
    await inbound({ changed_number: { to: "+" + digits(to), new_user_id: next } });
    me.phone = "+" + digits(to);
    me.userId = next;
    $("phone").value = me.phone;
    applyIdentity();
    $("settings").open = false;
  };
  $("identity").onsubmit = function (ev) { ev.preventDefault(); applyIdentity(); $("settings").open = false; };
  $("composer").onsubmit = function (ev) {
    ev.preventDefault();
    var text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    void inbound({ text: text });
  };
  $("file").onchange = function () {
    var file = $("file").files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () {
      var base64 = String(reader.result).split(",")[1] || "";
      var caption = $("text").value.trim();
      $("text").value = "";
      var media = { base64: base64, mime_type: file.type || "application/octet-stream" };
      if (caption) media.caption = caption;
      if (/^image\//.test(file.type)) void inbound({ image: media });
      else void inbound({ document: Object.assign(media, { filename: file.name }) });
      $("file").value = "";
    };
    reader.readAsDataURL(file);
  };
  applyIdentity();
  setInterval(function () { void refresh(); }, 1000);
})();
`;
