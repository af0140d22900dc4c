/* EchoDash — dashboards stay current. ES2020, no dependencies.
 *
 * The numbers are drawn on the server; this reads the page again and swaps its #dash-live
 * part: every 30 s while the tab is visible, and a few seconds after the feed's live stream
 * brings a new event (several events close together give one read). The dot in the top bar
 * says whether the stream is connected. Without scripts the page is complete, only static.
 */
(function () {
  "use strict";

  var EVERY = 30000;
  var AFTER_EVENT = 3000;
  var live = document.getElementById("dash-live");
  if (!live || !window.fetch) return;
  var dot = document.querySelector(".live");
  var timer = null;
  var busy = false;

  function setLive(state, label) {
    if (!dot) return;
    dot.dataset.state = state;
    var l = dot.querySelector(".live-label");
    if (l) l.textContent = label;
  }

  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("dash-live");
        var current = document.getElementById("dash-live");
        // A form being typed into is left alone until the next read.
        if (fresh && current && !current.contains(document.activeElement)) current.replaceWith(fresh);
      })
      .catch(function () { /* the next tick tries again */ })
      .then(function () { busy = false; });
  }

  function soon(delay) {
    clearTimeout(timer);
    timer = setTimeout(function () { refresh(); soon(EVERY); }, delay);
  }

  soon(EVERY);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) soon(200);
  });

  if (!("EventSource" in window)) return;
  var es = new EventSource("/feed/stream");
  es.addEventListener("open", function () { setLive("live", "Live"); });
  es.addEventListener("row", function () { soon(AFTER_EVENT); });
  es.addEventListener("error", function () {
    setLive(es.readyState === EventSource.CLOSED ? "off" : "reconnecting",
      es.readyState === EventSource.CLOSED ? "Offline" : "Reconnecting…");
  });
})();
