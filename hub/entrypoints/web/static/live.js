// Live updates without reloading: every element with data-poll is refreshed every 2 s from
// that URL (the part named by data-poll-part, or the whole answer), only when it changed.
(function () {
  function refresh(el) {
    fetch(el.dataset.poll, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) return;
      var part = el.dataset.pollPart;
      if (part) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var found = doc.querySelector(part);
        if (!found) return;
        html = found.outerHTML;
        var mine = el.querySelector(part);
        if (mine && mine.outerHTML !== html) mine.outerHTML = html;
      } else if (el.innerHTML.trim() !== html.trim()) {
        el.innerHTML = html;
      }
    }).catch(function () {});
  }
  document.querySelectorAll("[data-poll]").forEach(function (el) {
    setInterval(function () { refresh(el); }, 2000);
  });
})();
