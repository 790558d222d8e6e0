/*
 * The data.police.uk upload form's enhancement: the form is sent with XMLHttpRequest so a
 * progress bar can show the bytes sent, then the browser follows the server's answer (the
 * import's progress page). Files over the size limit are named before anything is sent.
 * Without this file the form posts as usual and works the same.
 */
(function () {
  "use strict";

  var form = document.getElementById("police-upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var input = document.getElementById("files");
  var panel = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-progress-bar");
  var text = document.getElementById("upload-progress-text");
  var button = document.getElementById("upload-button");
  var cancel = document.getElementById("upload-cancel");
  var maxFileBytes = parseInt(form.getAttribute("data-max-file-bytes"), 10);
  var maxFiles = parseInt(form.getAttribute("data-max-files"), 10);
  var maxMegabytes = form.getAttribute("data-max-megabytes");
  var request = null;
  var HIDDEN = "govuk-!-display-none"; // GOV.UK buttons set display, which beats [hidden]

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  // A GOV.UK error summary at the top of the page, and the message beside the file input.
  function showError(message) {
    var old = document.getElementById("client-error-summary");
    if (old) {
      old.parentNode.removeChild(old);
    }
    var summary = document.createElement("div");
    summary.className = "govuk-error-summary";
    summary.id = "client-error-summary";
    summary.setAttribute("tabindex", "-1");
    var alert = document.createElement("div");
    alert.setAttribute("role", "alert");
    var title = document.createElement("h2");
    title.className = "govuk-error-summary__title";
    title.textContent = "There is a problem";
    var body = document.createElement("div");
    body.className = "govuk-error-summary__body";
    var list = document.createElement("ul");
    list.className = "govuk-list govuk-error-summary__list";
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = "#files";
    link.textContent = message;
    item.appendChild(link);
    list.appendChild(item);
    body.appendChild(list);
    alert.appendChild(title);
    alert.appendChild(body);
    summary.appendChild(alert);
    var main = document.getElementById("main-content");
    main.insertBefore(summary, main.firstChild);
    summary.focus();
  }

  function tooLarge(files) {
    var names = [];
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > maxFileBytes) {
        names.push(files[i].name + " (" + megabytes(files[i].size) + ")");
      }
    }
    return names;
  }

  function reset(message) {
    request = null;
    button.disabled = false;
    button.removeAttribute("aria-disabled");
    cancel.classList.add(HIDDEN);
    panel.hidden = true;
    if (message) {
      showError(message);
    }
  }

  form.addEventListener("submit", function (event) {
    var files = input.files || [];
    if (files.length === 0) {
      return; // the server answers with its own error summary
    }
    if (files.length > maxFiles) {
      event.preventDefault();
      showError("You chose " + files.length + " files; one upload can hold at most " + maxFiles +
        ". Upload them in smaller groups.");
      return;
    }
    var large = tooLarge(files);
    if (large.length) {
      event.preventDefault();
      showError("Each file can be at most " + maxMegabytes + " MB; " + large.join(", ") +
        (large.length === 1 ? " is" : " are") + " larger. Nothing was uploaded.");
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) {
        return;
      }
      var percent = Math.floor((progress.loaded * 100) / progress.total);
      bar.value = percent;
      text.textContent = megabytes(progress.loaded) + " of " + megabytes(progress.total) +
        " sent (" + percent + "%)";
      if (progress.loaded >= progress.total) {
        text.textContent = "All files sent. Starting the import\u2026";
      }
    });
    request.addEventListener("load", function () {
      var done = request;
      var path = "";
      try {
        path = new URL(done.responseURL).pathname;
      } catch (error) {
        path = "";
      }
      if (done.status === 200 && path.indexOf("/imports/police/jobs/") === 0) {
        window.location.assign(done.responseURL);
        return;
      }
      // A refusal (too large, damaged, no files...): show the page the server answered with.
      document.open();
      document.write(done.responseText);
      document.close();
    });
    request.addEventListener("error", function () {
      reset("The upload was interrupted (the connection was lost). Nothing was imported. " +
        "Choose the files and upload them again.");
    });
    request.addEventListener("abort", function () {
      reset("The upload was cancelled. Nothing was imported.");
    });
    button.disabled = true;
    button.setAttribute("aria-disabled", "true");
    cancel.classList.remove(HIDDEN);
    panel.hidden = false;
    bar.value = 0;
    text.textContent = "Starting the upload\u2026";
    request.send(data);
  });

  cancel.addEventListener("click", function () {
    if (request) {
      request.abort();
    }
  });
})();
