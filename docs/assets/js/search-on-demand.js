// Поисковый индекс (~0,4 МБ в gzip) качается, когда читатель взялся за поиск, а не при каждом
// открытии страницы: на телефоне его загрузка отнимала полосу у самой главы. Material запрашивает
// индекс через XMLHttpRequest при запуске; отправку этого запроса мы откладываем до фокуса или
// нажатия на поле поиска, горячих клавиш поиска (/, s, f) или адреса с ?q=. Скрипт встроен в
// <head> (hooks/assets.py), чтобы успеть до bundle.js Material.
(function () {
  "use strict";
  var proto = XMLHttpRequest.prototype, open = proto.open, send = proto.send;
  var waiting = [], wanted = /[?&]q=/.test(window.location.search);
  proto.open = function (method, url) {
    this._hbUrl = String(url);
    return open.apply(this, arguments);
  };
  proto.send = function (body) {
    if (!wanted && /\/search\/search_index\.json(\?|$)/.test(this._hbUrl || "")) {
      waiting.push([this, body]);
      return;
    }
    return send.apply(this, arguments);
  };
  function want() {
    if (wanted) return;
    wanted = true;
    waiting.splice(0).forEach(function (w) { send.call(w[0], w[1]); });
  }
  window.hbLoadSearch = want;
  function inSearch(t) { return t && t.closest && t.closest(".md-search, label[for='__search']"); }
  document.addEventListener("focusin", function (e) { if (inSearch(e.target)) want(); }, true);
  document.addEventListener("pointerdown", function (e) { if (inSearch(e.target)) want(); }, true);
  document.addEventListener("change", function (e) { if (e.target && e.target.id === "__search") want(); }, true);
  document.addEventListener("keydown", function (e) {
    if (["/", "s", "S", "f", "F"].indexOf(e.key) >= 0) want();
  }, true);
})();
