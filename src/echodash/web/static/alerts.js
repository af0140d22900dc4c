/* EchoDash — alerts seen live on every page. ES2020, no dependencies.
 *
 * The sidebar's count of firing alerts is kept current by polling /alerts/badge (alerts do
 * not travel on the feed's event stream). When the counts change, the Alerts page re-reads
 * its list (/alerts/list) and an alert's own page reads itself again. A new firing alert whose rule asks for browser notifications is
 * announced: a system notification when the tab is hidden and the person allowed them (the
 * permission asked for on Settings → Notifications or the rule editor), a toast otherwise.
 *
 * Polling: every 5 s while the tab is visible; while hidden only when notifications are
 * allowed (every 10 s: a notification is the only thing a hidden tab can show, and it should
 * come soon after the alert), else paused.
 */
(function () {
  "use strict";

  var VISIBLE_EVERY = 5000;
  var HIDDEN_EVERY = 10000;

  var nav = document.getElementById("nav-alerts");
  if (!nav || !window.fetch) return;
  var badge = nav.querySelector(".badge-firing");
  var count = badge && badge.querySelector(".badge-count");
  var url = nav.getAttribute("data-badge-url");
  // Last alert announced, per workspace and shared by the tabs (each announces it once).
  var seenKey = "echodash-alert-seen-" + nav.getAttribute("data-workspace");
  var signature = null;
  var timer = null;
  var busy = false;

  function allowed() {
    return "Notification" in window && Notification.permission === "granted";
  }

  var pageSeen = null; // when storage is unavailable (private mode): this page's own memory

  /** The newest alert id announced, or null before this browser ever looked. */
  function seen() {
    try {
      var v = window.localStorage.getItem(seenKey);
      return v === null ? pageSeen : parseInt(v, 10) || 0;
    } catch (e) {
      return pageSeen;
    }
  }

  function remember(id) {
    var before = seen();
    if (before !== null && id <= before) return;
    pageSeen = id;
    try {
      window.localStorage.setItem(seenKey, String(id));
    } catch (e) { /* private mode */ }
  }

  function paintBadge(firing) {
    if (!badge || !count) return;
    count.textContent = String(firing);
    badge.hidden = firing === 0;
  }

  /** An alert's own page: read again and swapped in place (someone else acknowledged or
   * resolved it). The page is its own fragment: no route of its own is needed. */
  function refreshPage(live) {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(live.id);
        if (!fresh) return;
        live.replaceWith(fresh);
        if (window.echodash && window.echodash.refreshTimes) window.echodash.refreshTimes(fresh);
      })
      .catch(function () { /* the next change tries again */ });
  }

  function refreshList() {
    var page = document.querySelector("[data-refresh='page']");
    if (page) return refreshPage(page);
    var live = document.getElementById("alerts-live");
    if (!live) return;
    fetch(live.getAttribute("data-list-url"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var before = {};
        live.querySelectorAll("[data-alert-id]").forEach(function (el) { before[el.getAttribute("data-alert-id")] = true; });
        live.innerHTML = html;
        live.querySelectorAll("[data-alert-id]").forEach(function (el) {
          if (!before[el.getAttribute("data-alert-id")]) el.classList.add("is-new");
        });
        if (window.echodash && window.echodash.refreshTimes) window.echodash.refreshTimes(live);
      })
      .catch(function () { /* the next change tries again */ });
  }

  function announce(alert) {
    if (!alert.browser) return;
    var title = alert.rule + (alert.group ? " · " + alert.group : "");
    if (document.hidden && allowed()) {
      try {
        var n = new Notification("Alert: " + title, { body: alert.reason, tag: "echodash-alert-" + alert.id });
        n.onclick = function () {
          window.focus();
          n.close();
          window.location.href = alert.url;
        };
        return;
      } catch (e) { /* e.g. Android Chrome: only from a service worker; the toast below */ }
    }
    if (window.echodash && window.echodash.toast) window.echodash.toast("Alert: " + title + " — " + alert.reason, "error");
  }

  function poll() {
    if (busy) return;
    busy = true;
    var after = seen();
    fetch(url + (after !== null ? "?after=" + after : ""), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        paintBadge(data.firing);
        var fresh = (data["new"] || []).filter(function (a) { return a.id > seen(); });
        if (after === null) {
          remember(data.latest || 0); // first look: what is already open is on the page
        } else {
          fresh.forEach(function (a) { announce(a); remember(a.id); });
        }
        var now = [data.firing, data.acknowledged, data.latest].join(":");
        if (signature !== null && now !== signature) refreshList();
        signature = now;
      })
      .catch(function () { /* signed out or offline: try again later */ })
      .finally(function () {
        busy = false;
        schedule();
      });
  }

  function schedule() {
    clearTimeout(timer);
    if (document.hidden && !allowed()) return; // paused until the tab is seen again
    timer = setTimeout(poll, document.hidden ? HIDDEN_EVERY : VISIBLE_EVERY);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      schedule();
    } else {
      clearTimeout(timer);
      poll();
    }
  });

  poll();
})();
