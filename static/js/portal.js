// Small behaviours shared by every page. Pages work without this file; it only makes them nicer.
document.addEventListener("htmx:responseError", function (event) {
  // Show the server's error page text instead of silently doing nothing.
  var target = document.getElementById("messages");
  if (!target) return;
  var div = document.createElement("div");
  div.className = "alert alert-danger";
  div.setAttribute("role", "alert");
  div.textContent = (document.documentElement.lang.indexOf("zh") === 0 ? "请求失败：" : "Request failed: ") + event.detail.xhr.status;
  target.appendChild(div);
});
// Forms with data-autosubmit re-query the list as the user types or picks a filter: through htmx where the form
// has hx-get, otherwise as a plain submit.
document.addEventListener("change", function (event) {
  var form = event.target.closest("form[data-autosubmit]");
  if (!form) return;
  if (form.hasAttribute("hx-get")) { if (window.htmx) htmx.trigger(form, "submit"); }
  else form.requestSubmit();
});
// A record's tabs: the link of the tab whose content htmx just swapped in (its data-tab) is the active one.
document.addEventListener("htmx:afterSwap", function (event) {
  var shown = event.target.querySelector("[data-tab]");
  if (!shown) return;
  document.querySelectorAll(".nav-tabs .nav-link").forEach(function (a) {
    a.classList.toggle("active", a.getAttribute("href") === "?tab=" + shown.dataset.tab);
  });
});
// Progress bars take their width from data-percent: set from here, since the Content-Security-Policy refuses
// style="" attributes (a property set by a script is allowed).
function portalProgressBars() {
  document.querySelectorAll(".progress-bar[data-percent]").forEach(function (bar) {
    bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.percent) || 0)) + "%";
  });
}
document.addEventListener("DOMContentLoaded", portalProgressBars);
document.addEventListener("htmx:afterSwap", portalProgressBars);
// Charts: an element with data-chart="ID" draws the ECharts options in <script id="ID">, built on the server by
// talentportal/charts.py. A point that carries a link opens the list it counts. ECharts (1 MB) is loaded only on
// pages that have a chart. Text is drawn on canvas (richText tooltips), so names in the data can never become markup.
// Numbers as leads read them (options.portalFormat, set by talentportal/charts.py): 12.5万 and 3.2亿 in Chinese,
// 12.5k in English; counts whole; the value axis's unit (万元, 人) after a tooltip's value. Figures whose unit is
// already in 万 or 亿, or a share (25000 万元, 37 %), are never scaled again (as charts.in_wan does on the server).
var portalCharts = [];
function portalNumber(value, whole, unscaled) {
  if (value === null || value === undefined || value === "-" || isNaN(value)) return "-";
  var n = Number(value), abs = Math.abs(n), zh = document.documentElement.lang.indexOf("zh") === 0;
  var short = function (x) { return String(Number(x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2))); };
  if (unscaled) return n.toLocaleString(zh ? "zh-CN" : "en-US", { maximumFractionDigits: whole ? 0 : 2 });
  if (zh && abs >= 1e8) return (n < 0 ? "-" : "") + short(abs / 1e8) + "亿";
  if (zh && abs >= 1e4) return (n < 0 ? "-" : "") + short(abs / 1e4) + "万";
  if (!zh && abs >= 1e6) return (n < 0 ? "-" : "") + short(abs / 1e6) + "M";
  if (!zh && abs >= 1e4) return (n < 0 ? "-" : "") + short(abs / 1e3) + "k";
  return n.toLocaleString(zh ? "zh-CN" : "en-US", { maximumFractionDigits: whole ? 0 : 2 });
}
function portalChartFormat(options) {
  var format = options.portalFormat;
  if (!format || !options.yAxis) return options;
  var whole = format === "count", unit = options.yAxis.name || "", unscaled = /^[万亿%]/.test(unit);
  options.yAxis.axisLabel = Object.assign({}, options.yAxis.axisLabel, {
    formatter: function (value) { return portalNumber(value, whole, unscaled); }
  });
  options.tooltip = Object.assign({}, options.tooltip, {
    valueFormatter: function (value) {
      return portalNumber(value, whole, unscaled) + (unit && value != null ? " " + unit : "");
    }
  });
  return options;
}
// Printing (A4 landscape): the charts are drawn again at the printed width, and back after.
if (window.matchMedia) {
  var portalPrint = window.matchMedia("print");
  var portalResize = function () { portalCharts.forEach(function (chart) { chart.resize(); }); };
  if (portalPrint.addEventListener) portalPrint.addEventListener("change", portalResize);
  window.addEventListener("beforeprint", portalResize);
  window.addEventListener("afterprint", portalResize);
}
function portalDrawCharts(root) {
  var targets = (root || document).querySelectorAll("[data-chart]");
  if (!targets.length) return;
  var draw = function () {
    targets.forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source || el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var chart = echarts.init(el);
      chart.setOption(portalChartFormat(JSON.parse(source.textContent)));
      portalCharts.push(chart);
      chart.on("click", function (params) {
        var link = params.data && params.data.link;
        if (typeof link === "string" && link.charAt(0) === "/" && link.charAt(1) !== "/") window.location.href = link;
      });
      // Follows the element's width (a phone turned, the sidebar folded), not only the window's.
      if (window.ResizeObserver) new ResizeObserver(function () { chart.resize(); }).observe(el);
    });
  };
  if (window.echarts) { draw(); return; }
  var script = document.createElement("script");
  script.src = document.body.dataset.echartsSrc;
  script.onload = draw;
  document.head.appendChild(script);
}
document.addEventListener("DOMContentLoaded", function () { portalDrawCharts(document); });
document.addEventListener("htmx:afterSwap", function (event) { portalDrawCharts(event.target); });
// A checkbox with data-tick-all="SELECTOR" ticks or clears every checkbox the selector finds.
document.addEventListener("change", function (event) {
  var box = event.target.closest && event.target.closest("[data-tick-all]");
  if (!box) return;
  document.querySelectorAll(box.getAttribute("data-tick-all")).forEach(function (c) { c.checked = box.checked; });
});
// A select with data-moves-from="SELECTOR" offers only the options every ticked checkbox of SELECTOR allows (its
// data-moves, space-separated). With nothing ticked, or nothing in common, it and its form's submit button are
// disabled and the element named by its aria-describedby says why. The server checks every row again.
function portalSyncMoves(root) {
  (root || document).querySelectorAll("select[data-moves-from]").forEach(function (select) {
    var common = null;
    var ticked = 0;
    document.querySelectorAll(select.dataset.movesFrom).forEach(function (box) {
      if (!box.checked) return;
      ticked += 1;
      var moves = (box.dataset.moves || "").split(" ");
      common = (common || moves).filter(function (move) { return moves.indexOf(move) >= 0; });
    });
    var offered = 0;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      var allowed = !!common && common.indexOf(option.value) >= 0;
      option.disabled = option.hidden = !allowed;
      if (allowed) offered += 1;
    });
    if (select.selectedOptions.length && select.selectedOptions[0].disabled) select.value = "";
    select.disabled = !offered;
    var submit = select.form && select.form.querySelector("[type=submit]");
    if (submit) submit.disabled = !offered;
    var hint = document.getElementById(select.getAttribute("aria-describedby"));
    if (hint) hint.textContent = !ticked ? select.dataset.noneTicked : !offered ? select.dataset.noneCommon : "";
  });
}
document.addEventListener("DOMContentLoaded", function () { portalSyncMoves(document); });
document.addEventListener("htmx:afterSwap", function (event) { portalSyncMoves(event.target); });
// After the tick-all handler above, so that it sees the boxes as that one left them.
document.addEventListener("change", function (event) {
  if (event.target.type === "checkbox") portalSyncMoves(document);
});
// A submit button with data-needs="SELECTOR" is refused until that field is filled (a reason, say), and one
// with data-confirm="…" asks before its form is sent (final steps: exits, cancellations).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[data-needs], button[data-confirm]");
  if (!button) return;
  var needed = button.dataset.needs && document.querySelector(button.dataset.needs);
  if (needed && !needed.value.trim()) {
    event.preventDefault();
    needed.setCustomValidity(button.dataset.needsMessage || "");
    needed.reportValidity();
    needed.addEventListener("input", function () { needed.setCustomValidity(""); }, { once: true });
    return;
  }
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
// An ID number input with data-resident-id="TYPE" fills the empty birth date and gender fields it names
// (data-birth-date, data-gender) once a valid resident ID number is typed while the ID type (data-id-type) is TYPE.
// The server derives and checks the same on save (talents/validators.py).
function portalResidentId(value) {
  var number = value.replace(/\s+/g, "").toUpperCase();
  if (!/^[1-9]\d{16}[\dX]$/.test(number)) return null;
  var weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], sum = 0;
  for (var i = 0; i < 17; i++) sum += Number(number[i]) * weights[i];
  if ("10X98765432"[sum % 11] !== number[17]) return null;
  var birth = number.slice(6, 10) + "-" + number.slice(10, 12) + "-" + number.slice(12, 14);
  var date = new Date(birth + "T00:00:00Z");
  if (isNaN(date) || date.toISOString().slice(0, 10) !== birth) return null;
  return { birth: birth, gender: Number(number[16]) % 2 ? "male" : "female" };
}
document.addEventListener("input", function (event) {
  var input = event.target.closest && event.target.closest("input[data-resident-id]");
  if (!input) return;
  var type = document.querySelector(input.dataset.idType);
  if (type && type.value !== input.dataset.residentId) return;
  var found = portalResidentId(input.value);
  if (!found) return;
  var birth = document.querySelector(input.dataset.birthDate);
  var gender = document.querySelector(input.dataset.gender);
  if (birth && !birth.value) birth.value = found.birth;
  if (gender && !gender.value) gender.value = found.gender;
});
// A select with data-searchable="PLACEHOLDER" (a long list: countries) gets a search box above it: typing keeps the
// options whose name contains the text (or whose code is the text) and picks the first of them.
function portalSearchableSelects(root) {
  (root || document).querySelectorAll("select[data-searchable]").forEach(function (select) {
    if (select.dataset.searchReady) return;
    select.dataset.searchReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.id = select.id + "_search";
    box.placeholder = select.dataset.searchable;
    box.setAttribute("aria-label", select.dataset.searchable);
    box.setAttribute("autocomplete", "off");
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var term = box.value.trim().toLowerCase(), exact = null, first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var code = option.value.toLowerCase();
        var hit = !term || option.text.toLowerCase().indexOf(term) >= 0 || code === term;
        option.hidden = !hit;
        if (hit && code) {
          if (code === term) exact = option;
          first = first || option;
        }
      });
      if (term && (exact || first)) select.value = (exact || first).value;
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { portalSearchableSelects(document); });
document.addEventListener("htmx:afterSwap", function (event) { portalSearchableSelects(event.target); });
// A button with data-print prints the page (print styles in portal.css).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("button[data-print]")) window.print();
});
