// Progressive enhancement for the listing form: one alt-text field per chosen photo, suggested from the title.
// Without JavaScript the form's single field gives the same text to every photo chosen.
(function () {
  "use strict";
  var box = document.querySelector("[data-photo-alts]");
  var input = document.getElementById("photos");
  var title = document.getElementById("title");
  if (!box || !input) { return; }
  var single = document.getElementById("new_photo_alt");
  var singleField = single && single.closest(".field");
  var list = box.querySelector(".photo-alts__list");

  function suggestion() { return title ? title.value.trim() : ""; }

  function field(index, file) {
    var item = document.createElement("li");
    item.className = "field";
    var id = "new-photo-alt-" + (index + 1);
    var label = document.createElement("label");
    label.className = "field__label";
    label.htmlFor = id;
    label.textContent = box.dataset.label.replace("{n}", String(index + 1));
    var hint = document.createElement("p");
    hint.className = "field__help";
    hint.id = id + "-help";
    hint.textContent = box.dataset.file.replace("{name}", file.name);
    var text = document.createElement("input");
    text.type = "text";
    text.className = "field__input";
    text.id = id;
    text.name = "new_photo_alt";
    text.maxLength = 300;
    text.value = suggestion();
    text.setAttribute("aria-describedby", hint.id);
    text.dataset.suggested = "1";
    text.addEventListener("input", function () { delete text.dataset.suggested; });
    item.appendChild(label);
    item.appendChild(hint);
    item.appendChild(text);
    return item;
  }

  function show() {
    var files = input.files ? Array.prototype.slice.call(input.files) : [];
    list.textContent = "";
    list.hidden = files.length === 0;
    if (singleField) {
      singleField.hidden = files.length > 0;
      single.disabled = files.length > 0;  // a disabled field is not sent: the per-photo fields are
    }
    files.forEach(function (file, index) { list.appendChild(field(index, file)); });
  }

  input.addEventListener("change", show);
  if (title) {
    title.addEventListener("input", function () {
      Array.prototype.forEach.call(list.querySelectorAll("input[data-suggested]"), function (text) {
        text.value = suggestion();
      });
    });
  }
  show();
}());
