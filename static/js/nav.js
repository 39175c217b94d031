// Progressive enhancement for the header: on a phone the main menu folds behind the "Menu" button.
// Without JavaScript the button stays hidden and the links wrap onto as many rows as they need.
(function () {
  "use strict";
  function enhance() {
    var nav = document.querySelector(".site-nav");
    var button = nav && nav.querySelector(".menu-button");
    if (!button) { return; }
    function setOpen(open) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
    function isOpen() { return button.getAttribute("aria-expanded") === "true"; }
    nav.classList.add("site-nav--enhanced");
    button.hidden = false;
    var userMenu = document.querySelector("details.user-menu");
    // One menu open at a time: both drop down over the same place below the header.
    button.addEventListener("click", function () {
      var open = !isOpen();
      setOpen(open);
      if (open && userMenu) { userMenu.open = false; }
    });
    if (userMenu) {
      userMenu.addEventListener("toggle", function () { if (userMenu.open) { setOpen(false); } });
    }
    // Escape closes an open menu (the main menu wherever the focus is, or the user menu) and gives focus back
    // to its button.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      if (isOpen()) {
        setOpen(false);
        button.focus();
        return;
      }
      if (userMenu && userMenu.open && userMenu.contains(document.activeElement)) {
        userMenu.open = false;
        userMenu.querySelector("summary").focus();
      }
    });
    // A tap or click outside an open menu closes it, as people expect of a drop-down; the focus stays where
    // they put it.
    document.addEventListener("click", function (event) {
      if (isOpen() && !nav.contains(event.target)) { setOpen(false); }
      if (userMenu && userMenu.open && !userMenu.contains(event.target)) { userMenu.open = false; }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
}());
