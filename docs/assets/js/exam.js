// Тренажёр экзамена и отметки «знаю / повторить». Всё хранится в браузере (localStorage),
// без сервера и учётных записей. Данные об экзамене — assets/exam.json (из data/exam.yml);
// план ответа и короткий ответ берутся со страниц билетов, так что текст не дублируется.
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var siteRoot = new URL("../../", here || window.location.href).href;  // assets/js/ -> корень
  var KEY = "hb-progress", HISTORY = "hb-history";
  var examData = null;

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function getExam() {
    if (!examData) examData = fetch(siteRoot + "assets/exam.json").then(function (r) { return r.json(); });
    return examData;
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  // --- Отметки «знаю / повторить» -------------------------------------------------------
  // Кнопки уже в HTML (hooks/exam.py: mark_buttons); здесь — состояние и нажатия.
  function wireMarks(box) {
    if (box._hbWired) return;
    box._hbWired = true;
    var id = box.getAttribute("data-id");
    box.querySelectorAll("button").forEach(function (b) {
      b.addEventListener("click", function () {
        var progress = load(KEY, {});
        var state = b.getAttribute("data-state");
        progress[id] = progress[id] === state ? undefined : state;
        save(KEY, progress);
        paint(box);
      });
    });
    paint(box);
  }
  function paint(box) {
    var state = load(KEY, {})[box.getAttribute("data-id")];
    box.querySelectorAll("button").forEach(function (b) {
      var on = b.getAttribute("data-state") === state;
      b.classList.toggle("hb-on", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }
  function markButtons(id) {  // то же, что mark_buttons в hooks/exam.py
    var box = el("span", { "class": "hb-mark", "data-id": id });
    [["know", "знаю"], ["review", "повторить"]].forEach(function (pair) {
      box.appendChild(el("button", { type: "button", "data-state": pair[0], "aria-label": pair[1] }));
    });
    wireMarks(box);
    return box;
  }
  function addMarks() {
    document.querySelectorAll(".md-content .hb-mark[data-id]").forEach(wireMarks);
  }

  // --- Прогресс на главной ---------------------------------------------------------------
  function showProgress(exam, box) {
    var progress = load(KEY, {});
    box.innerHTML = "";
    [["Билеты", exam.tickets.filter(function (t) { return !t.appendix; })],
     ["Теоретический минимум", exam.theory]].forEach(function (pair) {
      var items = pair[1];
      var known = items.filter(function (x) { return progress[x.id] === "know"; }).length;
      var review = items.filter(function (x) { return progress[x.id] === "review"; });
      var row = el("div", { "class": "hb-progress-row" });
      row.appendChild(el("strong", {}, pair[0] + ": знаю " + known + " из " + items.length));
      var bar = el("progress", { max: String(items.length), value: String(known) });
      row.appendChild(bar);
      if (review.length) {
        var list = el("div", { "class": "hb-review" }, "Повторить: ");
        review.forEach(function (x, i) {
          var a = el("a", { href: siteRoot + x.url }, x.title || ("вопрос " + x.number));
          if (i) list.appendChild(document.createTextNode(", "));
          list.appendChild(a);
        });
        row.appendChild(list);
      }
      box.appendChild(row);
    });
    var reset = el("button", { type: "button", "class": "md-button" }, "Сбросить отметки");
    reset.addEventListener("click", function () { save(KEY, {}); showProgress(exam, box); });
    box.appendChild(reset);
  }

  // --- Тренажёр ---------------------------------------------------------------------------
  function mulberry32(seed) {  // детерминированный ГПСЧ: одинаковый seed — одинаковый билет
    return function () {
      seed = (seed + 0x6D2B79F5) | 0;
      var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function draw(exam, seed) {
    var rnd = mulberry32(seed);
    var tickets = exam.tickets.filter(function (t) { return !t.appendix; });
    var ticket = tickets[Math.floor(rnd() * tickets.length)];
    var others = exam.theory.filter(function (q) { return q.ticket !== ticket.id; });
    return { ticket: ticket, question: others[Math.floor(rnd() * others.length)] };
  }
  function fetchPart(url, pick) {
    return fetch(siteRoot + url.split("#")[0]).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      // Отложенные секции глав (hooks/sections.py) — в <template>: достаём содержимое.
      doc.querySelectorAll("section.hb-defer > template").forEach(function (t) {
        t.replaceWith(t.content);
      });
      return pick(doc, url.split("#")[1]);
    });
  }
  function planOf(doc) {
    var plan = doc.querySelector(".admonition.abstract");
    return plan ? plan.cloneNode(true) : el("p", {}, "План ответа ещё не написан.");
  }
  function shortAnswerOf(doc, id) {
    // Короткий ответ — блок «Коротко» (.admonition.answer) под заголовком вопроса.
    // На страницах глав содержимое между заголовками обёрнуто в <section class="hb-sec">
    // (hooks/sections.py): ищем и внутри такой секции сразу за заголовком.
    var h = doc.getElementById(id), box = el("div", { "class": "hb-short" });
    var p = h && h.nextElementSibling;
    if (p && p.classList.contains("hb-sec")) p = p.firstElementChild;
    while (p && !/^H[1-4]$/.test(p.tagName) && !p.classList.contains("answer")) p = p.nextElementSibling;
    var found = p && p.classList.contains("answer");
    box.appendChild(found ? p.cloneNode(true) : el("p", {}, "Короткий ответ ещё не написан."));
    return box;
  }
  function runSimulator(exam, root) {
    var params = new URLSearchParams(window.location.search);
    var seed = parseInt(params.get("seed"), 10);
    if (!(seed >= 0)) {
      seed = Math.floor(Math.random() * 1e6);
      params.set("seed", String(seed));
      history.replaceState(null, "", "?" + params.toString());
    }
    var pick = draw(exam, seed);
    root.innerHTML = "";
    var link = el("p", { "class": "hb-seed" }, "Вытянуто с seed = " + seed + " (ссылку на эту страницу можно отправить: билет будет тот же). ");
    var again = el("a", { href: "?seed=" + Math.floor(Math.random() * 1e6), "class": "hb-again" }, "Тянуть другой билет");
    link.appendChild(again);
    root.appendChild(link);
    var t = el("div", { "class": "hb-draw" });
    t.appendChild(el("h2", { id: "hb-ticket" }, pick.ticket.title));
    t.appendChild(el("p", { id: "hb-question" }, "Вопрос теорминимума " + pick.question.number + ". " + pick.question.text));
    root.appendChild(t);

    var minutes = parseInt(params.get("min"), 10) || 20, left = minutes * 60, timer = null;
    var clock = el("span", { id: "hb-clock", "class": "hb-clock" });
    function tick() {
      clock.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left <= 0) { clearInterval(timer); timer = null; clock.classList.add("hb-over"); }
      left -= 1;
    }
    tick();
    var start = el("button", { type: "button", "class": "md-button md-button--primary", id: "hb-start" }, "Старт подготовки");
    start.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; start.textContent = "Продолжить"; return; }
      timer = setInterval(tick, 1000); start.textContent = "Пауза";
    });
    var reveal = el("button", { type: "button", "class": "md-button", id: "hb-reveal" }, "Показать план и короткий ответ");
    var answer = el("div", { id: "hb-answer" });
    reveal.addEventListener("click", function () {
      reveal.disabled = true;
      Promise.all([fetchPart(pick.ticket.url, planOf), fetchPart(pick.question.url, shortAnswerOf)])
        .then(function (parts) {
          answer.appendChild(el("h3", {}, "План ответа по билету"));
          answer.appendChild(parts[0]);
          answer.appendChild(el("h3", {}, "Короткий ответ на вопрос " + pick.question.number));
          answer.appendChild(parts[1]);
          var more = el("p");
          more.appendChild(el("a", { href: siteRoot + pick.ticket.url }, "Билет целиком"));
          more.appendChild(document.createTextNode(" · "));
          more.appendChild(el("a", { href: siteRoot + pick.question.url }, "Ответ на вопрос целиком"));
          answer.appendChild(more);
          answer.appendChild(el("p", {}, "Как прошло? Отметка попадёт в прогресс на главной:"));
          var marks = el("p", { "class": "hb-marks" });
          marks.appendChild(el("span", {}, "Билет: "));
          marks.appendChild(markButtons(pick.ticket.id));
          marks.appendChild(el("span", {}, " Вопрос: "));
          marks.appendChild(markButtons(pick.question.id));
          answer.appendChild(marks);
          var log = load(HISTORY, []);
          log.unshift({ date: new Date().toISOString().slice(0, 16).replace("T", " "), seed: seed,
                        ticket: pick.ticket.number, question: pick.question.number });
          save(HISTORY, log.slice(0, 50));
        });
    });
    var controls = el("p", { "class": "hb-controls" });
    [clock, start, reveal].forEach(function (c) { controls.appendChild(c); });
    root.appendChild(controls);
    root.appendChild(answer);
    var hist = load(HISTORY, []);
    if (hist.length) {
      root.appendChild(el("h3", {}, "История тренировок"));
      var ul = el("ul", { id: "hb-history" });
      hist.slice(0, 10).forEach(function (h) {
        var li = el("li"), a = el("a", { href: "?seed=" + h.seed }, h.date + ": билет " + h.ticket + ", вопрос " + h.question);
        li.appendChild(a); ul.appendChild(li);
      });
      root.appendChild(ul);
    }
  }

  function init() {
    addMarks();
    var sim = document.getElementById("hb-exam");
    var prog = document.getElementById("hb-progress");
    if (!sim && !prog) return;  // данные экзамена нужны только тренажёру и главной
    getExam().then(function (exam) {
      if (sim) runSimulator(exam, sim);
      if (prog) showProgress(exam, prog);
    }).catch(function (err) { console.error("exam.js: " + err); });
  }
  if (window.document$) window.document$.subscribe(init);
  else document.addEventListener("DOMContentLoaded", init);
})();
