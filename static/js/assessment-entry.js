/*
 * Live met / not-met feedback on the assessment entry screen (display only: the server evaluates on save).
 *
 * Each indicator row carries its comparator ("gte", "lte", "pass") and the applicable threshold in data
 * attributes; the form carries the translated labels. No inline script, so a Content-Security-Policy
 * without 'unsafe-inline' keeps working.
 */
(function () {
  "use strict";

  var form = document.getElementById("entry-form");
  if (!form) {
    return;
  }

  function label(state) {
    return form.dataset["label" + state.replace(/(^|[-_])(\w)/g, function (_m, _s, c) { return c.toUpperCase(); })] || state;
  }

  function rowState(row) {
    var na = row.querySelector(".js-na");
    if (na && na.checked) {
      return "met"; // "(nếu có)": the indicator counts as met when the object does not exist
    }
    var comparator = row.dataset.comparator;
    if (comparator === "pass") {
      var select = row.querySelector(".js-passed");
      if (!select || select.value === "") {
        return "empty";
      }
      return select.value === "1" ? "met" : "not-met";
    }
    var input = row.querySelector(".js-value");
    if (!input || input.value.trim() === "") {
      return input && input.validity && input.validity.badInput ? "invalid" : "empty";
    }
    var value = Number(input.value);
    if (!Number.isFinite(value)) {
      return "invalid";
    }
    if (row.dataset.threshold === undefined || row.dataset.threshold === "") {
      return "unchecked";
    }
    var threshold = Number(row.dataset.threshold);
    if (comparator === "gte") {
      return value >= threshold ? "met" : "not-met";
    }
    if (comparator === "lte") {
      return value <= threshold ? "met" : "not-met";
    }
    return "unchecked";
  }

  function showRow(row) {
    var state = rowState(row);
    var output = row.querySelector(".js-indicator-status");
    if (output) {
      output.dataset.state = state;
      output.textContent = label(state);
    }
    return state;
  }

  function criterionState(fieldset) {
    var override = fieldset.querySelector(".js-override");
    if (override && override.value) {
      return override.value;
    }
    var rows = fieldset.querySelectorAll(".indicator-row");
    if (rows.length === 0) {
      return null; // nothing to compute from: keep what the server said
    }
    var states = Array.prototype.map.call(rows, rowState);
    if (states.indexOf("not-met") !== -1) {
      return "not_met";
    }
    if (states.every(function (s) { return s === "met"; })) {
      return "met";
    }
    return "none";
  }

  function showCriterion(fieldset) {
    var state = criterionState(fieldset);
    var badge = fieldset.querySelector(".js-criterion-status");
    if (state === null || !badge) {
      return;
    }
    badge.dataset.state = state;
    badge.textContent = label("criterion-" + state);
  }

  function onChange(event) {
    var row = event.target.closest(".indicator-row");
    if (row) {
      showRow(row);
    }
    var fieldset = event.target.closest(".criterion");
    if (fieldset) {
      showCriterion(fieldset);
    }
  }

  form.addEventListener("input", onChange);
  form.addEventListener("change", onChange);
})();
