// Progressive enhancement for the search page: filters apply as they change, without a full reload.
// Without JavaScript the same form works with its "Apply filters" button.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-search]");
  if (!form || !window.fetch || !window.DOMParser) { return; }
  var pending = null;
  var filters = form.querySelector("details.filters");
  if (filters && window.matchMedia("(max-width: 52rem)").matches) { filters.open = false; }  // results first on phones
  var swapped = ["filters", "results", "save-search-params"];

  function load(url, push) {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    document.getElementById("results").setAttribute("aria-busy", "true");
    fetch(url, { signal: pending.signal, headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        swapped.forEach(function (id) {
          var fresh = next.getElementById(id);
          var current = document.getElementById(id);
          if (fresh && current) {
            var wasOpen = current.querySelector("details.filters");
            current.innerHTML = fresh.innerHTML;
            var nowDetails = current.querySelector("details.filters");
            if (wasOpen && nowDetails) { nowDetails.open = wasOpen.open; }
          }
        });
        document.title = next.title;
        if (push) { history.pushState({}, "", url); }
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { window.location.href = url; }
      })
      .finally(function () {
        document.getElementById("results").removeAttribute("aria-busy");
      });
  }

  function urlOf() {
    var params = new URLSearchParams(new FormData(form));
    params.forEach(function (value, key) { if (value === "") { params.delete(key); } });
    return form.action + (params.toString() ? "?" + params.toString() : "");
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "q" || event.target.name === "min_quantity") { return; }
    load(urlOf(), true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(urlOf(), true);
  });
  window.addEventListener("popstate", function () { load(window.location.href, false); });
})();
