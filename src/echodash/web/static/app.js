/* EchoDash — behaviour shared by every page. ES2020, no dependencies.
 *
 * Works loaded either way:
 *   <script src="/static/app.js"></script>        in <head>, not deferred: the theme is
 *                                                  applied before first paint (no flash);
 *   <script src="/static/app.js" defer></script>  everything else still works, but a manual
 *                                                  theme that differs from the OS flashes
 *                                                  once unless the page also has the tiny
 *                                                  inline snippet (see THEME below).
 * Exposes window.echodash = {post, toast, refreshTimes, relativeTime, csrfToken, sprite}.
 */
(function () {
  "use strict";

  /* ---------------------------------------------------------- THEME (pre-paint) */
  var THEME_KEY = "echodash-theme";
  var THEMES = ["auto", "dark", "light"];
  var root = document.documentElement;

  function storedTheme() {
    try {
      var t = window.localStorage.getItem(THEME_KEY);
      return THEMES.indexOf(t) >= 0 ? t : "auto";
    } catch (e) {
      return "auto";
    }
  }
  root.setAttribute("data-theme", storedTheme());
  root.classList.add("js");

  /* ------------------------------------------------------------------ helpers */
  var echodash = (window.echodash = window.echodash || {});

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") || "" : "";
  }

  /** POST with the CSRF header. body: undefined | FormData | URLSearchParams | string | plain object (sent as JSON). */
  function post(url, body) {
    var headers = { "X-CSRF-Token": csrfToken(), "X-Requested-With": "fetch" };
    var payload = body;
    if (body && typeof body === "object" && !(body instanceof FormData) &&
        !(body instanceof URLSearchParams) && !(body instanceof Blob)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(url, { method: "POST", headers: headers, body: payload, credentials: "same-origin" });
  }

  /** The sprite's URL, taken from any <use> already in the page. */
  function sprite() {
    var use = document.querySelector('use[href*="icons.svg"]');
    var href = use && use.getAttribute("href");
    return href ? href.split("#")[0] : "/static/icons.svg";
  }

  function icon(id) {
    return '<svg class="icon" aria-hidden="true"><use href="' + sprite() + "#" + id + '"/></svg>';
  }

  var toastBox = null;
  /** Small transient message at the bottom of the screen (announced politely). */
  function toast(message, kind) {
    if (!toastBox) {
      toastBox = document.createElement("div");
      toastBox.className = "toasts";
      toastBox.setAttribute("role", "status");
      toastBox.setAttribute("aria-live", "polite");
      document.body.appendChild(toastBox);
    }
    var el = document.createElement("div");
    el.className = "toast" + (kind === "error" ? " is-error" : "");
    el.textContent = message;
    toastBox.appendChild(el);
    while (toastBox.children.length > 3) toastBox.removeChild(toastBox.firstChild);
    setTimeout(function () {
      el.classList.add("is-leaving");
      setTimeout(function () { el.remove(); }, 300);
    }, kind === "error" ? 5000 : 2600);
    return el;
  }

  function isTyping(target) {
    var el = target || document.activeElement;
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      var type = (el.getAttribute("type") || "text").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset", "range", "color", "file", "image"].indexOf(type) < 0;
    }
    return false;
  }

  /* ------------------------------------------------------------ relative time */
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function pad(n) { return n < 10 ? "0" + n : "" + n; }

  function exactUTC(d) {
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) + " UTC";
  }

  function relativeTime(date, now) {
    now = now || new Date();
    var secs = (now - date) / 1000;
    if (secs < 45) return "just now";
    var mins = Math.floor(secs / 60);
    if (mins < 1) mins = 1;
    if (mins < 60) return mins + "m ago";
    var hours = Math.floor(mins / 60);
    var startToday = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    if (hours < 24 && (hours < 6 || date >= startToday)) return hours + "h ago";
    var startYesterday = new Date(startToday.getFullYear(), startToday.getMonth(), startToday.getDate() - 1);
    if (date >= startYesterday && date < startToday) return "yesterday";
    if (date >= startToday) return hours + "h ago";
    var s = MONTHS[date.getMonth()] + " " + date.getDate();
    if (date.getFullYear() !== now.getFullYear()) s += ", " + date.getFullYear();
    return s;
  }

  function refreshTimes(scope) {
    var now = new Date();
    var list = (scope || document).querySelectorAll("time[datetime]:not([data-format='absolute'])");
    for (var i = 0; i < list.length; i++) {
      var t = list[i];
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) continue;
      if (!t.title) t.title = exactUTC(d);
      var text = relativeTime(d, now);
      if (t.textContent !== text) t.textContent = text;
    }
  }

  /* ------------------------------------------------------------- theme toggle */
  var THEME_LABEL = { auto: "Auto", dark: "Dark", light: "Light" };
  var THEME_ICON = { auto: "i-auto", dark: "i-moon", light: "i-sun" };

  function paintToggle(btn, theme) {
    var next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    btn.innerHTML = icon(THEME_ICON[theme]) + '<span class="theme-label">' + THEME_LABEL[theme] + "</span>";
    btn.setAttribute("aria-label", "Theme: " + THEME_LABEL[theme] + (theme === "auto" ? " (follows system)" : "") +
      ". Switch to " + THEME_LABEL[next]);
    btn.title = "Theme: " + THEME_LABEL[theme] + (theme === "auto" ? " (follows system)" : "");
    btn.dataset.theme = theme;
  }

  function initThemeToggle() {
    var btns = document.querySelectorAll(".theme-toggle");
    btns.forEach(function (btn) {
      paintToggle(btn, root.getAttribute("data-theme") || "auto");
      btn.addEventListener("click", function () {
        var cur = root.getAttribute("data-theme") || "auto";
        var next = THEMES[(THEMES.indexOf(cur) + 1) % THEMES.length];
        root.setAttribute("data-theme", next);
        try { window.localStorage.setItem(THEME_KEY, next); } catch (e) { /* private mode */ }
        btns.forEach(function (b) { paintToggle(b, next); });
      });
    });
    // Another tab changed the theme.
    window.addEventListener("storage", function (e) {
      if (e.key !== THEME_KEY) return;
      var t = storedTheme();
      root.setAttribute("data-theme", t);
      btns.forEach(function (b) { paintToggle(b, t); });
    });
  }

  /* -------------------------------------------------------------------- copy */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.style.position = "fixed";
      ta.style.opacity = "0";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      ta.remove();
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function onCopyClick(btn) {
    var text = btn.getAttribute("data-copy");
    if (text == null) return;
    if (!btn.dataset.label) btn.dataset.label = btn.innerHTML;
    btn.style.minWidth = btn.offsetWidth + "px"; // no jiggle when the label changes
    copyText(text).then(function () {
      btn.textContent = "Copied";
      btn.classList.add("is-copied");
    }, function () {
      btn.textContent = "Press Ctrl+C";
    }).finally(function () {
      clearTimeout(btn._copyTimer);
      btn._copyTimer = setTimeout(function () {
        btn.innerHTML = btn.dataset.label;
        btn.classList.remove("is-copied");
      }, 1600);
    });
  }

  /* ------------------------------------------------------ notification button */
  function notifyStatus(btn, state) {
    var out = btn.nextElementSibling;
    if (!out || !out.classList.contains("notify-status")) {
      out = document.createElement("span");
      out.className = "notify-status";
      out.setAttribute("role", "status");
      btn.insertAdjacentElement("afterend", out);
    }
    var text = {
      granted: "Enabled in this browser",
      denied: "Blocked — allow notifications in your browser's site settings",
      "default": "Not enabled yet",
      unsupported: "This browser doesn't support notifications",
    }[state] || state;
    out.textContent = text;
    out.classList.toggle("is-ok", state === "granted");
    out.classList.toggle("is-bad", state === "denied" || state === "unsupported");
  }

  function initNotifyButtons() {
    document.querySelectorAll('button[data-action="enable-notifications"]').forEach(function (btn) {
      if (!("Notification" in window)) {
        notifyStatus(btn, "unsupported");
        btn.disabled = true;
        return;
      }
      if (Notification.permission !== "default") notifyStatus(btn, Notification.permission);
      btn.addEventListener("click", function () {
        var done = function (p) { notifyStatus(btn, p); };
        try {
          var r = Notification.requestPermission(done); // old Safari: callback form
          if (r && typeof r.then === "function") r.then(done);
        } catch (e) {
          notifyStatus(btn, "unsupported");
        }
      });
    });
  }

  /* ---------------------------------------------------------------- wire up */
  function onKeydown(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/" && !isTyping(e.target)) {
      var search = document.getElementById("search");
      if (search) {
        e.preventDefault();
        search.focus();
        search.select();
      }
    } else if (e.key === "Escape" && e.target && e.target.id === "search") {
      e.target.blur();
    }
  }

  function init() {
    initThemeToggle();
    initNotifyButtons();
    // Only the feed streams; elsewhere a "Connecting…" that never connects would mislead.
    if (!document.querySelector("#feed[data-stream-url]")) {
      document.querySelectorAll(".live").forEach(function (el) { el.classList.add("is-idle"); });
    }
    refreshTimes();
    setInterval(refreshTimes, 30000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) refreshTimes();
    });

    document.addEventListener("keydown", onKeydown);

    document.addEventListener("click", function (e) {
      var btn = e.target.closest && e.target.closest("button.copy[data-copy]");
      if (btn) {
        e.preventDefault();
        onCopyClick(btn);
      }
      // Close an open workspace switcher when clicking elsewhere.
      document.querySelectorAll("details.ws-switcher[open]").forEach(function (d) {
        if (!d.contains(e.target)) d.removeAttribute("open");
      });
    });

    // Confirm before destructive submits. Capture phase: runs before other submit handlers.
    document.addEventListener("submit", function (e) {
      var form = e.target;
      var msg = form && form.getAttribute && form.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
    }, true);

    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        document.querySelectorAll("details.ws-switcher[open]").forEach(function (d) {
          d.removeAttribute("open");
          var s = d.querySelector("summary");
          if (s && d.contains(document.activeElement)) s.focus();
        });
      }
    });
  }

  echodash.post = post;
  echodash.toast = toast;
  echodash.refreshTimes = refreshTimes;
  echodash.relativeTime = relativeTime;
  echodash.csrfToken = csrfToken;
  echodash.sprite = sprite;
  echodash.isTyping = isTyping;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
