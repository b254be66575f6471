// Small behaviours the CSP allows (no inline scripts): confirmation of destructive
// form submissions, and auto-submitting filter forms through htmx.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();

// Pickers: a button with data-fill='{"field-id": "value", …}' fills those inputs (the
// outlet picker, "link as repeat" in the intake worksheet) and fires a change event so
// htmx listeners (repeat suggestions) refresh.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill]");
    if (!button) { return; }
    event.preventDefault();
    var values = JSON.parse(button.getAttribute("data-fill"));
    Object.keys(values).forEach(function (id) {
      var input = document.getElementById(id);
      if (!input) { return; }
      if ("value" in input && input.tagName !== "OUTPUT") { input.value = values[id]; }
      else { input.textContent = values[id]; }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    var list = button.closest("[data-picker-list]");
    if (list) { list.innerHTML = ""; }
  });
})();
