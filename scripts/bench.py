"""Замеры бюджетов справочника одной командой (`make bench`).

Печатает: чистую сборку `mkdocs build --strict` (без кэша), пересборку с кэшем, время исполнения
кода (разность двух первых), пересборку и перезагрузку под `mkdocs serve` после правки одной
главы, вес страницы без фигур и с фигурами (как их грузит Chromium), время PDF всей книги.

Бюджеты: сборка ≤ 60 с, перезагрузка ≤ 3 с, страница без фигур не грузит plotly.js, PDF ≤ 120 с.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.browser import PageLog, free_port, launch, mkdocs_cmd, serve, wait_ready  # noqa: E402

CHAPTER = ROOT / "docs" / "tickets" / "01-backprop.md"
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")


def timed_build(site_dir: Path, site_url: str, cache: bool) -> float:
    env = dict(ENV, SITE_URL=site_url)
    if not cache:
        env["HB_NO_CACHE"] = "1"
    start = time.perf_counter()
    subprocess.run([*mkdocs_cmd(), "build", "--strict", "-q", "-d", str(site_dir)], cwd=ROOT,
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.read().decode("utf-8")
    except OSError:
        return None


def serve_reload() -> float:
    """Секунды от правки главы до её новой версии на сервере `mkdocs serve --dirty` (как в README)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/tickets/01-backprop/"
    proc = subprocess.Popen([*mkdocs_cmd(), "serve", "--dirty", "-a", f"127.0.0.1:{port}"], cwd=ROOT,
                            env=dict(ENV, SITE_URL=f"http://127.0.0.1:{port}/"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    original = CHAPTER.read_text(encoding="utf-8")
    try:
        deadline = time.time() + 300
        while fetch(url) is None:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("mkdocs serve не поднялся")
            time.sleep(0.3)
        time.sleep(2)  # наблюдатель файлов запущен
        marker = f"bench-{time.time_ns()}"
        start = time.perf_counter()
        CHAPTER.write_text(original + f"\n<!-- {marker} -->\n", encoding="utf-8")
        while marker not in (fetch(url) or ""):
            if time.perf_counter() - start > 120:
                raise RuntimeError("правка не появилась за 120 с")
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        CHAPTER.write_text(original, encoding="utf-8")
        proc.terminate()
        proc.wait(timeout=30)


def page_weights(site_dir: Path, port: int) -> dict[str, tuple[int, int, bool]]:
    """Байты, которые Chromium загрузил для страницы (несжатые): без поискового индекса и он сам
    (Material грузит его один раз за визит для поиска без сервера), и грузился ли plotly.js."""
    from playwright.sync_api import sync_playwright

    out = {}
    with serve(str(site_dir), port) as base, sync_playwright() as pw:
        browser = launch(pw)
        for name, path in [("главная (без фигур)", ""), ("билет 1 (с фигурами)", "tickets/01-backprop/")]:
            page = browser.new_page()
            PageLog(base).attach(page)
            page.goto(base + path)
            wait_ready(page)
            entries = page.evaluate("""() => [performance.getEntriesByType('navigation')[0],
                ...performance.getEntriesByType('resource')].map(e => [e.name, e.decodedBodySize])""")
            index = sum(size for u, size in entries if "search_index" in u)
            out[name] = (sum(size for _, size in entries) - index, index,
                         any("plotly" in u for u, _ in entries))
            page.close()
        browser.close()
    return out


def main() -> None:
    print(f"машина: {os.cpu_count()} ядра, Python {sys.version.split()[0]}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    shutil.rmtree(ROOT / ".cache", ignore_errors=True)
    clean = timed_build(tmp / "site", url, cache=False)
    timed_build(tmp / "site", url, cache=True)  # наполняет кэш
    cached = timed_build(tmp / "site", url, cache=True)
    print(f"чистая сборка --strict (всё исполняется): {clean:6.1f} с   (бюджет 60 с)")
    print(f"пересборка с кэшем:                        {cached:6.1f} с")
    print(f"исполнение кода и ноутбуков (разность):    {clean - cached:6.1f} с")
    print(f"serve --dirty: правка главы -> новая версия: {serve_reload():5.1f} с   (бюджет 3 с)")
    for name, (size, index, plotly) in page_weights(tmp / "site", port).items():
        print(f"вес страницы {name:22s} {size / 1e6:6.2f} МБ (+ поисковый индекс {index / 1e6:.2f} МБ), "
              f"plotly.js: {'да' if plotly else 'нет'}")
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "pdf.py"), "--site", str(tmp / "site"),
                    "--out", str(tmp / "handbook.pdf")], check=True, stdout=subprocess.DEVNULL)
    print(f"PDF всей книги:                            {time.perf_counter() - start:6.1f} с   (бюджет 120 с)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
