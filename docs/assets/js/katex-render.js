// Формулы: pymdownx.arithmatex (generic) оставляет \( … \) и \[ … \] в элементах .arithmatex,
// локальный KaTeX рисует их при каждой загрузке страницы, в том числе после мгновенной навигации.
(function () {
  "use strict";
  function strip(tex, display) {
    tex = tex.trim();
    if (display) return tex.replace(/^\\\[/, "").replace(/\\\]$/, "");
    return tex.replace(/^\\\(/, "").replace(/\\\)$/, "");
  }
  function renderAll() {
    document.querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.getAttribute("data-hb-math")) return;
      var display = el.tagName === "DIV";
      var tex = strip(el.textContent, display);
      try {
        katex.render(tex, el, { displayMode: display, throwOnError: true, strict: "ignore",
                                output: "htmlAndMathml" });
      } catch (err) {
        console.error("KaTeX: " + err.message + " в формуле: " + tex);
        katex.render(tex, el, { displayMode: display, throwOnError: false });
      }
      el.setAttribute("data-hb-math", "1");
    });
  }
  window.hbRenderMath = renderAll;
  if (window.document$) window.document$.subscribe(renderAll);
  else document.addEventListener("DOMContentLoaded", renderAll);
})();
