// Fills the complaint form's hidden time zone field from the browser; the form works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var field = document.getElementById("timezone");
  if (!field || field.value) {
    return;
  }
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    field.value = "";
  }
});
