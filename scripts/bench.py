"""Замеры бюджетов справочника одной командой (`make bench`), как их получает новичок.

1. Холодная сборка `mkdocs build --strict` в свежем клоне (пустой `.cache/`) — и, для сравнения,
   холодная сборка коммита d7f6879 (до параллельного исполнения) в том же прогоне.
2. Перезапуск `mkdocs serve --dirty` с тёплым кэшем после правки прозы во всех главах.
3. Правка прозы каждой из 14 глав под `mkdocs serve --dirty`: время до новой версии; худшая.
4. Вес страниц (без фигур и с фигурами), PDF всей книги.
Lighthouse — отдельно: `python scripts/lighthouse.py <сайт>` (нужен npm-пакет lighthouse).

Бюджеты: правка ≤ 1,5 с на любой главе; перезапуск ≤ 25 % холодной сборки; холодная сборка
≤ 0,6 × d7f6879; PDF ≤ 120 с.
"""

from __future__ import annotations

import argparse
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

from hooks.exam import load_exam  # noqa: E402
from scripts.browser import PageLog, free_port, launch, serve, wait_ready  # noqa: E402

BASELINE = "d7f6879"
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")


def clone(rev: str, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", rev], check=True)
    return dest


def cold_build(repo: Path, site: Path, port: int) -> float:
    shutil.rmtree(repo / ".cache", ignore_errors=True)
    env = dict(ENV, SITE_URL=f"http://127.0.0.1:{port}/")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
                   cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8")
    except OSError:
        return None


class Server:
    """`mkdocs serve --dirty` в клоне; время до первой отдачи страницы."""

    def __init__(self, repo: Path) -> None:
        self.repo, self.port = repo, free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        start = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{self.port}"],
            cwd=repo, env=dict(ENV, SITE_URL=self.base),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 900
        while fetch(self.base) is None:
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("mkdocs serve не поднялся")
            time.sleep(0.2)
        self.startup = time.perf_counter() - start

    def edit(self, page: str) -> float:
        """Дописывает абзац прозы в главу; секунды до его появления на сервере."""
        path = self.repo / "docs" / page
        url = self.base + page.removesuffix(".md") + "/"
        marker = f"Проверочная фраза {time.time_ns()}."
        start = time.perf_counter()
        path.write_text(path.read_text(encoding="utf-8") + f"\n\n{marker}\n", encoding="utf-8")
        while marker not in (fetch(url) or ""):
            if time.perf_counter() - start > 300:
                raise RuntimeError(f"правка {page} не появилась за 300 с")
            time.sleep(0.05)
        return time.perf_counter() - start

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def page_weights(site_dir: Path) -> dict[str, tuple[int, bool]]:
    """Байты, которые загрузил Chromium (несжатые, без поискового индекса); грузился ли plotly.js."""
    from playwright.sync_api import sync_playwright

    out = {}
    with serve(str(site_dir)) as base, sync_playwright() as pw:
        browser = launch(pw)
        for name, path in [("главная", ""), ("билет 1, открытие", "tickets/01-backprop/")]:
            page = browser.new_page()
            PageLog(base).attach(page)
            page.goto(base + path)
            wait_ready(page, draw=False)
            entries = page.evaluate("""() => [performance.getEntriesByType('navigation')[0],
                ...performance.getEntriesByType('resource')].map(e => [e.name, e.decodedBodySize])""")
            out[name] = (sum(s for u, s in entries if "search_index" not in u),
                         any("plotly" in u for u, _ in entries))
            page.close()
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-baseline", action="store_true", help="без сборки d7f6879")
    args = ap.parse_args()
    print(f"{time.strftime('%Y-%m-%d')}: {os.cpu_count()} ядра, Python {sys.version.split()[0]}",
          flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    repo = clone("HEAD", tmp / "repo")
    port = free_port()
    cold = cold_build(repo, tmp / "site", port)
    print(f"холодная сборка --strict, свежий клон:       {cold:6.1f} с", flush=True)
    if not args.no_baseline:
        base = clone(BASELINE, tmp / "base")
        old = cold_build(base, tmp / "site-base", port)
        print(f"то же для {BASELINE}:                      {old:6.1f} с  "
              f"(отношение {cold / old:.2f}, бюджет ≤ 0,60)", flush=True)
    chapters = [t["page"] for t in load_exam()["tickets"]]
    server = Server(repo)
    print(f"первый запуск serve --dirty (кэш от сборки): {server.startup:6.1f} с", flush=True)
    times = {}
    for page in chapters:
        times[page] = server.edit(page)
        print(f"  правка прозы {page:38s} {times[page]:5.2f} с", flush=True)
    server.stop()
    worst = max(times, key=times.get)
    print(f"худшая правка: {worst} — {times[worst]:.2f} с (бюджет 1,5 с)")
    server = Server(repo)  # перезапуск после правок прошлой сессии, кэш тёплый
    server.stop()
    print(f"перезапуск serve с тёплым кэшем:            {server.startup:6.1f} с  "
          f"({server.startup / cold:.0%} холодной сборки, бюджет ≤ 25 %)", flush=True)
    for name, (size, plotly) in page_weights(tmp / "site").items():
        print(f"загружено: {name:20s} {size / 1e6:5.2f} МБ, plotly.js: {'да' if plotly else 'нет'}")
    index = (tmp / "site" / "search" / "search_index.json").stat().st_size
    print(f"поисковый индекс: {index / 1e6:.2f} МБ")
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "pdf.py"), "--site", str(tmp / "site"),
                    "--out", str(tmp / "handbook.pdf")], check=True, stdout=subprocess.DEVNULL)
    print(f"PDF всей книги:                             {time.perf_counter() - start:6.1f} с  (бюджет 120 с)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
