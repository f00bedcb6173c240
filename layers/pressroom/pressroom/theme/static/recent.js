// Refreshes the server-rendered Recent Posts list from /recent.json; without script the list still shows.
(function () {
  "use strict";
  // Only links to this site's own pages are taken from the document.
  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.indexOf("\\") < 0;
  }
  function refresh() {
    var list = document.getElementById("recent-posts");
    if (!list || !window.fetch) { return; }
    fetch("/recent.json", { cache: "no-cache" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (doc) {
      if (!doc || !Array.isArray(doc.posts)) { return; }
      var items = doc.posts.filter(function (post) {
        return post && isLocalPath(post.url) && typeof post.title === "string";
      }).map(function (post) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.setAttribute("href", post.url);
        a.textContent = post.title;
        li.appendChild(a);
        return li;
      });
      while (list.firstChild) { list.removeChild(list.firstChild); }
      items.forEach(function (li) { list.appendChild(li); });
    }).catch(function () { /* keep the server-rendered list */ });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refresh);
  } else {
    refresh();
  }
})();
