// Small progressive enhancements on top of htmx. Pages work without this file.
(function () {
  "use strict";

  function showMessage(html) {
    var flash = document.getElementById("flash");
    if (!flash) return;
    // The server renders this fragment from an escaped template (errors/_message.html).
    flash.innerHTML = html;
    flash.scrollIntoView({ block: "nearest" });
  }

  // htmx 2 does not swap 4xx/5xx answers (see htmx-config in base.html): tell the
  // member what happened instead of failing silently (expired form, 403, 409, 429...).
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = xhr && xhr.responseText;
    if (text && /^\s*</.test(text) && text.length < 4000) {
      showMessage(text);
    } else {
      showMessage('<div class="notice notice-error" role="alert">Something went wrong. Please reload the page and try again.</div>');
    }
  });

  // A form re-rendered with errors (422): take the member to the first one, as a
  // full page load with the error summary would.
  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status !== 422) return;
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  });

  document.addEventListener("htmx:sendError", function () {
    showMessage('<div class="notice notice-error" role="alert">We could not reach the server. Check your connection and try again.</div>');
  });
})();
