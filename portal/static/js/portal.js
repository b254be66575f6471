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

// After htmx swaps in the answer to a form sent (not a list refreshed), focus and scroll
// go to what the user must read: the error summary first, else the success message. A
// tablet user whose error sits above the viewport sees it; a screen reader hears it.
// A whole page answering a form (a refused submission, a step that moved the user to
// another case) gets the same on load.
(function () {
  "use strict";
  function focusAnswer() {
    var target = document.querySelector(".form-errors[role=alert], .error-summary")
      || document.querySelector(".flash[role=status], .flashes[role=status]");
    if (!target) { return; }
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    if (!config || config.verb === "get") { return; }
    // A look-up posted only to keep its fields out of URLs (the worksheet's repeat
    // panel) answers no form: the focus stays where the user types.
    var from = config.elt || event.detail.elt;
    if (from && from.closest && from.closest("[data-keep-focus]")) { return; }
    focusAnswer();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusAnswer);
  } else {
    focusAnswer();
  }
})();

// A file input marked data-upload-now sends its files at once (htmx, hx-trigger=change);
// once they are kept on the server it is emptied, so the form does not send them twice.
(function () {
  "use strict";
  document.addEventListener("htmx:afterRequest", function (event) {
    var input = event.detail.elt;
    if (input && input.matches && input.matches("input[type=file][data-upload-now]")
        && event.detail.successful) {
      input.value = "";
    }
  });
})();

// Combobox (WAI-ARIA Authoring Practices, "list autocomplete"): a text input with
// role=combobox, a hidden input holding the chosen value, and a listbox of options
// (role=option, data-value, data-label). The options are either all on the page and
// filtered as the user types (data-combobox="local"), or fetched by htmx from the server
// (data-combobox="remote", the outlet search). Arrow keys move, Enter chooses, Escape
// closes; a tap chooses too.
(function () {
  "use strict";
  function parts(box) {
    return {
      input: box.querySelector("[role=combobox]"),
      value: box.querySelector("input[type=hidden]"),
      list: box.querySelector("[role=listbox]"),
      chosen: box.querySelector("output")
    };
  }
  function options(p) {
    return Array.prototype.filter.call(
      p.list.querySelectorAll("[role=option]"), function (o) { return !o.hidden; });
  }
  function open(p, yes) {
    var any = yes && options(p).length > 0;
    p.list.hidden = !any;
    p.input.setAttribute("aria-expanded", any ? "true" : "false");
    if (!any) { activate(p, null); }
  }
  function activate(p, option) {
    options(p).forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }
  function choose(box, option) {
    var p = parts(box);
    p.value.value = option.getAttribute("data-value");
    p.input.value = option.getAttribute("data-label");
    if (p.chosen) { p.chosen.textContent = option.getAttribute("data-label"); }
    open(p, false);
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function filter(box) {
    var p = parts(box);
    var words = p.input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(p.list.querySelectorAll("[role=option]"), function (o) {
      var text = (o.getAttribute("data-label") + " " + (o.getAttribute("data-search") || "")).toLowerCase();
      o.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
    });
  }
  document.addEventListener("input", function (event) {
    var box = event.target.closest("[data-combobox]");
    if (!box || event.target.getAttribute("role") !== "combobox") { return; }
    if (box.getAttribute("data-combobox") === "local") { filter(box); open(parts(box), true); }
  });
  document.addEventListener("keydown", function (event) {
    var box = event.target.closest("[data-combobox]");
    if (!box || event.target.getAttribute("role") !== "combobox") { return; }
    var p = parts(box);
    var list = options(p);
    var current = list.indexOf(document.getElementById(p.input.getAttribute("aria-activedescendant")));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (p.list.hidden) { if (box.getAttribute("data-combobox") === "local") { filter(box); } open(p, true); }
      list = options(p);
      if (!list.length) { return; }
      var next = event.key === "ArrowDown" ? current + 1 : current - 1;
      if (next < 0) { next = list.length - 1; }
      if (next >= list.length) { next = 0; }
      activate(p, list[next]);
    } else if (event.key === "Enter") {
      if (!p.list.hidden && current >= 0) { event.preventDefault(); choose(box, list[current]); }
      else if (!p.list.hidden) { event.preventDefault(); }
    } else if (event.key === "Escape") {
      if (!p.list.hidden) { event.preventDefault(); open(p, false); }
    }
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-combobox] [role=option]");
    if (option) { event.preventDefault(); choose(option.closest("[data-combobox]"), option); return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-combobox]"), function (box) {
      if (!box.contains(event.target)) { open(parts(box), false); }
    });
  });
  document.addEventListener("focusin", function (event) {
    var box = event.target.closest("[data-combobox]");
    if (box && event.target.getAttribute("role") === "combobox" && box.getAttribute("data-combobox") === "local") {
      event.target.select();
    }
  });
  // Remote options arrive by htmx: open the list on what came.
  document.addEventListener("htmx:afterSettle", function (event) {
    var box = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("[data-combobox]") : null;
    if (!box) {
      var list = document.querySelector("[data-combobox] [role=listbox]:not([hidden])");
      box = list ? list.closest("[data-combobox]") : null;
    }
    if (box && document.activeElement === parts(box).input) { open(parts(box), true); }
  });
})();

// A button with data-remove-closest="li" takes its row away (a kept file not wanted).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-closest]");
    if (!button) { return; }
    var row = button.closest(button.getAttribute("data-remove-closest"));
    if (row) { row.remove(); }
  });
})();

// Recovery codes: print them, or copy them (the Clipboard API needs HTTPS; on a plain
// intranet address the codes are selected instead, for Ctrl+C).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); return; }
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = Array.prototype.map.call(source.querySelectorAll("li"), function (li) {
      return li.textContent.trim();
    }).join("\n");
    var select = function () { window.getSelection().selectAllChildren(source); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.getAttribute("data-copied");
      }, select);
    } else {
      select();
    }
  });
})();

// A filter form (data-filters) sends itself when one of its lists or dates changes:
// htmx's "change from:find select" listens to the first list only. The search box has
// its own trigger as one types; its change on leaving it would send the first page again.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-filters]");
    if (form && event.target.matches("select, input[type=date]")) {
      htmx.trigger(form, "filters-changed");
    }
  });
})();
