/* Kindred page behaviour. Loaded as an external file: the Content-Security-Policy
   allows no inline script, style or event-handler attributes. */
(function () {
  "use strict";

  // htmx requests carry the CSRF token read from <meta name="csrf-token">.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });

  // Buttons with data-confirm="question" ask before submitting their form.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var question =
      (submitter && submitter.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Buttons with data-once are disabled once their form is on its way, so a
  // double click sends one request (the server also recognises repeats).
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) {
      return;
    }
    var buttons = event.target.querySelectorAll("button[data-once]");
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Buttons with data-copy-target="#id" copy that input's value.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var input = document.querySelector(button.getAttribute("data-copy-target"));
    if (!input) {
      return;
    }
    var status = document.getElementById(button.getAttribute("aria-controls") || "");
    function done(ok) {
      if (status) {
        status.textContent = ok
          ? button.getAttribute("data-copied-text") || "Copied."
          : button.getAttribute("data-copy-failed-text") || "Select the text and copy it.";
      }
    }
    input.focus();
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(
        function () { done(true); },
        function () { done(false); }
      );
    } else {
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (error) {
        ok = false;
      }
      done(ok);
    }
  });

  // Move focus to the error summary so people hear what went wrong first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  });

  // Copy-buttons only make sense with script: reveal them.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-needs-js]").forEach(function (element) {
      element.classList.remove("d-none");
    });
  });
})();
