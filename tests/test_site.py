"""Собранный сайт в Chromium: без ошибок консоли и внешних запросов, фигуры и формулы на месте."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks.exam import load_exam
from scripts.browser import VISIBLE_TEXT_JS, PageLog, raw_markup, wait_ready
from hooks.figdata import figure_files, page_figures

DATA = load_exam()


def pages(site_dir: Path) -> list[str]:
    """Все HTML-страницы сайта (пути относительно корня)."""
    out = []
    for p in sorted(site_dir.rglob("index.html")):
        rel = p.relative_to(site_dir).parent.as_posix()
        if not rel.startswith("assets"):
            out.append("" if rel == "." else rel + "/")
    return out


def open_page(browser, base: str, path: str, draw: bool = True, **ctx_kwargs):
    ctx = browser.new_context(**ctx_kwargs)
    page = ctx.new_page()
    log = PageLog(base).attach(page)
    page.goto(base + path, timeout=120_000)
    wait_ready(page, draw=draw)
    return ctx, page, log


SHARDS = 4  # страницы делятся на части: pytest -n 2 раздаёт их обоим процессам


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_page_loads_cleanly_offline_and_shows_no_raw_markup(site, browser, shard):
    """Каждая страница: без ошибок консоли и внешних запросов, фигуры рисуются, а в видимом
    тексте (оглавление и навигация включены, после работы скриптов) нет сырого Markdown и TeX."""
    problems = []
    all_pages = pages(site["dir"])
    assert "tickets/01-backprop/" in all_pages and "print_page/" in all_pages
    for path in all_pages[shard::SHARDS]:
        # Фигуры билетов рисует и проверяет test_every_control_of_every_figure_works, страницы
        # печати — тесты PDF.
        drawn_here = not path.startswith(("tickets/", "print_page/"))
        ctx, page, log = open_page(browser, site["url"], path, draw=drawn_here)
        for found in raw_markup(page.evaluate(VISIBLE_TEXT_JS)):
            problems.append((path, found))
        figs = page.locator(".hb-figure").count()
        loaded_plotly = any("plotly" in r for r in page.evaluate(
            "performance.getEntriesByType('resource').map(e => e.name)"))
        if log.console_errors or log.external or log.failed:
            problems.append((path, log.console_errors, log.external, log.failed))
        # Страница без фигур plotly.js не грузит; с нарисованными фигурами — грузит.
        if (figs == 0 and loaded_plotly) or (figs and drawn_here and not loaded_plotly):
            problems.append((path, f"фигур {figs}, plotly.js загружен: {loaded_plotly}"))
        if path == "tickets/01-backprop/" and not figs:
            problems.append((path, "на странице билета 1 нет фигур"))
        if figs and drawn_here:
            drawn = page.locator(".hb-figure .main-svg").count()
            if drawn < figs:
                problems.append((path, f"нарисовано {drawn} из {figs} фигур"))
        if page.locator(".katex-error").count():
            problems.append((path, "ошибка KaTeX"))
        ctx.close()
    assert not problems, "\n".join(map(str, problems))


def test_figures_draw_lazily_when_they_near_the_screen(site, browser):
    """Открытие страницы не грузит plotly.js; фигура рисуется, когда до неё докрутили."""
    ctx, page, log = open_page(browser, site["url"], "tickets/01-backprop/", draw=False)
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert not any("plotly" in r for r in loaded), "plotly.js загружен до прокрутки к фигуре"
    assert page.locator("#t01-grad-norms[data-hb-drawn]").count() == 0
    # Секции вне экрана имеют оценочную высоту, а у экрана — настоящую: после прокрутки фигура
    # может сместиться; докручиваем, пока она не окажется на экране.
    page.wait_for_function("""() => {
      const el = document.getElementById('t01-grad-norms');
      el.scrollIntoView({block: 'center'});
      const r = el.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    }""", timeout=60_000, polling=500)
    page.wait_for_selector("#t01-grad-norms[data-hb-drawn] .main-svg", timeout=60_000)
    assert not log.console_errors
    ctx.close()


def test_ticket1_formulas_and_figures(site, browser):
    ctx, page, log = open_page(browser, site["url"], "tickets/01-backprop/")
    assert page.locator(".katex").count() > 100
    assert page.locator(".katex-display").count() > 10
    assert page.locator("#t01-activations .main-svg").count() >= 1
    assert page.locator("#t01-grad-norms .scatterlayer .trace").count() == 6
    assert page.locator("h1").first.inner_text().startswith("Билет 1. Алгоритм обратного")
    ctx.close()


def test_dark_mode_recolours_figures(site, browser):
    colors = {}
    for scheme in ("light", "dark"):
        ctx, page, _ = open_page(browser, site["url"], "tickets/01-backprop/", color_scheme=scheme)
        colors[scheme] = page.evaluate(
            "document.getElementById('t01-activations')._fullLayout.font.color")
        ctx.close()
    assert colors == {"light": "#1f2328", "dark": "#e3e5ea"}


def test_palette_toggle_redraws_figures(site, browser):
    ctx, page, _ = open_page(browser, site["url"], "tickets/01-backprop/", color_scheme="light")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function("document.getElementById('t01-activations')._fullLayout.font.color"
                           " === '#e3e5ea'")
    ctx.close()


def test_instant_navigation_draws_figures_and_math(site, browser):
    ctx, page, log = open_page(browser, site["url"], "")
    assert page.locator(".hb-figure").count() == 0
    page.evaluate("window.__hbMarker = 42")
    page.locator("a[href$='tickets/01-backprop/']").first.click()
    page.wait_for_url("**/tickets/01-backprop/")
    page.wait_for_selector("#t01-activations", state="attached", timeout=60_000)
    wait_ready(page)
    assert page.evaluate("window.__hbMarker") == 42, "навигация не была мгновенной"
    assert page.locator("#t01-activations .main-svg").count() >= 1
    assert page.locator(".katex").count() > 100
    assert not log.console_errors and not log.external
    ctx.close()


@pytest.mark.parametrize("width", [390])
def test_phone_width_has_no_horizontal_page_scroll(site, browser, width):
    ctx, page, _ = open_page(browser, site["url"], "tickets/01-backprop/",
                             viewport={"width": width, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    ctx.close()


CARTESIAN = {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
             "image", "pie", "scatter", "scatterternary", "violin"}


def test_trace_types_are_in_the_bundle(site):
    """Сайт отдаёт сборку plotly.js cartesian: все трассы книги должны в ней быть."""

    used = {}
    for page in site["dir"].rglob("*.html"):
        for fig in page_figures(page.read_text(encoding="utf-8"), page):
            for trace in fig["data"]:
                used.setdefault(trace.get("type", "scatter"), page.relative_to(site["dir"]).as_posix())
    assert used, "на сайте нет ни одной фигуры"
    extra = {t: p for t, p in used.items() if t not in CARTESIAN}
    assert not extra, f"трассы не из сборки cartesian (нужна другая сборка plotly.js): {extra}"
    size = (site["dir"] / "assets" / "js" / "plotly.min.js").stat().st_size
    assert size < 2_000_000, f"plotly.min.js весит {size} байт: отдаётся полная сборка?"


def test_abbreviations_have_tooltips(site):
    html = (site["dir"] / "tickets" / "01-backprop" / "index.html").read_text(encoding="utf-8")
    assert '<abbr title="выпрямленная линейная функция (rectified linear unit)">ReLU</abbr>' in html


@pytest.mark.parametrize("ticket", DATA["tickets"], ids=lambda t: t["id"])
def test_ticket_pages_have_explorable_figures_within_the_weight_budget(site, ticket):
    """Не меньше 4 фигур на билет, из них не меньше 2 с элементом управления; данные фигур
    страницы — не больше 250 КБ."""

    page = site["dir"] / ticket["page"].removesuffix(".md") / "index.html"
    html_text = page.read_text(encoding="utf-8")
    assert "data-figure='" not in html_text, "данные фигур остались в HTML страницы"
    figs = page_figures(html_text, page)
    explorable = [f for f in figs if f["layout"].get("sliders") or f["layout"].get("updatemenus")
                  or f.get("frames")]
    weight = sum(p.stat().st_size for p in figure_files(html_text, page))
    assert len(figs) >= 4, f"{ticket['page']}: фигур {len(figs)}, нужно не меньше 4"
    assert len(explorable) >= 2, f"{ticket['page']}: исследуемых фигур {len(explorable)}, нужно 2"
    assert weight <= 250_000, f"{ticket['page']}: данные фигур {weight / 1000:.0f} КБ > 250 КБ"


CONTROLS_JS = """async () => {
  const out = [];
  for (const el of document.querySelectorAll('.hb-figure')) {
    const lay = el._hbFig.layout;
    const controls = [...(lay.sliders || []).map(s => s.steps), ...(lay.updatemenus || []).map(m => m.buttons)];
    for (const steps of controls) {
      for (const st of steps || []) {
        const a = st.args || [];
        try {
          if (st.method === 'update') await Plotly.update(el, a[0] || {}, a[1] || {});
          else if (st.method === 'restyle') await Plotly.restyle(el, a[0] || {}, a[1]);
          else if (st.method === 'relayout') await Plotly.relayout(el, a[0] || {});
          else if (st.method === 'animate') await Plotly.animate(el, a[0], Object.assign({}, a[1] || {}, {transition: {duration: 0}, frame: {duration: 0, redraw: true}}));
          else continue;
          const visible = el._fullData.filter(t => t.visible === true).length;
          if (!visible) out.push(el.id + ': после «' + st.label + '» не видно ни одной трассы');
        } catch (e) { out.push(el.id + ': «' + st.label + '»: ' + e); }
      }
    }
  }
  return out;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_every_control_of_every_figure_works(site, browser, width):
    """Каждое положение каждого ползунка и каждая кнопка фигур билетов применяются без ошибок и
    оставляют на фигуре видимые трассы — на ширине компьютера и телефона."""
    problems = []
    for t in DATA["tickets"]:
        path = t["page"].removesuffix(".md") + "/"
        ctx, page, log = open_page(browser, site["url"], path, viewport={"width": width, "height": 900})
        problems += page.evaluate(CONTROLS_JS)
        problems += [f"{path}: {e}" for e in log.console_errors]
        ctx.close()
    assert not problems, "\n".join(problems)
