/*
 * Conditional reveal for Beacon's staff forms (GOV.UK Frontend's pattern, without its
 * JavaScript, which Beacon does not ship). A radio or checkbox with data-aria-controls shows
 * the element it names only while it is checked; an element with
 * data-show-when="NAME:VALUE,VALUE" shows only while the radio NAME has one of those values
 * (or none is chosen).
 *
 * Without this file every conditional question stays visible, and the server ignores answers
 * to questions that do not apply to the option chosen: the forms work completely without it.
 */
(function () {
  "use strict";

  // GOV.UK Frontend's own "--hidden" classes apply only under its JavaScript's body class.
  var HIDDEN = "govuk-!-display-none";
  var TYPES = { radio: true, checkbox: true };

  function sync() {
    var inputs = document.querySelectorAll("input[data-aria-controls]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var target = document.getElementById(input.getAttribute("data-aria-controls"));
      if (!target || !TYPES[input.type]) {
        continue;
      }
      input.setAttribute("aria-controls", target.id);
      if (input.type === "checkbox") {
        input.setAttribute("aria-expanded", input.checked ? "true" : "false");
      }
      target.classList.toggle(HIDDEN, !input.checked);
    }
    var ruled = document.querySelectorAll("[data-show-when]");
    for (var j = 0; j < ruled.length; j++) {
      var rule = ruled[j].getAttribute("data-show-when").split(":");
      var checked = document.querySelector('input[name="' + rule[0] + '"]:checked');
      var visible = !checked || rule[1].split(",").indexOf(checked.value) !== -1;
      ruled[j].classList.toggle(HIDDEN, !visible);
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && (target.type === "radio" || target.type === "checkbox")) {
      sync();
    }
  });
  sync();
})();
