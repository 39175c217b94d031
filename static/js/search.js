// Progressive enhancement for the search page: filters apply as they change, without a full reload.
// Without JavaScript the same form works with its "Apply filters" button.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-search]");
  if (!form || !window.fetch || !window.DOMParser) { return; }
  var pending = null;
  var filters = form.querySelector("details.filters");
  if (filters && window.matchMedia("(max-width: 52rem)").matches) {
    filters.open = false;  // results first on phones
  }
  var swapped = ["filters", "results", "save-search-params"];
  var shown = location.pathname + location.search;  // the search the page shows now

  // The control that has focus inside a part about to be replaced, so the same control can have it
  // afterwards (a checkbox ticked with the space bar keeps focus; a keyboard user need not start over).
  function focusedControl() {
    var active = document.activeElement;
    if (!active || active === document.body) { return null; }
    for (var i = 0; i < swapped.length; i++) {
      var part = document.getElementById(swapped[i]);
      if (part && part.contains(active)) {
        return { part: part, id: active.id, name: active.getAttribute("name"),
                 value: active.getAttribute("value") };
      }
    }
    return null;
  }

  function refocus(control) {
    if (!control) { return; }
    var candidates = control.part.querySelectorAll("input, select, button, a, summary");
    var match = null;
    for (var i = 0; i < candidates.length && !match; i++) {
      var candidate = candidates[i];
      if (control.name && candidate.getAttribute("name") === control.name
          && candidate.getAttribute("value") === control.value) { match = candidate; }
    }
    if (!match && control.id) { match = document.getElementById(control.id); }
    if (!match) { match = control.part.querySelector("summary") || document.getElementById("q"); }
    if (match) { match.focus(); }
  }

  function announce() {
    var count = document.getElementById("result-count");
    var status = document.getElementById("search-status");
    if (count && status) { status.textContent = count.textContent.replace(/\s+/g, " ").trim(); }
  }

  function load(url, push) {
    if (pending) { pending.abort(); }
    var mine = pending = new AbortController();
    document.getElementById("results").setAttribute("aria-busy", "true");
    fetch(url, { signal: mine.signal, headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var control = focusedControl();
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
        if (!push) {  // back or forward: the search box shows that page's words too
          var query = next.getElementById("q");
          if (query) { form.elements.q.value = query.value; }
        }
        document.title = next.title;
        if (push) { history.pushState({}, "", url); }
        shown = location.pathname + location.search;
        refocus(control);
        announce();
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { window.location.href = url; }
      })
      .finally(function () {
        if (pending === mine) { document.getElementById("results").removeAttribute("aria-busy"); }
      });
  }

  function urlOf() {
    var params = new URLSearchParams(new FormData(form));
    var empty = [];
    params.forEach(function (value, key) { if (value === "") { empty.push(key); } });
    empty.forEach(function (key) {  // (not while iterating: deleting then skips the next parameter)
      var kept = params.getAll(key).filter(function (value) { return value !== ""; });
      params.delete(key);
      kept.forEach(function (value) { params.append(key, value); });
    });
    return form.action + (params.toString() ? "?" + params.toString() : "");
  }

  form.addEventListener("change", function (event) {
    // The saved search's name sits among the results but belongs to the save form: typing it must not search.
    if (event.target.form !== form) { return; }
    if (event.target.name === "q" || event.target.name === "min_quantity") { return; }
    load(urlOf(), true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(urlOf(), true);
  });
  window.addEventListener("popstate", function () {
    // A link to a place on the page (the skip link's #main) fires popstate too: that is no new search, and
    // reloading the results then would wipe what is being typed in the search box.
    if (location.pathname + location.search === shown) { return; }
    shown = location.pathname + location.search;
    load(window.location.href, false);
  });
})();
