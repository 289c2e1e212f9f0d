// The doctor's summary: a Print / Save as PDF button, and the optional name and date of
// birth, kept on this device only when the user ticks "Remember" (never sent anywhere).
(function () {
  "use strict";
  var KEY = "tracker.patient";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  var fields = document.querySelectorAll("[data-patient-field]");
  var remember = document.querySelector("[data-patient-remember]");
  if (!remember) { return; }
  var saved = null;
  try { saved = JSON.parse(window.localStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
  if (saved) {
    remember.checked = true;
    fields.forEach(function (field) { field.value = saved[field.id] || ""; });
  }
  function store() {
    if (!remember.checked) { window.localStorage.removeItem(KEY); return; }
    var values = {};
    fields.forEach(function (field) { values[field.id] = field.value; });
    window.localStorage.setItem(KEY, JSON.stringify(values));
  }
  remember.addEventListener("change", store);
  fields.forEach(function (field) { field.addEventListener("input", store); });
})();
