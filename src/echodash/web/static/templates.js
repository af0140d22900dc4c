// Feed template editor: re-renders the preview as the template is edited (250 ms after typing).
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  var preview = document.getElementById("template-preview");
  if (!form || !preview) return;
  var url = form.getAttribute("data-preview-url");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var sent = 0;

  function refresh() {
    var mine = ++sent;
    var body = new URLSearchParams(new FormData(form));
    body.delete("action");
    body.delete("preview");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRF-Token": meta ? meta.getAttribute("content") : ""
      },
      body: body.toString()
    })
      .then(function (r) {
        // Too many previews at once: the newest text is previewed a moment later.
        if (r.status === 429 && mine === sent) later(1000);
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html !== null && mine === sent) preview.innerHTML = html;
      })
      .catch(function () { /* the Preview button still works */ });
  }

  function later(wait) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, typeof wait === "number" ? wait : 250);
  }

  form.addEventListener("input", function () { later(); });
  form.addEventListener("change", function () { later(); });
})();
