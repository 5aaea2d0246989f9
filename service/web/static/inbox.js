// Keeps the team inbox current: every few seconds the page is fetched again and its queues are
// replaced when they changed, so new and handed-over cases appear without a reload. Without
// JavaScript the inbox works the same; it is then as current as its last load.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var queues = document.getElementById("queues");
  if (!queues || !window.fetch || !window.DOMParser) {
    return;
  }
  var seconds = Number(queues.getAttribute("data-refresh-seconds")) || 10;
  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) {
          return null;  // signed out, or the server is away: keep what is shown
        }
        return response.text();
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queues");
        if (fresh && fresh.innerHTML !== queues.innerHTML) {
          queues.innerHTML = fresh.innerHTML;
        }
      })
      .catch(function () {})
      .finally(function () {
        window.setTimeout(refresh, seconds * 1000);
      });
  }
  window.setTimeout(refresh, seconds * 1000);
});
