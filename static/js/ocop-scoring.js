/*
 * Live total and stars on the OCOP scoring form (display only: ocop.services.rating_record decides on save).
 *
 * The summary element carries the rules versions (period and part maxima) and the translated labels in
 * data attributes; the part score inputs carry data-ocop-part="a|b|c". The rules version is the one chosen,
 * else the one in force on the decision date, else today's. No inline script, so a Content-Security-Policy
 * without 'unsafe-inline' keeps working.
 */
(function () {
  "use strict";

  // The admin loads form media in the page head: wait for the form.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  function start() {
  var summary = document.getElementById("ocop-score-summary");
  if (!summary) {
    return;
  }
  var rulesList = JSON.parse(summary.dataset.rules || "[]");
  var inputs = Array.prototype.slice.call(document.querySelectorAll("[data-ocop-part]"));
  var totalOutput = document.getElementById("ocop-total");
  var starsOutput = document.getElementById("ocop-stars");
  var rulesNote = document.getElementById("ocop-rules-note");
  var rulesSelect = document.getElementById("id_rules");
  var decisionDate = document.getElementById("id_decision_date");
  var level = document.getElementById("id_level");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });
  var BANDS = [[9000, 5], [7000, 4], [5000, 3], [3000, 2]]; // in hundredths of a point

  function isoDate(text) {
    var value = (text || "").trim();
    var dayFirst = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
    if (dayFirst) {
      return dayFirst[3] + "-" + dayFirst[2].padStart(2, "0") + "-" + dayFirst[1].padStart(2, "0");
    }
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
  }

  function today() {
    var now = new Date();
    return [now.getFullYear(), String(now.getMonth() + 1).padStart(2, "0"), String(now.getDate()).padStart(2, "0")].join("-");
  }

  function currentRules() {
    if (rulesSelect && rulesSelect.value) {
      return rulesList.find(function (rules) { return String(rules.id) === rulesSelect.value; }) || null;
    }
    var on = (decisionDate && isoDate(decisionDate.value)) || today();
    return rulesList.find(function (rules) { return rules.from <= on && (rules.to === null || on <= rules.to); }) || null;
  }

  function hundredths(input) {
    var text = input.value.trim().replace(",", ".");
    if (text === "") {
      return null;
    }
    var value = Number(text);
    return Number.isFinite(value) ? Math.round(value * 100) : null;
  }

  function hint(input) {
    var next = input.nextElementSibling;
    if (next && next.classList.contains("ocop-part-max")) {
      return next;
    }
    var span = document.createElement("span");
    span.className = "ocop-part-max help";
    input.insertAdjacentElement("afterend", span);
    return span;
  }

  function label(name, max) {
    return (summary.dataset[name] || "").replace("%(max)s", numbers.format(max));
  }

  function update() {
    var rules = currentRules();
    rulesNote.textContent = rules ? rules.name : "";
    var total = 0;
    var filled = 0;
    inputs.forEach(function (input) {
      var value = hundredths(input);
      var max = rules ? rules[input.dataset.ocopPart] : null;
      var span = hint(input);
      if (max !== null) {
        input.max = String(max);
      }
      var over = max !== null && value !== null && value > max * 100;
      input.classList.toggle("ocop-over", over);
      span.textContent = max === null ? "" : label(over ? "labelOver" : "labelMaximum", max);
      if (value !== null) {
        total += value;
        filled += 1;
      }
    });
    totalOutput.textContent = filled ? numbers.format(total / 100) : "–";
    if (filled < inputs.length) {
      starsOutput.textContent = "–";
      return;
    }
    var stars = 1;
    for (var i = 0; i < BANDS.length; i += 1) {
      if (total >= BANDS[i][0]) {
        stars = BANDS[i][1];
        break;
      }
    }
    if (stars === 5 && level && level.value === "province") {
      starsOutput.textContent = "★★★★ (" + summary.dataset.labelPotential + ")";
    } else {
      starsOutput.textContent = "★".repeat(stars);
    }
  }

  inputs.concat([rulesSelect, decisionDate, level]).forEach(function (element) {
    if (element) {
      element.addEventListener("input", update);
      element.addEventListener("change", update);
    }
  });
  update();
  }
})();
