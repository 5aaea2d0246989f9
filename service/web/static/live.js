// Keeps parts of a workspace page current: every element with data-refresh-seconds is fetched
// again with its page every few seconds and replaced when it changed, so new and handed-over
// cases appear in the inbox, and a case page shows who else has it open, without a reload.
// Without JavaScript the pages work the same; they are then as current as their last load.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var live = Array.prototype.slice.call(document.querySelectorAll("[data-refresh-seconds][id]"));
  if (!live.length || !window.fetch || !window.DOMParser) {
    return;
  }
  var seconds = Number(live[0].getAttribute("data-refresh-seconds")) || 10;
  var countdowns = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(document.documentElement.lang, { numeric: "auto" })
    : null;

  // The server's clock, which may differ from this computer's: deadlines count from it.
  var skew = Date.parse(live[0].getAttribute("data-server-now") || "") - Date.now() || 0;

  function inWords(minutes) {
    if (Math.abs(minutes) < 90) {
      return countdowns.format(minutes, "minute");
    }
    if (Math.abs(minutes) < 36 * 60) {
      return countdowns.format(Math.round(minutes / 60), "hour");
    }
    return countdowns.format(Math.round(minutes / 1440), "day");
  }

  // The time left to each SLA deadline, recounted every refresh; a deadline turns amber when
  // 80 % of its time is gone and red when it has passed (never back: the server may know more).
  function recount() {
    var now = Date.now() + skew;
    document.querySelectorAll("[data-due][data-created]").forEach(function (cell) {
      var due = Date.parse(cell.getAttribute("data-due"));
      var created = Date.parse(cell.getAttribute("data-created"));
      var time = cell.querySelector("time.countdown");
      if (countdowns && time) {
        time.textContent = inWords(Math.round((due - now) / 60000));
      }
      if (now >= due) {
        cell.classList.remove("sla-on_track", "sla-warning");
        cell.classList.add("sla-breached");
      } else if (due > created && now - created >= 0.8 * (due - created)) {
        if (!cell.classList.contains("sla-breached")) {
          cell.classList.remove("sla-on_track");
          cell.classList.add("sla-warning");
        }
      }
    });
  }

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
        var page = new DOMParser().parseFromString(html, "text/html");
        live.forEach(function (element) {
          var fresh = page.getElementById(element.id);
          if (fresh && fresh.innerHTML !== element.innerHTML) {
            element.innerHTML = fresh.innerHTML;
          }
        });
      })
      .catch(function () {})
      .finally(function () {
        recount();
        window.setTimeout(refresh, seconds * 1000);
      });
  }
  recount();
  window.setTimeout(refresh, seconds * 1000);
});
