// Small behaviours the server-rendered pages rely on. No inline script: the CSP forbids it.
(function () {
  "use strict";

  var alertBox = function () { return document.getElementById("app-alert"); };

  function showAlert(message) {
    var box = alertBox();
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
  }

  document.addEventListener("htmx:beforeRequest", function () {
    var box = alertBox();
    if (box) { box.hidden = true; box.textContent = ""; }
  });

  // htmx does not swap error answers; say plainly what happened instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var messages = {
      400: "That request could not be used. Reload the page and try again.",
      403: "Your role does not allow that.",
      404: "That record could not be found. It may have been removed.",
      409: "Someone else changed this at the same time. Reload to see their change.",
      429: "Too many attempts. Wait a few minutes and try again."
    };
    showAlert(messages[status] || "Something went wrong on our side. Try again in a moment.");
  });

  document.addEventListener("htmx:sendError", function () {
    showAlert("The portal could not be reached. Check your connection and try again.");
  });

  // Put keyboard focus on an error summary when a page arrives with one.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
