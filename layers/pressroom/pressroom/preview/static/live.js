// Preview only (never published): reloads the page when what the preview would serve for it changes.
// Served from the preview's own origin, so the site's Content-Security-Policy (script-src 'self') allows it.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="pressroom-live"]');
  if (!meta || !window.fetch) { return; }
  var token = meta.getAttribute("content");
  var path = window.location.pathname + window.location.search;
  var state = "/_pressroom/state?path=" + encodeURIComponent(path);
  function poll() {
    fetch(state, { cache: "no-store" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (doc) {
      if (doc && doc.token && doc.token !== token) {
        window.location.reload();
      } else {
        window.setTimeout(poll, 1000);
      }
    }).catch(function () {
      window.setTimeout(poll, 5000);  // the preview stopped or restarts: try again, slowly
    });
  }
  window.setTimeout(poll, 1000);
})();
