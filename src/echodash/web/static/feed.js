/* EchoDash — live feed behaviour. ES2020, no dependencies.
 * Enhances the server-rendered #feed: live rows (SSE), burst grouping, infinite scroll,
 * keyboard navigation, the event side panel, auto-submitting filters, browser notifications.
 * Without this file the page is complete: rows are links, filters have an Apply button.
 */
(function () {
  "use strict";

  const feed = document.getElementById("feed");
  if (!feed) return;

  const BURST_MS = 15 * 60 * 1000;
  const SCROLL_BUFFER_Y = 80;
  const SEVERITY = ["info", "success", "warning", "error", "critical"];
  const ed = () => window.echodash || {};
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  const phone = window.matchMedia("(max-width: 720px)");

  let rows = document.getElementById("rows");
  const pill = feed.querySelector(".new-pill");
  const panel = document.getElementById("panel");
  const live = document.querySelector(".live");

  let buffer = [];          // live rows held back while the user is reading further down
  let selected = null;      // li.row or li.group carrying .is-selected
  let viaKeyboard = false;  // was the selection last moved with j/k?
  let lastId = Number(feed.dataset.lastId) || 0;

  /* ---------------------------------------------------------------- helpers */

  function sprite() {
    return (ed().sprite && ed().sprite()) || "/static/icons.svg";
  }

  function refreshTimes(scope) {
    if (ed().refreshTimes) ed().refreshTimes(scope);
  }

  function toast(msg, kind) {
    if (ed().toast) ed().toast(msg, kind);
  }

  function isTyping(el) {
    if (ed().isTyping) return ed().isTyping(el);
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function post(url, body) {
    if (ed().post) return ed().post(url, body);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": meta ? meta.content : "" },
    });
  }

  function parseRows(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = String(html || "").trim();
    return Array.from(tpl.content.children).filter((el) => el.matches("li.row"));
  }

  function ensureRows() {
    if (rows) return rows;
    rows = document.createElement("ol");
    rows.className = "rows";
    rows.id = "rows";
    const anchor = feed.querySelector(".more, p.empty, .empty");
    if (anchor) anchor.before(rows);
    else feed.appendChild(rows);
    return rows;
  }

  const isGroup = (li) => !!li && li.classList.contains("group");
  const isRow = (li) => !!li && li.classList.contains("row");
  const groupList = (g) => g.querySelector(":scope > .group-rows");
  const groupToggle = (g) => g.querySelector(":scope > .group-toggle");
  const isExpanded = (g) => groupToggle(g)?.getAttribute("aria-expanded") === "true";

  function rowTime(row) {
    const t = row && row.querySelector("time[datetime]");
    return t ? Date.parse(t.getAttribute("datetime")) : NaN;
  }
  function newestRow(li) {
    return isGroup(li) ? groupList(li).firstElementChild : li;
  }
  function oldestRow(li) {
    return isGroup(li) ? groupList(li).lastElementChild : li;
  }
  function severityOf(li) {
    for (let i = SEVERITY.length - 1; i >= 0; i--) {
      if (li.classList.contains("sev-" + SEVERITY[i])) return i;
    }
    return 0;
  }
  function setSeverity(li, idx) {
    SEVERITY.forEach((s) => li.classList.remove("sev-" + s));
    li.classList.add("sev-" + SEVERITY[idx]);
  }

  function flash(li) {
    li.classList.remove("is-new");
    void li.offsetWidth; // restart the animation
    li.classList.add("is-new");
    clearTimeout(li._newTimer);
    li._newTimer = setTimeout(() => li.classList.remove("is-new"), 2600);
  }

  /* --------------------------------------------------------- burst grouping */

  function canJoin(newer, older) {
    const key = newer.dataset.group;
    if (!key || key !== older.dataset.group) return false;
    const gap = rowTime(oldestRow(newer)) - rowTime(newestRow(older));
    return Math.abs(gap) <= BURST_MS; // NaN -> false
  }

  function makeGroup(key) {
    const g = document.createElement("li");
    g.className = "group";
    g.dataset.group = key;
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "group-toggle";
    btn.setAttribute("aria-expanded", "false");
    const list = document.createElement("ol");
    list.className = "group-rows";
    list.hidden = true;
    g.append(btn, list);
    return g;
  }

  function updateGroupHead(g) {
    const list = groupList(g);
    const members = Array.from(list.children).filter(isRow);
    const head = members[0];
    const btn = groupToggle(g);
    const count = members.length;
    g.dataset.source = head.dataset.source || "";
    g.dataset.type = head.dataset.type || "";
    setSeverity(g, Math.max(...members.map(severityOf)));

    const parts = [];
    parts.push('<svg class="icon chev" aria-hidden="true"><use href="' + sprite() + '#i-chevron"/></svg>');
    const icon = head.querySelector(".src-icon");
    if (icon) parts.push(icon.outerHTML);
    // The head wears the burst's worst mark (and its badge, if critical).
    const worst = members.find((m) => severityOf(m) === severityOf(g)) || head;
    const sev = worst.querySelector(".sev");
    if (sev) parts.push(sev.outerHTML);
    const badge = worst.querySelector(".sev-badge");
    if (badge) parts.push(badge.outerHTML);
    const title = head.querySelector(".title");
    parts.push('<span class="title">' + (title ? title.innerHTML : "") + "</span>");
    parts.push('<span class="count" aria-hidden="true">×' + count + "</span>");
    parts.push('<span class="sr-only">, burst of ' + count + " events</span>");
    const time = head.querySelector("time");
    if (time) parts.push(time.outerHTML);
    btn.innerHTML = parts.join("");
  }

  /** Merge two adjacent items (newer above older); returns the resulting group. */
  function merge(newer, older) {
    let g;
    if (isGroup(newer)) {
      g = newer;
      if (isGroup(older)) {
        groupList(g).append(...Array.from(groupList(older).children));
        if (selected === older) selected = g;
        older.remove();
      } else {
        groupList(g).appendChild(older);
      }
    } else if (isGroup(older)) {
      g = older;
      groupList(g).prepend(newer);
    } else {
      g = makeGroup(newer.dataset.group);
      newer.before(g);
      groupList(g).append(newer, older);
    }
    updateGroupHead(g);
    return g;
  }

  /** Collapse runs of same-group rows within 15 minutes of each other. Idempotent. */
  function groupify() {
    if (!rows) return;
    let prev = null;
    let cur = rows.firstElementChild;
    while (cur) {
      const next = cur.nextElementSibling;
      if (isRow(cur) || isGroup(cur)) {
        prev = prev && canJoin(prev, cur) ? merge(prev, cur) : cur;
      } else {
        prev = null;
      }
      cur = next;
    }
    fixSelection();
  }

  function toggleGroup(g, force) {
    const btn = groupToggle(g);
    const open = force === undefined ? btn.getAttribute("aria-expanded") !== "true" : force;
    btn.setAttribute("aria-expanded", String(open));
    groupList(g).hidden = !open;
    if (!open && selected && g.contains(selected) && selected !== g) select(g, { focus: true });
  }

  /* -------------------------------------------------------------- selection */

  function navItems() {
    if (!rows) return [];
    const out = [];
    for (const li of rows.children) {
      if (isRow(li)) out.push(li);
      else if (isGroup(li)) {
        out.push(li);
        if (isExpanded(li)) out.push(...Array.from(groupList(li).children).filter(isRow));
      }
    }
    return out;
  }

  function focusTarget(li) {
    return isGroup(li) ? groupToggle(li) : li.querySelector(".row-link");
  }

  function select(li, opts) {
    opts = opts || {};
    if (selected && selected !== li) selected.classList.remove("is-selected");
    selected = li;
    if (!li) return;
    li.classList.add("is-selected");
    if (opts.focus) {
      const f = focusTarget(li);
      if (f) f.focus({ preventScroll: true });
    }
    if (opts.scroll) li.scrollIntoView({ block: "nearest" });
  }

  /** After regrouping, a selected row may sit inside a collapsed group: select the group. */
  function fixSelection() {
    if (!selected) return;
    if (!selected.isConnected) { selected = null; return; }
    const g = selected.closest("li.group");
    if (g && g !== selected && !isExpanded(g)) {
      const hadFocus = selected.contains(document.activeElement);
      select(g, { focus: hadFocus });
    }
  }

  function move(dir) {
    const items = navItems();
    if (!items.length) return;
    let i = items.indexOf(selected);
    if (i < 0) {
      i = 0;
    } else {
      i = Math.min(items.length - 1, Math.max(0, i + dir));
    }
    select(items[i], { focus: true, scroll: true });
    viaKeyboard = true;
    if (panelIsOpen() && isRow(items[i])) openPanelSoon(items[i].dataset.id);
  }

  function selectedRow() {
    if (!selected) return null;
    return isGroup(selected) ? newestRow(selected) : selected;
  }

  function selectionIsBelowTop() {
    if (!viaKeyboard || !selected || !selected.isConnected) return false;
    const items = navItems();
    return items.indexOf(selected) > 0;
  }

  /* ------------------------------------------------------------- live rows */

  function setLive(state, label) {
    if (!live) return;
    live.dataset.state = state;
    const l = live.querySelector(".live-label");
    if (l) l.textContent = label;
  }

  function shouldBuffer() {
    return window.scrollY > SCROLL_BUFFER_Y || selectionIsBelowTop() || (panelIsOpen() && phone.matches);
  }

  function updatePill() {
    if (!pill) return;
    const n = buffer.length;
    pill.textContent = n + " new event" + (n === 1 ? "" : "s");
    pill.hidden = n === 0;
  }

  function insertLive(items) {
    if (!items.length) return;
    ensureRows();
    feed.querySelectorAll(":scope > .empty, :scope > p.empty").forEach((e) => e.remove());
    const added = [];
    for (const data of items) {
      const li = parseRows(data.html)[0];
      if (!li) continue;
      if (li.dataset.id && rows.querySelector('li.row[data-id="' + CSS.escape(li.dataset.id) + '"]')) continue;
      rows.prepend(li);
      added.push(li);
    }
    if (!added.length) return;
    groupify();
    refreshTimes(rows);
    const flashed = new Set();
    for (const li of added) {
      const g = li.parentElement && li.parentElement.closest("li.group");
      const target = g && !isExpanded(g) ? g : li;
      if (!flashed.has(target)) { flashed.add(target); flash(target); }
    }
  }

  function flushBuffer(scrollTop) {
    const items = buffer;
    buffer = [];
    updatePill();
    insertLive(items);
    if (scrollTop) {
      window.scrollTo({ top: 0, behavior: reducedMotion.matches ? "auto" : "smooth" });
      if (selected) {
        const first = navItems()[0];
        if (first) select(first, { focus: true });
      }
    }
  }

  function knownId(id) {
    if (!id) return false;
    if (buffer.some((b) => String(b.id) === String(id))) return true;
    return !!(rows && rows.querySelector('li.row[data-id="' + CSS.escape(String(id)) + '"]'));
  }

  function onRow(msg) {
    if (msg.lastEventId && Number(msg.lastEventId) > lastId) lastId = Number(msg.lastEventId);
    let data;
    try { data = JSON.parse(msg.data); } catch (e) { return; }
    if (!data || !data.html) return;
    if (data.id && Number(data.id) > lastId) lastId = Number(data.id);
    if (knownId(data.id)) return;
    notify(data);
    buffer.push(data);
    if (shouldBuffer()) updatePill();
    else flushBuffer(false);
  }

  let es = null;
  let backoff = 2000;
  let retryTimer = null;

  function connect() {
    const base = feed.dataset.streamUrl;
    if (!base || !("EventSource" in window)) {
      setLive("off", "Live off");
      return;
    }
    clearTimeout(retryTimer);
    // A fresh EventSource cannot send Last-Event-ID: the stream resumes from the URL's
    // last_event_id instead (the page's own value on first connect, the newest seen after).
    const target = new URL(base, window.location.href);
    if (es && lastId) target.searchParams.set("last_event_id", String(lastId));
    const url = target.pathname + target.search;
    if (es) es.close();
    es = new EventSource(url);
    es.addEventListener("open", () => {
      backoff = 2000;
      setLive("live", "Live");
    });
    es.addEventListener("row", onRow);
    // This tab fell behind (it could not keep up, e.g. while the machine slept): the server
    // closed the stream; resume now from the newest row we have, the rest comes from the store.
    es.addEventListener("resync", (msg) => {
      let data = null;
      try { data = JSON.parse(msg.data); } catch (e) { /* keep lastId */ }
      if (data && Number(data.last_event_id) > lastId) lastId = Number(data.last_event_id);
      setLive("reconnecting", "Catching up…");
      connect();
    });
    es.addEventListener("error", () => {
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (HTTP error). Retry ourselves, with backoff.
        setLive("off", "Offline");
        retryTimer = setTimeout(() => {
          setLive("reconnecting", "Reconnecting…");
          connect();
        }, backoff);
        backoff = Math.min(backoff * 2, 60000);
      } else {
        setLive("reconnecting", "Reconnecting…");
      }
    });
  }

  window.addEventListener("online", () => {
    if (es && es.readyState === EventSource.CLOSED) connect();
  });

  /* ---------------------------------------------------------- notifications */

  const prefs = (() => {
    const el = document.getElementById("notify-prefs");
    const list = (v) => (Array.isArray(v) ? v : []);
    try {
      const p = el ? JSON.parse(el.textContent) : {};
      return { enabled: p.enabled === true, sources: list(p.sources), types: list(p.types),
               floor: list(p.floor), outcomes: list(p.outcomes) };
    } catch (e) {
      return { enabled: false, sources: [], types: [], floor: [], outcomes: [] };
    }
  })();

  // The same rule as the digest (digest/subscription.py `wanted`): a list narrows only when
  // something in it is ticked; then the severity floor and outcomes; never a replay.
  function wanted(data) {
    if (!prefs.enabled || data.origin === "replay") return false;
    if (prefs.sources.length && prefs.sources.indexOf(data.source) < 0) return false;
    if (prefs.types.length && prefs.types.indexOf(data.source + ":" + data.type) < 0) return false;
    if (prefs.floor.length && prefs.floor.indexOf(data.severity) < 0) return false;
    if (prefs.outcomes.length && prefs.outcomes.indexOf(data.outcome || "") < 0) return false;
    return true;
  }

  function notify(data) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    if (!wanted(data)) return;
    try {
      const n = new Notification(data.title || "New event", { body: data.source || "", tag: "echodash-" + data.id });
      n.onclick = () => {
        window.focus();
        n.close();
        openEvent(data.id, data.url);
      };
    } catch (e) {
      /* e.g. Android Chrome only allows notifications from a service worker */
    }
  }

  function openEvent(id, url) {
    if (buffer.some((b) => String(b.id) === String(id))) flushBuffer(false);
    const li = rows && rows.querySelector('li.row[data-id="' + CSS.escape(String(id)) + '"]');
    if (li) {
      const g = li.closest("li.group");
      if (g) toggleGroup(g, true);
      select(li, { scroll: true });
    }
    if (panel) openPanel(id);
    else if (url) window.location.href = url;
  }

  /* ------------------------------------------------------------------ panel */

  let panelSeq = 0;
  let panelTimer = null;

  function panelIsOpen() {
    return !!panel && !panel.hidden;
  }

  function setUrlEvent(id) {
    try {
      const u = new URL(window.location.href);
      if (id) u.searchParams.set("event", id);
      else u.searchParams.delete("event");
      history.replaceState(history.state, "", u.pathname + u.search + u.hash);
    } catch (e) { /* ignore */ }
  }

  function markOpen(id) {
    rows?.querySelectorAll("li.row.is-open").forEach((r) => r.classList.remove("is-open"));
    if (id && rows) rows.querySelector('li.row[data-id="' + CSS.escape(String(id)) + '"]')?.classList.add("is-open");
  }

  function panelShell(id) {
    const href = "/events/" + encodeURIComponent(id);
    panel.innerHTML =
      '<div class="panel-bar">' +
      '<a href="' + href + '">Event #' + String(id).replace(/[^0-9A-Za-z_-]/g, "") + "</a>" +
      '<button type="button" class="btn-ghost panel-close" aria-label="Close panel (Esc)">' +
      '<svg class="icon" aria-hidden="true"><use href="' + sprite() + '#i-close"/></svg> Close</button>' +
      "</div>" +
      '<div class="panel-content"><p class="panel-loading">Loading…</p></div>';
  }

  function openPanelSoon(id) {
    clearTimeout(panelTimer);
    panelTimer = setTimeout(() => openPanel(id), 140);
  }

  async function openPanel(id) {
    if (!id) return;
    if (!panel) {
      window.location.href = "/events/" + encodeURIComponent(id);
      return;
    }
    const seq = ++panelSeq;
    const wasOpen = panelIsOpen();
    if (panel.dataset.eventId !== String(id) || !panel.querySelector(".panel-content")) panelShell(id);
    panel.dataset.eventId = String(id);
    panel.setAttribute("aria-label", "Event " + id);
    panel.classList.add("is-loading");
    panel.hidden = false;
    document.body.classList.add("has-panel");
    markOpen(id);
    setUrlEvent(id);
    if (!wasOpen && phone.matches) panel.querySelector(".panel-close")?.focus();

    let html;
    try {
      const res = await fetch("/events/" + encodeURIComponent(id) + "/panel", {
        credentials: "same-origin",
        headers: { Accept: "text/html", "X-Requested-With": "fetch" },
      });
      if (!res.ok) throw new Error("HTTP " + res.status);
      html = await res.text();
    } catch (err) {
      html = '<div class="panel-body"><p class="error" role="alert">Couldn\u2019t load this event (' +
        String(err.message).replace(/[<>&"]/g, "") + '). <a href="/events/' + encodeURIComponent(id) +
        '">Open its page</a></p></div>';
    }
    if (seq !== panelSeq || panel.hidden) return;
    const content = panel.querySelector(".panel-content");
    content.innerHTML = html;
    content.querySelectorAll('a[data-action="open-tool"]').forEach((a) => {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    });
    refreshTimes(panel);
    panel.scrollTop = 0;
    panel.classList.remove("is-loading");
  }

  function closePanel() {
    if (!panelIsOpen()) return;
    clearTimeout(panelTimer);
    panelSeq++;
    const focusWasInside = panel.contains(document.activeElement);
    panel.hidden = true;
    panel.innerHTML = "";
    delete panel.dataset.eventId;
    document.body.classList.remove("has-panel");
    markOpen(null);
    setUrlEvent(null);
    if (selected && (focusWasInside || document.activeElement === document.body)) {
      focusTarget(selected)?.focus({ preventScroll: true });
    }
  }

  /* ----------------------------------------------------------------- replay */

  async function replay(id, form) {
    if (!id) return;
    const url = form ? form.action : "/events/" + encodeURIComponent(id) + "/replay";
    try {
      const res = await post(url, form ? new FormData(form) : undefined);
      if (!res.ok) throw new Error("HTTP " + res.status);
      let n = 1;
      if ((res.headers.get("Content-Type") || "").indexOf("json") >= 0) {
        const body = await res.json().catch(() => null);
        const c = body && (body.replayed ?? body.count);
        if (typeof c === "number") n = c;
      }
      toast("Replayed — " + n + " event" + (n === 1 ? "" : "s"));
    } catch (err) {
      toast("Replay failed (" + err.message + ")", "error");
    }
  }

  function idFromReplayForm(form) {
    const m = /\/events\/([^/]+)\/replay/.exec(form.getAttribute("action") || "");
    return m ? decodeURIComponent(m[1]) : null;
  }

  /* ---------------------------------------------------------- infinite scroll */

  let more = feed.querySelector(".more[data-more-url]");
  let loadingMore = false;
  let io = null;

  function nearViewport(el) {
    const r = el.getBoundingClientRect();
    return r.top < window.innerHeight + 600 && r.bottom > -600;
  }

  async function loadMore() {
    if (loadingMore || !more || !more.isConnected) return;
    const url = more.dataset.moreUrl;
    if (!url) return;
    loadingMore = true;
    more.classList.remove("is-error");
    more.setAttribute("aria-busy", "true");
    more.textContent = "Loading more…";
    let ok = false;
    try {
      const res = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "text/html", "X-Requested-With": "fetch" },
      });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const items = parseRows(await res.text()).filter((li) => !knownId(li.dataset.id));
      ensureRows().append(...items);
      groupify();
      refreshTimes(rows);
      const next = res.headers.get("X-More-Url");
      if (next) {
        more.dataset.moreUrl = next;
        ok = true;
      } else {
        if (io) io.disconnect();
        // The end of the list, said as the page says it when everything fits on it.
        const end = document.createElement("p");
        end.className = "feed-end";
        end.textContent = more.dataset.endText || "That\u2019s everything: no older events.";
        more.replaceWith(end);
        more = null;
      }
    } catch (err) {
      more.classList.add("is-error");
      more.innerHTML = 'Couldn\u2019t load older events. <button type="button" class="btn btn-sm" data-action="retry-more">Retry</button>';
    } finally {
      loadingMore = false;
      if (more) more.removeAttribute("aria-busy");
    }
    // The sentinel can still be in view (tall screen): keep going.
    if (ok && more && nearViewport(more)) loadMore();
  }

  function setupMore() {
    if (!more) return;
    feed.addEventListener("click", (e) => {
      if (e.target.closest('[data-action="retry-more"]')) loadMore();
    });
    if (!("IntersectionObserver" in window)) return;
    io = new IntersectionObserver((entries) => {
      if (entries.some((en) => en.isIntersecting)) loadMore();
    }, { rootMargin: "0px 0px 600px 0px" });
    io.observe(more);
  }

  /* ----------------------------------------------------------------- filters */

  function setupFilters() {
    const form = feed.querySelector("form.filters");
    if (!form) return;
    form.classList.add("is-auto");
    form.querySelectorAll("button, input[type=submit]").forEach((b) => {
      if (!b.closest(".save-view, .views")) b.hidden = true;
    });
    form.addEventListener("change", (e) => {
      const t = e.target;
      if (!t.matches("select, input[type=checkbox], input[type=radio]") || t.closest(".save-view, .views")) return;
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    });
    // Leave empty fields out of the URL (?source=&type=… is noise).
    form.addEventListener("submit", (e) => {
      if (e.defaultPrevented) return;
      const off = [];
      for (const el of form.elements) {
        if (el.name && !el.disabled && el.value === "" && !el.closest(".save-view")) {
          el.disabled = true;
          off.push(el);
        }
      }
      setTimeout(() => off.forEach((el) => { el.disabled = false; }), 0);
    });
  }

  /* ---------------------------------------------------------------- events */

  function onRowsClick(e) {
    const toggle = e.target.closest(".group-toggle");
    if (toggle && rows.contains(toggle)) {
      const g = toggle.closest("li.group");
      toggleGroup(g);
      select(g);
      viaKeyboard = false;
      return;
    }
    const link = e.target.closest("a.row-link");
    if (!link || !rows.contains(link)) return;
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return; // new tab etc.
    if (!panel) return; // plain navigation
    e.preventDefault();
    const li = link.closest("li.row");
    select(li);
    viaKeyboard = false;
    openPanel(li.dataset.id);
  }

  function onKeydown(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target)) return;
    const key = e.key;

    if (key === "Escape") {
      if (panelIsOpen()) {
        e.preventDefault();
        closePanel();
      }
      return;
    }
    // Inside the panel, let links/buttons/forms behave normally except for list navigation.
    const inPanel = panel && panel.contains(e.target);

    switch (key) {
      case "j":
      case "ArrowDown":
        if (key === "ArrowDown" && !selected) return; // plain arrow keys scroll until j/k is used
        if (key === "ArrowDown" && inPanel) return;
        e.preventDefault();
        move(1);
        break;
      case "k":
      case "ArrowUp":
        if (key === "ArrowUp" && (!selected || inPanel)) return;
        e.preventDefault();
        move(-1);
        break;
      case "Enter": {
        // Focused links/buttons handle Enter themselves (a row link's click opens the panel).
        if (e.target.closest && e.target.closest("a, button, summary, [contenteditable]")) return;
        if (!selected) return;
        e.preventDefault();
        if (isGroup(selected)) toggleGroup(selected);
        else openPanel(selected.dataset.id);
        break;
      }
      case "x":
      case " ": {
        if (!isGroup(selected) || inPanel) return;
        if (key === " " && e.target === groupToggle(selected)) return; // the button clicks itself
        e.preventDefault();
        toggleGroup(selected);
        break;
      }
      case "o": {
        const row = selectedRow();
        const url = row && row.dataset.toolUrl;
        if (!url) return;
        e.preventDefault();
        window.open(url, "_blank", "noopener");
        break;
      }
      case "r": {
        if (!selected) return;
        e.preventDefault();
        if (isGroup(selected)) {
          toast("Expand the group and pick one event to replay");
          return;
        }
        replay(selected.dataset.id);
        break;
      }
      case "Home":
        if (buffer.length) {
          e.preventDefault();
          flushBuffer(true);
        }
        break;
      default:
    }
  }

  function init() {
    if (rows) {
      groupify();
      rows.addEventListener("click", onRowsClick);
    }
    document.addEventListener("keydown", onKeydown);

    if (pill) {
      pill.addEventListener("click", () => flushBuffer(true));
      updatePill();
    }

    if (panel) {
      panel.addEventListener("click", (e) => {
        if (e.target.closest(".panel-close")) closePanel();
      });
      panel.addEventListener("submit", (e) => {
        const form = e.target;
        if (e.defaultPrevented || !form.matches("form.replay")) return;
        e.preventDefault();
        replay(idFromReplayForm(form) || panel.dataset.eventId, form);
      });
    }

    setupFilters();
    setupMore();
    loadGlance();
    connect();

    const ev = new URL(window.location.href).searchParams.get("event") || feed.dataset.openEvent;
    if (ev) openEvent(ev);
  }

  /* The counts strip comes after the rows, so the feed itself never waits for counting. */
  function loadGlance() {
    const glance = document.getElementById("glance");
    if (!glance || !glance.dataset.url) return;
    fetch(glance.dataset.url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then((html) => {
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const fresh = holder.querySelector("#glance");
        if (!fresh) return;
        glance.replaceWith(fresh);
        refreshTimes(fresh);
      })
      .catch(() => { glance.hidden = true; });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
