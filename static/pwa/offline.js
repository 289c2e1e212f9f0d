// Logging with no connection: a drink, a cramp or a check-in made offline is kept in
// this browser (IndexedDB) as the API call it stands for, with an Idempotency-Key, and
// sent when the connection returns. The API replays a key it has seen, so sending the
// same entry again (two tabs, a lost answer) never logs it twice.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.getAttribute("data-config") || !("indexedDB" in window) || !window.fetch || !window.OfflineQueue) return;
  var config = JSON.parse(me.getAttribute("data-config"));
  var API = me.getAttribute("data-api-root");
  var URLS = {
    drink: me.getAttribute("data-drink-url"),
    cramp: me.getAttribute("data-cramp-url"),
    checkin: me.getAttribute("data-checkin-url")
  };
  var ML_PER_US_FL_OZ = 29.5735295625;
  var LIST_FIELDS = ["illness", "dehydration_signs"];
  var queue = window.OfflineQueue;

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---------------------------------------------------------------- form -> API call

  // The wall clock in the user's zone at an instant (ms): {date: "YYYY-MM-DD", time: "HH:MM", ms}
  // where ms is that wall time read as if it were UTC (so ms - instant is the zone's offset).
  function wallClock(ms) {
    var p = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: config.timezone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date(ms)).forEach(function (part) { p[part.type] = part.value; });
    return {
      date: p.year + "-" + p.month + "-" + p.day,
      time: p.hour + ":" + p.minute,
      ms: Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second)
    };
  }
  // Wall time on a local date in the user's zone -> the instant (ms). The zone's offset
  // is read at the first guess and again at the result, which settles DST changes.
  function localInstant(date, hhmm) {
    var d = date.split("-"), t = hhmm.split(":");
    var wall = Date.UTC(+d[0], +d[1] - 1, +d[2], +t[0], +t[1]);
    var guess = wall - (wallClock(wall).ms - wall);
    return wall - (wallClock(guess).ms - guess);
  }
  // The diary day in the user's zone: before the day start it is still yesterday.
  function diaryDay(ms) {
    var clock = wallClock(ms);
    return clock.time < config.day_starts_at ? addDays(clock.date, -1) : clock.date;
  }
  function addDays(date, n) {
    var d = new Date(date + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  // The quick cramp logger's "when", as the server's QuickCrampForm.started_at reads it:
  // earlier tonight is the latest past occurrence of that wall time; last night is that
  // wall time inside the sleep window that ended most recently.
  function crampStart(when, atTime, nowMs) {
    if (!when || when === "now" || !atTime) return nowMs;
    var today = wallClock(nowMs).date;
    if (when === "tonight") {
      var at = localInstant(today, atTime);
      return at > nowMs ? localInstant(addDays(today, -1), atTime) : at;
    }
    var start = config.sleep_starts_at, end = config.sleep_ends_at;
    for (var back = 0; back < 3; back++) {
      var endDate = addDays(today, -back);
      if (localInstant(endDate, end) <= nowMs) {
        var startDate = start < end ? endDate : addDays(endDate, -1);
        return localInstant(atTime < start ? addDays(startDate, 1) : startDate, atTime);
      }
    }
    return nowMs;
  }

  // The day a check-in made offline is for: the one the page asks about, while the page
  // (kept by the service worker) was drawn on this diary day; on a page kept from an
  // earlier day, the server's rule (checkin_due_day): in the morning, from the day
  // start until noon, yesterday; otherwise today.
  function checkinDay(form) {
    var asked = new URL(location.href).searchParams.get("day");
    if (asked) return asked;
    var now = Date.now(), today = diaryDay(now), clock = wallClock(now).time;
    if (form.getAttribute("data-rendered-on") === today && form.getAttribute("data-day")) return form.getAttribute("data-day");
    return clock >= config.day_starts_at && clock < "12:00" ? addDays(today, -1) : today;
  }

  function toMl(amount) {
    return Math.round(config.units === "us" ? amount * ML_PER_US_FL_OZ : amount);
  }
  function volumeText(ml) {
    return config.units === "us" ? Math.round(ml / ML_PER_US_FL_OZ) + " fl oz" : ml + " ml";
  }

  function formData(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    return data;
  }

  function requestFor(form, submitter) {
    var path = new URL(form.action || location.href, location.href).pathname;
    var data = formData(form, submitter);
    var now = new Date().toISOString();
    if (path === URLS.drink) {
      var volume, beverage;
      if (data.has("preset")) {
        var preset = config.presets[parseInt(data.get("preset"), 10)];
        if (!preset) return null;
        volume = preset.volume_ml;
        beverage = preset.beverage;
      } else if (data.has("amount")) {
        var amount = parseFloat(String(data.get("amount")).replace(",", "."));
        if (!(amount > 0)) return null;
        volume = toMl(amount);
        beverage = data.get("beverage") || "water";
      } else {
        return null;  // "again" on an old drink needs its details from the server
      }
      return { kind: "intake", url: API + "intakes/", body: { taken_at: now, volume_ml: volume, beverage: beverage },
               text: volumeText(volume) + " of " + beverage.replace(/_/g, " ") };
    }
    if (path === URLS.cramp) {
      if (!data.get("muscle") || !data.has("severity")) return null;
      var when = data.get("when"), atTime = data.get("at_time");
      if ((when === "tonight" || when === "last_night") && !atTime) return null;
      var durations = config.cramp_durations || {};
      var episode = {
        started_at: new Date(crampStart(when, atTime, Date.now())).toISOString(),
        duration_seconds: durations[data.get("duration") || "short"] || durations.short,
        muscle: data.get("muscle"),
        side: data.get("side") || "none",
        severity: parseInt(data.get("severity"), 10),
        sleep_disturbed: data.get("woke") === "on"
      };
      return { kind: "episode", url: API + "episodes/", body: episode,
               text: "a cramp (" + data.get("muscle") + ", severity " + data.get("severity") + ")" };
    }
    if (path === URLS.checkin) {
      var day = checkinDay(form);
      var body = { day: day };
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit" || el.type === "button") return;
        if (el.type === "radio") {
          // The page's chips: only the chosen one counts, and "Not sure" (empty) is no answer.
          if (!el.checked || el.value === "") return;
          if (el.name === "cramps") body.no_cramps = el.value === "no";  // as CheckInForm maps it
          else body[el.name] = isNaN(Number(el.value)) ? el.value : Number(el.value);  // the API wants numbers
        } else if (LIST_FIELDS.indexOf(el.name) !== -1) {
          body[el.name] = body[el.name] || [];
          if (el.checked) body[el.name].push(el.value);
        } else if (el.type === "checkbox") {
          body[el.name] = el.checked;
        } else if (el.value !== "") {
          body[el.name] = el.type === "number" || el.inputMode === "decimal" ? Number(el.value) : el.value;
        }
      });
      return { kind: "checkin", url: API + "checkins/", body: body, text: "the check-in for " + dayName(day) };
    }
    return null;
  }

  // "2026-11-09" as the pages name a day: "Monday 9 November" (a calendar day, read in UTC
  // so no zone can move it).
  function dayName(iso) {
    var parts = iso.split("-").map(Number);
    var date = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    var name = function (options) {
      options.timeZone = "UTC";
      return date.toLocaleDateString("en-GB", options);
    };
    return name({ weekday: "long" }) + " " + parts[2] + " " + name({ month: "long" });
  }

  // ---------------------------------------------------------------- page messages

  // A message with a key replaces the last one with that key: the page and the service
  // worker may both report the same sync.
  function say(text, level, key) {
    var box = document.getElementById("messages");
    if (!box) return;
    var old = key && box.querySelector('[data-offline-key="' + key + '"]');
    if (old) old.remove();
    var p = document.createElement("p");
    if (key) p.setAttribute("data-offline-key", key);
    // As the server shows a red flag (includes/messages.html): an alert, read out at once.
    p.className = level === "red-flag" ? "message message-error red-flag" : "message message-" + (level || "success");
    p.setAttribute("role", level === "red-flag" ? "alert" : "status");
    p.setAttribute("data-offline-message", "");
    p.textContent = text;
    box.appendChild(p);
  }

  document.addEventListener("submit", function (event) {
    if (navigator.onLine) return;
    var form = event.target;
    var request = requestFor(form, event.submitter);
    // Stop htmx and the browser: neither can reach the server now.
    event.preventDefault();
    event.stopPropagation();
    if (!request) {
      say("You are offline, and this needs a connection. A preset drink, another amount, a cramp or the check-in can be saved offline.", "error");
      return;
    }
    request.id = newKey();
    request.user = config.user;
    request.created_at = new Date().toISOString();
    // The service worker cannot read cookies: the entry carries the CSRF token it was made with.
    request.csrf = csrf();
    queue.add(request).then(function () {
      say("Saved on this phone, will sync when you are back online: " + request.text + ".");
      askForBackgroundSync();
    }, function () {
      say("Could not save this on the phone: " + request.text + ".", "error");
    });
  }, true);

  // ---------------------------------------------------------------- sending

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // Where the browser offers it (Chromium, Android), the service worker sends the queue
  // as soon as the connection returns, even with the app closed; a page open then sends
  // it too, and the Idempotency-Key makes the two one.
  function askForBackgroundSync() {
    if (!navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(queue.TAG);
    }).catch(function () {});
  }

  function syncedText(sent) {
    return "Synced " + sent + (sent === 1 ? " entry" : " entries") + " saved on this phone. Reload to see " + (sent === 1 ? "it" : "them") + ".";
  }

  // Red-flag advice that came back with an entry sent from the queue, by this page or by
  // the service worker (perhaps with the app closed): shown here once, as the form
  // showed it when the box was ticked.
  function showAdvice() {
    return queue.takeAdvice(config.user).then(function (items) {
      items.forEach(function (a) {
        var what = a.what.charAt(0).toUpperCase() + a.what.slice(1);
        say(what + " (saved on this phone, now synced): " + a.text, "red-flag", "advice-" + a.id);
      });
    }).catch(function () {});
  }

  var syncing = false;
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    return queue.sync(config.user, csrf).then(function (outcome) {
      outcome.refused.forEach(function (text) { say("Could not sync " + text + ": the server refused it.", "error"); });
      if (outcome.sent) say(syncedText(outcome.sent), "success", "synced");
    }).catch(function () {}).then(function () { syncing = false; return showAdvice(); });
  }

  // What the service worker sent while this page was open or closed.
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var msg = event.data || {};
      if (msg.type !== "offline-queue-synced" || msg.user !== config.user) return;
      msg.refused.forEach(function (text) { say("Could not sync " + text + ": the server refused it.", "error"); });
      if (msg.sent) say(syncedText(msg.sent), "success", "synced");
      showAdvice();
    });
  }

  window.addEventListener("online", sync);
  function start() {
    showAdvice();
    if (navigator.onLine) { sync(); return; }
    queue.entriesOf(config.user).then(function (items) {
      if (items.length) say(items.length + (items.length === 1 ? " entry is" : " entries are") + " saved on this phone and will sync when you are back online.");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
