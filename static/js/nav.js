// Progressive enhancement for the header: on a phone the main menu folds behind the "Menu" button.
// Without JavaScript the button stays hidden and the links wrap onto as many rows as they need.
(function () {
  "use strict";
  function enhance() {
    var nav = document.querySelector(".site-nav");
    var button = nav && nav.querySelector(".menu-button");
    if (!button) { return; }
    function setOpen(open) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
    nav.classList.add("site-nav--enhanced");
    button.hidden = false;
    var userMenu = document.querySelector("details.user-menu");
    // One menu open at a time: both drop down over the same place below the header.
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      setOpen(open);
      if (open && userMenu) { userMenu.open = false; }
    });
    if (userMenu) {
      userMenu.addEventListener("toggle", function () { if (userMenu.open) { setOpen(false); } });
    }
    // Escape closes an open menu (the main menu or the user menu) and gives focus back to its button.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      if (button.getAttribute("aria-expanded") === "true" && nav.contains(document.activeElement)) {
        setOpen(false);
        button.focus();
        return;
      }
      if (userMenu && userMenu.open && userMenu.contains(document.activeElement)) {
        userMenu.open = false;
        userMenu.querySelector("summary").focus();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
}());
