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

  // The page's one live region (base.html): a short word after each change in place.
  // Emptied first, so the same words said twice are read twice.
  var liveTimer = null;
  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region) return;
    region.textContent = "";
    clearTimeout(liveTimer);
    if (text) liveTimer = setTimeout(function () { region.textContent = text; }, 100);
  }

  function focusOn(element) {
    if (!element.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  // A field with its label and error in view (on a phone the error sits below the field,
  // often off-screen): the whole .field, or the radio group's fieldset. One scroll, at
  // once, whatever the page's scroll-behavior: focus() would scroll too, and Chromium
  // can drop one of two scrolls started together, leaving the error out of view.
  function focusField(field) {
    var around = field.closest(".field") || field;
    field.focus({ preventScroll: true });
    around.scrollIntoView({ block: "nearest", behavior: "instant" });
  }

  // What the server put in the markup it sends: data-announce (its value, or the element's
  // text) goes to the live region; data-focus takes focus. Each is read once, then dropped,
  // and a full page's are dropped on load (they are only for changes in place).
  function take(name) {
    var found = Array.prototype.slice.call(document.querySelectorAll("[" + name + "]"));
    return found.map(function (element) {
      var value = element.getAttribute(name) || element.textContent.trim();
      element.removeAttribute(name);
      return { element: element, value: value };
    });
  }

  // Values that some parts say again each time they are fetched (the unread count every
  // minute): said in the live region only when they change.
  var said = {};
  function remember() {
    document.querySelectorAll("[data-announce-change]").forEach(function (element) {
      said[element.id] = element.getAttribute("data-announce-change");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    take("data-announce");
    take("data-focus");
    remember();
  });

  // After every swap, on purpose: a form with errors (422) focuses its error summary (htmx
  // focuses [autofocus]) or, without one, its first invalid field (a radio group's first
  // radio); otherwise what the server marked (the new card, the moved item, the new
  // message) or, if focus fell to <body> with the part it was in, the change's message.
  // Several elements settle per swap: the first event does the work.
  var handled = null; // the request whose swap was dealt with (one event per element)
  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    var words = take("data-announce");
    var marked = take("data-focus");
    var changed = [];
    document.querySelectorAll("[data-announce-change]").forEach(function (element) {
      var value = element.getAttribute("data-announce-change");
      if (said[element.id] !== undefined && said[element.id] !== value && value) changed.push(value);
      said[element.id] = value;
    });
    if (changed.length) announce(changed.join(" "));
    if (!xhr || xhr === handled) return;
    handled = xhr;
    // Nothing to say about this change: the last words go, not to be taken for its own.
    if (!words.length && !changed.length) announce("");
    if (xhr.status === 422) {
      var active = document.activeElement;
      if (active && active.classList.contains("error-summary")) return;
      // In what was swapped in (another form on the page may still show its errors).
      var swapped = event.target instanceof Element && event.target.isConnected ? event.target : document;
      var invalid = swapped.matches && swapped.matches('[aria-invalid="true"]') ? swapped : swapped.querySelector('[aria-invalid="true"]');
      if (invalid) focusField(invalid);
      return;
    }
    if (words.length) announce(words.map(function (word) { return word.value; }).join(" "));
    if (marked.length) {
      focusOn(marked[0].element);
    } else if (!document.activeElement || document.activeElement === document.body) {
      if (words.length) focusOn(words[0].element);
    }
  });

  // An error summary's link: to its field, with the field's label and error in view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    focusField(field);
  });

  document.addEventListener("htmx:sendError", function () {
    showMessage('<div class="notice notice-error" role="alert">We could not reach the server. Check your connection and try again.</div>');
  });
})();
