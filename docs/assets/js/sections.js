// Отложенные секции глав (<section class="hb-sec hb-defer"><template>…</template></section>,
// см. hooks/sections.py). Секция вставляется в документ, когда подходит к экрану (за 1200 px), а
// остальные — через 3 с после загрузки, по одной за раз, когда браузер свободен: каждая вставка —
// отдельная короткая задача, чтобы не блокировать прокрутку. Перед печатью, при переходе к якорю
// внутри отложенной секции и в тестах (window.hbStampAll) — все сразу.
(function () {
  "use strict";
  var observer = null, queue = [], queued = false, copyObserver = null;

  // Кнопка копирования у блока кода из отложенной секции — когда блок виден, та же, что у
  // Material (её нажатие обрабатывает ClipboardJS темы по атрибуту data-clipboard-target).
  function addCopyButton(pre) {
    if (pre.querySelector(":scope > nav.md-code__nav")) return;
    var nav = document.createElement("nav"), b = document.createElement("button");
    nav.className = "md-code__nav";
    b.className = "md-code__button";
    b.title = "Копировать в буфер";
    b.setAttribute("data-clipboard-target", "#" + pre.id + " > code");
    b.setAttribute("data-md-type", "copy");
    nav.appendChild(b);
    pre.insertBefore(nav, pre.querySelector(":scope > code"));
  }
  function watchCode(root) {
    var blocks = root.querySelectorAll("pre[data-hb-copy]");
    if (!("IntersectionObserver" in window)) { blocks.forEach(addCopyButton); return; }
    if (!copyObserver) {
      copyObserver = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (e.isIntersecting) { copyObserver.unobserve(e.target); addCopyButton(e.target); }
        });
      });
    }
    blocks.forEach(function (pre) { copyObserver.observe(pre); });
  }

  function stamp(sec) {
    var tpl = sec.querySelector(":scope > template");
    if (observer) observer.unobserve(sec);
    sec.classList.remove("hb-defer");
    if (!tpl) return;
    sec.appendChild(tpl.content);
    tpl.remove();
    watchCode(sec);
    if (window.hbObserveFigures) window.hbObserveFigures();
  }
  function pending() { return document.querySelectorAll("section.hb-defer"); }
  function stampAll() { Array.prototype.forEach.call(pending(), stamp); }
  window.hbStampAll = stampAll;

  // Секции у экрана — по одной за задачу, ближайшие первыми.
  function drain() {
    queued = false;
    var sec = queue.shift();
    if (sec) stamp(sec);
    if (queue.length) { queued = true; setTimeout(drain, 0); }
  }
  function enqueue(sec) {
    if (queue.indexOf(sec) < 0) queue.push(sec);
    if (!queued) { queued = true; setTimeout(drain, 0); }
  }

  function later(cb) {
    if (window.requestIdleCallback) return window.requestIdleCallback(cb, { timeout: 1000 });
    return setTimeout(function () { cb({ didTimeout: true, timeRemaining: function () { return 0; } }); }, 100);
  }
  function idle(deadline) {
    var next = pending()[0];
    if (!next) return;
    if (deadline.didTimeout || deadline.timeRemaining() > 10) stamp(next);
    later(idle);
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
    queue = [];
    var list = pending();
    if (!list.length) return;
    showTarget();
    if ("IntersectionObserver" in window) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { if (e.isIntersecting) enqueue(e.target); });
      }, { rootMargin: "1200px 0px" });
      Array.prototype.forEach.call(list, function (s) { observer.observe(s); });
    }
    setTimeout(function () { later(idle); }, 3000);
  }

  if (window.document$) window.document$.subscribe(init);
  else document.addEventListener("DOMContentLoaded", init);
  window.addEventListener("hashchange", showTarget);
  window.addEventListener("beforeprint", stampAll);
})();
