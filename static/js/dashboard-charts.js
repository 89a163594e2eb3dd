/*
 * Dashboard charts: every <canvas data-chart="ID"> is drawn from the JSON in the element #ID, written
 * by Django's json_script filter (no inline script, so the pages work under a strict CSP).
 *
 * The JSON: {"type": "bar" | "line", "labels": [...], "datasets": [{"label": "...", "data": [...]}],
 *            "suffix": "%" (optional, appended to values), "max": 100 (optional y maximum),
 *            "horizontal": true (optional, bar charts), "stacked": true (optional)}.
 * Numbers are formatted for the page's language (<html lang>): 1.274,5 in Vietnamese, 1,274.5 in English.
 */
(function () {
  "use strict";

  // The year and money selectors submit their form when changed (the button stays for keyboards and no-JS).
  function autosubmit() {
    var selects = document.querySelectorAll("select[data-autosubmit]");
    for (var i = 0; i < selects.length; i += 1) {
      selects[i].addEventListener("change", function (event) {
        event.target.form.submit();
      });
    }
  }

  function start() {
    autosubmit();
    if (typeof window.Chart === "undefined") {
      return; // the vendored Chart.js did not load: the tables beside each chart still show the figures
    }
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
    drawAll();
  }

  var lang = (document.documentElement.lang || "vi").toLowerCase();
  var locale = lang.indexOf("vi") === 0 ? "vi-VN" : "en";
  var numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  var palette = ["#1f6f43", "#2f80ed", "#f2994a", "#9b51e0", "#eb5757", "#27ae60", "#56ccf2", "#bdbdbd"];

  function format(value, suffix) {
    if (value === null || value === undefined || value === "") {
      return "–";
    }
    return numberFormat.format(Number(value)) + (suffix || "");
  }

  function datasetStyle(dataset, index, type) {
    var colour = dataset.color || palette[index % palette.length];
    var styled = Object.assign({}, dataset);
    delete styled.color;
    styled.borderColor = colour;
    styled.backgroundColor = type === "line" ? colour : colour + "cc";
    if (type === "line") {
      styled.fill = false;
      styled.tension = 0;
      styled.pointRadius = 3;
      styled.spanGaps = true;
    }
    return styled;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var type = spec.type === "line" ? "line" : "bar";
    var suffix = spec.suffix || "";
    var horizontal = type === "bar" && spec.horizontal === true;
    var valueAxis = horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      stacked: spec.stacked === true,
      ticks: {
        callback: function (value) {
          return format(value, suffix);
        },
      },
    };
    if (spec.max !== undefined && spec.max !== null) {
      scales[valueAxis].max = spec.max;
    }
    scales[horizontal ? "y" : "x"] = { stacked: spec.stacked === true, ticks: { autoSkip: false } };

    // The chart's own legend is only useful with several series.
    var datasets = spec.datasets.map(function (dataset, index) {
      return datasetStyle(dataset, index, type);
    });
    new window.Chart(canvas, {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        locale: locale,
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = horizontal ? context.parsed.x : context.parsed.y;
                var prefix = context.dataset.label ? context.dataset.label + ": " : "";
                return prefix + format(value, suffix);
              },
            },
          },
        },
      },
    });
  }

  function drawAll() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  // Print: redraw at the printed size so the bars and labels are sharp and not cut off.
  function resizeAll() {
    Object.keys(window.Chart.instances).forEach(function (key) {
      window.Chart.instances[key].resize();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
