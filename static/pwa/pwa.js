// The installable app: register the service worker (offline shell, push) and show the
// "Install the app" hint — a button where the browser can prompt, the Share → Add to
// Home Screen steps on an iPhone or iPad, where it cannot.
(function () {
  "use strict";
  var me = document.currentScript;
  var swUrl = me && me.getAttribute("data-sw-url");
  if (swUrl && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(swUrl, { scope: "/" }).catch(function () {});
  }

  var deferred = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();  // shown from our button instead of the browser's mini bar
    deferred = event;
    showHint();
  });
  window.addEventListener("appinstalled", function () { deferred = null; showHint(); });

  function standalone() {
    return (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches) || window.navigator.standalone === true;
  }
  function ios() {
    var ua = window.navigator.userAgent;
    // iPadOS reports itself as a Mac; a Mac has no touch screen.
    return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  }

  function showHint() {
    document.querySelectorAll("[data-install-hint]").forEach(function (hint) {
      var mode = standalone() ? "installed" : deferred ? "prompt" : ios() ? "ios" : "other";
      hint.hidden = false;
      hint.querySelectorAll("[data-install-when]").forEach(function (el) {
        el.hidden = el.getAttribute("data-install-when").split(" ").indexOf(mode) === -1;
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-install-button]");
    if (!button || !deferred) return;
    deferred.prompt();
    deferred.userChoice.then(function () { deferred = null; showHint(); });
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showHint);
  else showHint();
})();
