// Refreshes the server-rendered Recent Posts list from /recent.json; without script the list still shows.
(function () {
  "use strict";
  function refresh() {
    var list = document.getElementById("recent-posts");
    if (!list || !window.fetch) { return; }
    fetch("/recent.json", { cache: "no-cache" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (doc) {
      if (!doc || !Array.isArray(doc.posts)) { return; }
      var items = doc.posts.map(function (post) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = String(post.url);
        a.textContent = String(post.title);
        li.appendChild(a);
        return li;
      });
      list.replaceChildren.apply(list, items);
    }).catch(function () { /* keep the server-rendered list */ });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refresh);
  } else {
    refresh();
  }
})();
