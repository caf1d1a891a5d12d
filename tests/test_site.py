"""Собранный сайт в Chromium: без ошибок консоли и внешних запросов, фигуры и формулы на месте."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.browser import PageLog, wait_ready


def pages(site_dir: Path) -> list[str]:
    """Все HTML-страницы сайта (пути относительно корня)."""
    out = []
    for p in sorted(site_dir.rglob("index.html")):
        rel = p.relative_to(site_dir).parent.as_posix()
        if not rel.startswith("assets"):
            out.append("" if rel == "." else rel + "/")
    return out


def open_page(browser, base: str, path: str, **ctx_kwargs):
    ctx = browser.new_context(**ctx_kwargs)
    page = ctx.new_page()
    log = PageLog(base).attach(page)
    page.goto(base + path)
    wait_ready(page)
    return ctx, page, log


def test_every_page_loads_cleanly_and_offline(site, browser):
    problems = []
    plotly_on = []
    for path in pages(site["dir"]):
        ctx, page, log = open_page(browser, site["url"], path)
        figs = page.locator(".hb-figure").count()
        loaded_plotly = any("plotly" in r for r in page.evaluate(
            "performance.getEntriesByType('resource').map(e => e.name)"))
        if log.console_errors or log.external or log.failed:
            problems.append((path, log.console_errors, log.external, log.failed))
        if loaded_plotly != (figs > 0):
            problems.append((path, f"фигур {figs}, plotly.js загружен: {loaded_plotly}"))
        if figs:
            plotly_on.append(path)
            drawn = page.locator(".hb-figure .main-svg").count()
            if drawn < figs:
                problems.append((path, f"нарисовано {drawn} из {figs} фигур"))
        if page.locator(".katex-error").count():
            problems.append((path, "ошибка KaTeX"))
        ctx.close()
    assert not problems, "\n".join(map(str, problems))
    assert "tickets/01-backprop/" in plotly_on


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
    import html as html_lib
    import json
    import re

    used = {}
    for page in site["dir"].rglob("*.html"):
        for raw in re.findall(r'data-figure="([^"]*)"', page.read_text(encoding="utf-8")):
            for trace in json.loads(html_lib.unescape(raw))["data"]:
                used.setdefault(trace.get("type", "scatter"), page.relative_to(site["dir"]).as_posix())
    assert used, "на сайте нет ни одной фигуры"
    extra = {t: p for t, p in used.items() if t not in CARTESIAN}
    assert not extra, f"трассы не из сборки cartesian (нужна другая сборка plotly.js): {extra}"
    size = (site["dir"] / "assets" / "js" / "plotly.min.js").stat().st_size
    assert size < 2_000_000, f"plotly.min.js весит {size} байт: отдаётся полная сборка?"


def test_abbreviations_have_tooltips(site):
    html = (site["dir"] / "tickets" / "01-backprop" / "index.html").read_text(encoding="utf-8")
    assert '<abbr title="выпрямленная линейная функция (rectified linear unit)">ReLU</abbr>' in html
