// Shows how far a large upload has got. A form with files over PROGRESS_FROM bytes is sent with
// XMLHttpRequest (the same fields, the same button), a <progress> bar follows the bytes, and
// the page the server answers with replaces this one. Without JavaScript the form posts as usual.
"use strict";
var PROGRESS_FROM = 1000000;
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || form.enctype !== "multipart/form-data") {
    return;
  }
  var total = 0;
  form.querySelectorAll('input[type="file"]').forEach(function (input) {
    Array.prototype.forEach.call(input.files || [], function (file) {
      total += file.size;
    });
  });
  if (total < PROGRESS_FROM || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  event.preventDefault();
  var button = event.submitter || form.querySelector('button[type="submit"]');
  var progress = document.createElement("progress");
  progress.max = total;
  progress.value = 0;
  progress.className = "upload-progress";
  progress.setAttribute("aria-label", button ? button.textContent.trim() : "");
  form.appendChild(progress);
  if (button) {
    button.disabled = true;
  }
  var request = new XMLHttpRequest();
  request.open("POST", (button && button.getAttribute("formaction")) || form.action);
  request.upload.addEventListener("progress", function (sent) {
    progress.value = sent.loaded;
  });
  request.addEventListener("load", function () {
    if (request.status < 400 && request.responseURL) {
      window.location.replace(request.responseURL); // the page the form was redirected to
      return;
    }
    document.open();
    document.write(request.responseText); // the form again, saying what is wrong
    document.close();
  });
  request.addEventListener("error", function () {
    progress.remove();
    if (button) {
      button.disabled = false;
    }
    form.submit();
  });
  var data = button && button.name ? new FormData(form, button) : new FormData(form);
  request.send(data);
});
