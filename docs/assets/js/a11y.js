// Доступные имена элементам темы, у которых их нет (поиск-диалог и индикатор загрузки Material):
// без них Lighthouse/axe отмечают нарушения aria-dialog-name и aria-progressbar-name.
(function () {
  "use strict";
  function name(selector, label) {
    document.querySelectorAll(selector).forEach(function (el) {
      if (!el.getAttribute("aria-label")) el.setAttribute("aria-label", label);
    });
  }
  function run() {
    name(".md-search[role=dialog]", "Поиск по справочнику");
    name(".md-progress[role=progressbar]", "Загрузка страницы");
  }
  if (window.document$) window.document$.subscribe(run);
  else document.addEventListener("DOMContentLoaded", run);
})();
