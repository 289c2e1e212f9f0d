// Behaviour for the pages, kept out of the HTML so a strict CSP can forbid inline scripts.
(function () {
  "use strict";

  // Signup: default the timezone select to the browser's zone (the user can change it).
  function setBrowserTimezone() {
    var select = document.querySelector("select[data-browser-timezone]");
    if (!select || select.dataset.touched) return;
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone || select.dataset.browserTimezone !== "default") return;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) { select.value = zone; return; }
    }
  }

  // Travel: offer to move the diary to this device's zone when they differ. "Keep" hides
  // the offer for this zone until the browser session ends.
  function offerTimezone() {
    var banner = document.querySelector("[data-timezone-banner]");
    if (!banner) return;
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone || zone === banner.dataset.userTimezone) return;
    var key = "timezone-kept:" + banner.dataset.userTimezone + ">" + zone;
    try { if (window.sessionStorage.getItem(key)) return; } catch (e) { /* storage off: always offer */ }
    banner.querySelectorAll("[data-browser-zone]").forEach(function (el) { el.textContent = zone.replace(/_/g, " "); });
    banner.querySelector("[data-browser-zone-input]").value = zone;
    banner.hidden = false;
    banner.querySelector("[data-dismiss-timezone]").addEventListener("click", function () {
      banner.hidden = true;
      try { window.sessionStorage.setItem(key, "1"); } catch (e) { /* nothing to remember it in */ }
    });
  }

  // Cramp form: reveal the "see a doctor" advice as soon as a red-flag box is ticked.
  // The texts are rendered by the server (hidden); this only chooses which to show.
  function wireRedFlags(root) {
    var box = root.querySelector("[data-advice-map]");
    if (!box) return;
    var map = {};
    box.dataset.adviceMap.split(",").forEach(function (pair) {
      var parts = pair.split(":");
      if (parts.length === 2) map[parts[0]] = parts[1];
    });
    // The cramp form's symptoms are one field's values; the check-in's red flags are
    // one yes/no box each, keyed by the box's name.
    var byName = box.dataset.adviceBy === "name";
    var inputs = root.querySelectorAll(byName ? "input[type='checkbox']" : "input[name='symptoms']");
    function key(input) { return byName ? input.name : input.value; }
    function update() {
      var show = {};
      inputs.forEach(function (input) { if (input.checked && map[key(input)]) show[map[key(input)]] = true; });
      box.querySelectorAll(".advice").forEach(function (el) { el.hidden = !show[el.id]; });
    }
    inputs.forEach(function (input) { input.addEventListener("change", update); });
    update();
  }

  // Quick cramp logger: the time picker shows only for a cramp earlier in the night, starts
  // at a sensible hour for the choice, and "It woke me up" is on for night times. A field
  // the person touched keeps their value.
  function wireCrampLogger() {
    var form = document.querySelector("[data-cramp-logger]");
    if (!form) return;
    var time = form.querySelector("input[name='at_time']");
    var timeBox = form.querySelector("[data-when-time]");
    var woke = form.querySelector("input[name='woke']");
    var presets = { tonight: form.dataset.tonight, last_night: form.dataset.lastNight };
    var nowIsNight = form.dataset.nowIsNight === "1";
    if (time) time.addEventListener("input", function () { time.dataset.touched = "1"; });
    if (woke) woke.addEventListener("change", function () { woke.dataset.touched = "1"; });
    function update(fromUser) {
      var checked = form.querySelector("input[name='when']:checked");
      var when = checked ? checked.value : "now";
      if (timeBox) timeBox.hidden = when === "now";
      if (fromUser && time && !time.dataset.touched && presets[when]) time.value = presets[when];
      if (fromUser && woke && !woke.dataset.touched) woke.checked = when !== "now" || nowIsNight;
    }
    // Enter in a field is not a severity: only a severity button saves.
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.tagName === "INPUT") event.preventDefault();
    });
    form.querySelectorAll("input[name='when']").forEach(function (input) {
      input.addEventListener("change", function () { update(true); });
    });
    update(false);
  }

  // A form with errors: move focus to its summary, so a screen reader hears it first.
  function focusErrorSummary() {
    var summary = document.querySelector(".form-errors");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  }

  // After htmx replaces the Today panel, keep keyboard focus on the page.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "today-panel") {
      var panel = document.getElementById("today-panel");
      var focus = panel && panel.querySelector("[data-focus-after-swap]");
      if (focus) focus.focus({ preventScroll: true });
    }
  });

  // Main nav: the "Menu" disclosure is open (its summary hidden by CSS) on a desktop,
  // closed on a phone. Only for browsers without ::details-content; harmless elsewhere.
  function wireNavMenu() {
    var menu = document.querySelector("[data-nav-menu]");
    if (!menu || !window.matchMedia) return;
    var wide = window.matchMedia("(min-width: 768px)");
    function sync() { menu.open = wide.matches; }
    sync();
    wide.addEventListener("change", sync);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    // Keep the count on "Menu" in step with the badge the reminders script refreshes.
    var link = menu.querySelector(".notifications-link");
    if (link && window.MutationObserver) {
      new MutationObserver(function () { menuBadge(menu, link); }).observe(link, { childList: true, subtree: true, characterData: true });
    }
  }

  function menuBadge(menu, link) {
    var source = link.querySelector(".badge");
    var count = source ? source.textContent.trim() : "";
    var summary = menu.querySelector("summary");
    var badge = summary.querySelector("[data-menu-badge]");
    var text = summary.querySelector("[data-menu-badge-text]");
    if (!count) { if (badge) badge.remove(); if (text) text.remove(); return; }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.setAttribute("aria-hidden", "true");
      badge.setAttribute("data-menu-badge", "");
      text = document.createElement("span");
      text.className = "visually-hidden";
      text.setAttribute("data-menu-badge-text", "");
      summary.appendChild(badge);
      summary.appendChild(text);
    }
    badge.textContent = count;
    text.textContent = " (" + count + " unread notifications)";
  }

  document.addEventListener("DOMContentLoaded", function () {
    setBrowserTimezone();
    wireRedFlags(document);
    wireNavMenu();
    wireCrampLogger();
    offerTimezone();
    focusErrorSummary();
  });
})();
