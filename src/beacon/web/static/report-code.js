/*
 * The report-received page: buttons to copy the reference code and to print the page.
 * Without this file the buttons stay hidden and the page says how to write the code down or
 * print it with the browser's own command. Nothing leaves the browser: no request is made, no
 * cookie or storage is used, and the clipboard is written only when the button is pressed.
 */
(function () {
  "use strict";

  var actions = document.getElementById("code-actions");
  var code = document.getElementById("reference-code");
  var copy = document.getElementById("copy-code");
  var print = document.getElementById("print-code");
  var status = document.getElementById("copy-status");
  if (!actions || !code || !copy || !print) {
    return;
  }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function selectCode() {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copiedByCommand() {
    // Older browsers, or a page the clipboard API refuses: copy the selected code.
    selectCode();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  copy.addEventListener("click", function () {
    var text = code.textContent.trim();
    function fallback() {
      if (copiedByCommand()) {
        say("The code was copied. Paste it somewhere safe now.");
      } else {
        say("The code could not be copied automatically: it is selected, so copy it yourself.");
      }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () {
        say("The code was copied. Paste it somewhere safe now.");
      }, fallback);
    } else {
      fallback();
    }
  });

  print.addEventListener("click", function () {
    window.print();
  });

  actions.classList.remove("govuk-!-display-none");
})();
