// Рисует фигуры справочника. Данные фигуры — JSON в отдельном файле
// (<div class="hb-figure" data-figure-src="…/assets/figures/….json">, см. hooks/figdata.py) или,
// в HTML вне сборки, в атрибуте data-figure (snippets/_plotting.py). Файл скачивается, когда
// фигура подходит к экрану.
// plotly.js (локальный файл рядом с этим скриптом) загружается один раз и только когда первая
// фигура подходит к экрану; каждая фигура рисуется при приближении к экрану. Работает после мгновенной навигации (document$ Material) и
// перекрашивает фигуры при смене светлой/тёмной темы.
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var plotlySrc = new URL("plotly.min.js", here || window.location.href).href;
  var loading = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = plotlySrc;
        s.onload = function () { resolve(window.Plotly); };
        s.onerror = function () { reject(new Error("не загрузился " + plotlySrc)); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function isDark() {
    return (document.body.getAttribute("data-md-color-scheme") || "default") === "slate"
      && !window.matchMedia("print").matches;
  }

  // Цвета фона, текста и сетки под текущую тему; цвета трасс не трогаем.
  function themed(layout) {
    var dark = isDark();
    var fg = dark ? "#e3e5ea" : "#1f2328";
    var grid = dark ? "rgba(255,255,255,0.14)" : "rgba(0,0,0,0.10)";
    var line = dark ? "rgba(255,255,255,0.45)" : "rgba(0,0,0,0.45)";
    var out = JSON.parse(JSON.stringify(layout || {}));
    out.paper_bgcolor = "rgba(0,0,0,0)";
    out.plot_bgcolor = "rgba(0,0,0,0)";
    out.font = Object.assign({}, out.font, { color: fg });
    if (out.title && typeof out.title === "object") {
      out.title.font = Object.assign({}, out.title.font, { color: fg });
    }
    var keys = Object.keys(out).filter(function (k) { return /^[xy]axis\d*$/.test(k); });
    if (keys.indexOf("xaxis") < 0) keys.push("xaxis");
    if (keys.indexOf("yaxis") < 0) keys.push("yaxis");
    keys.forEach(function (k) {
      out[k] = Object.assign({}, out[k], { gridcolor: grid, linecolor: line, zerolinecolor: line });
    });
    delete out.template;  // шаблон уже «впечатан» в layout на сервере, цвета — здесь
    return out;
  }

  function figureOf(el) {
    if (el._hbFigP) return el._hbFigP;
    var src = el.getAttribute("data-figure-src");
    var got = src
      ? fetch(new URL(src, document.baseURI).href).then(function (r) {
          if (!r.ok) throw new Error("не загрузились данные фигуры " + src);
          return r.json();
        })
      : Promise.resolve(JSON.parse(el.getAttribute("data-figure")));
    el._hbFigP = got.then(function (fig) { el._hbFig = fig; return fig; });
    return el._hbFigP;
  }

  function draw(el, Plotly) {
    return figureOf(el).then(function (fig) {
      var config = { responsive: true, displaylogo: false, locale: "ru",
                     modeBarButtonsToRemove: ["select2d", "lasso2d"] };
      return Plotly.react(el, fig.data, themed(fig.layout), config);
    }).then(function () {
      el.setAttribute("data-hb-drawn", "1");
    });
  }

  function drawEls(els) {
    if (!els.length) return Promise.resolve();
    // Данные фигур и plotly.js качаются одновременно.
    Array.prototype.forEach.call(els, function (el) { figureOf(el).catch(function () {}); });
    return loadPlotly().then(function (Plotly) {
      return Promise.all(Array.prototype.map.call(els, function (el) { return draw(el, Plotly); }));
    }).catch(function (err) { console.error(err); });
  }

  // Все фигуры страницы сразу (печать, тесты, смена темы уже нарисованных).
  function drawAll() {
    if (window.hbStampAll) window.hbStampAll();
    return drawEls(document.querySelectorAll(".hb-figure"));
  }
  window.hbDrawFigures = drawAll;

  // Фигура рисуется, когда подходит к экрану: plotly.js грузится только при первой такой
  // фигуре, и открытие страницы не ждёт ни его, ни отрисовки всех фигур.
  var observer = null;
  function observe() {
    if (observer) observer.disconnect();
    var els = document.querySelectorAll(".hb-figure:not([data-hb-drawn])");
    if (!els.length) return;
    if (!("IntersectionObserver" in window)) { drawAll(); return; }
    observer = new IntersectionObserver(function (entries) {
      var near = entries.filter(function (e) { return e.isIntersecting; })
                        .map(function (e) { observer.unobserve(e.target); return e.target; });
      drawEls(near);
    }, { rootMargin: "300px 0px" });
    els.forEach(function (el) { observer.observe(el); });
  }

  window.hbObserveFigures = observe;  // секции, вставленные позже (assets/js/sections.js)

  if (window.document$) window.document$.subscribe(observe);
  else document.addEventListener("DOMContentLoaded", observe);

  // Смена темы: Material меняет атрибут data-md-color-scheme у <body>.
  new MutationObserver(function () {
    if (window.Plotly) drawEls(document.querySelectorAll(".hb-figure[data-hb-drawn]"));
  })
    .observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  // Печать: светлые цвета и ширина страницы; обещание — для скрипта PDF.
  function forPrint() {
    if (!window.Plotly) return Promise.resolve();
    return Promise.all(Array.prototype.map.call(
      document.querySelectorAll(".hb-figure[data-hb-drawn]"), function (el) {
        return window.Plotly.relayout(el, themed(el._hbFig.layout)).then(function () {
          return window.Plotly.Plots.resize(el);
        });
      }));
  }
  window.hbForPrint = forPrint;
  window.addEventListener("beforeprint", forPrint);
})();
