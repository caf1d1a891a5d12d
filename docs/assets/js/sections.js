// Отложенные секции глав (<section class="hb-sec hb-defer"><template>…</template></section>,
// см. hooks/sections.py): содержимое вставляется в документ, когда секция подходит к экрану
// (за 2000 px), а остальные — по одной, когда браузер свободен. Перед печатью, при переходе
// к якорю внутри отложенной секции и в тестах (window.hbStampAll) — все сразу.
(function () {
  "use strict";
  var observer = null;

  function stamp(sec) {
    var tpl = sec.querySelector(":scope > template");
    if (observer) observer.unobserve(sec);
    sec.classList.remove("hb-defer");
    if (!tpl) return;
    sec.appendChild(tpl.content);
    tpl.remove();
    if (window.hbObserveFigures) window.hbObserveFigures();
  }
  function pending() { return document.querySelectorAll("section.hb-defer"); }
  function stampAll() { Array.prototype.forEach.call(pending(), stamp); }
  window.hbStampAll = stampAll;

  var later = window.requestIdleCallback || function (cb) {
    return setTimeout(function () { cb({ timeRemaining: function () { return 10; } }); }, 50);
  };
  function idle(deadline) {
    var list = pending(), i = 0;
    while (i < list.length && deadline.timeRemaining() > 8) stamp(list[i++]);
    if (pending().length) later(idle);
  }

  // Якорь внутри отложенной секции (рисунок, строка кода): сначала вставить всё.
  function showTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (id && !document.getElementById(id) && pending().length) {
      stampAll();
      var el = document.getElementById(id);
      if (el) el.scrollIntoView();
    }
  }

  function init() {
    if (observer) observer.disconnect();
    var list = pending();
    if (!list.length) return;
    showTarget();
    if ("IntersectionObserver" in window) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { if (e.isIntersecting) stamp(e.target); });
      }, { rootMargin: "2000px 0px" });
      Array.prototype.forEach.call(list, function (s) { observer.observe(s); });
    }
    later(idle);
  }

  if (window.document$) window.document$.subscribe(init);
  else document.addEventListener("DOMContentLoaded", init);
  window.addEventListener("hashchange", showTarget);
  window.addEventListener("beforeprint", stampAll);
})();
