"""Прокрутка глав на ширине телефона при 4-кратном замедлении CPU: длинные задачи во время прокрутки.

    mkdocs build --strict && python scripts/scroll_check.py tickets/09-transformers/ tickets/11-gan/

Печатает по главе: высоту, число длинных задач главного потока (и больше 200 мс), самую длинную,
сколько фигур нарисовано и сколько отложенных секций осталось не вставленными.
"""
import sys, json
sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent.parent))
from playwright.sync_api import sync_playwright
from scripts.browser import serve, launch
with serve(str(__import__('pathlib').Path(__file__).resolve().parent.parent / 'site'), gzip=True, built_for='http://127.0.0.1:8000/') as base, sync_playwright() as pw:
    b = launch(pw)
    for path in sys.argv[1:]:
        ctx = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page); cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        page.add_init_script("window.__lt=[];new PerformanceObserver(l=>{for(const e of l.getEntries())window.__lt.push([Math.round(e.startTime),Math.round(e.duration)])}).observe({type:'longtask',buffered:true});")
        page.goto(base + path, wait_until="load"); page.wait_for_timeout(1500)
        start = page.evaluate("performance.now()")
        h = page.evaluate("document.documentElement.scrollHeight")
        y = 0
        while y < h:
            page.mouse.wheel(0, 700); page.wait_for_timeout(120); y += 700
            h = page.evaluate("document.documentElement.scrollHeight")
        page.wait_for_timeout(1000)
        lt = [d for s, d in page.evaluate("window.__lt") if s >= start]
        drawn = page.locator(".hb-figure[data-hb-drawn]").count(); figs = page.locator(".hb-figure").count()
        left = page.evaluate("document.querySelectorAll('section.hb-defer').length")
        print(f"{path}: прокрутка {h} px; длинных задач {len(lt)}, > 200 мс: {sum(d > 200 for d in lt)}, макс {max(lt) if lt else 0} мс; фигур нарисовано {drawn}/{figs}; отложенных секций осталось {left}")
        ctx.close()
    b.close()
