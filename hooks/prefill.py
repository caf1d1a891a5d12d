"""Холодная сборка на всех ядрах: код страниц и ноутбуков исполняется заранее, в параллель.

Перед сборкой хук смотрит, чей код ещё не исполнен (страницы, у которых в кэше нет отпечатка
их блоков, и ноутбуки без кэша mkdocs-jupyter). Если таких две единицы и больше, он делит их на
процессы по числу ядер (самые тяжёлые — первыми, каждому — наименее загруженный процесс) и
запускает в каждом ``mkdocs build`` только его страниц. Процессы заполняют кэш, а основная
сборка потом берёт весь вывод из него. Журнал говорит, что исполняется и сколько заняло.

Отпечаток страницы — хэш текста её блоков ``exec="on"`` и входов (см. hooks/cache.py): правка
прозы его не меняет. ``HB_NO_CACHE=1`` или ``HB_JOBS=1`` выключают предварительный проход.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hooks import cache
from hooks.generated import notebooks

log = logging.getLogger("mkdocs.plugins.hb-prefill")
WORKER = "HB_PREFILL_WORKER"


def pending(files, config, inputs: str) -> list[tuple[str, str, float]]:
    """Что исполнять из этой сборки: (вид, путь, вес) — страницы без отпечатка, ноутбуки без кэша."""
    out = []
    built = {f.src_uri for f in files}
    docs = Path(config["docs_dir"])
    for uri in sorted(u for u in built if u.endswith(".md")):
        path = docs / uri
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        blocks = cache.exec_blocks(text)
        if blocks and not cache.is_done(uri, text, inputs):
            out.append(("page", uri, float(len(blocks))))
    import mkdocs_jupyter.plugin as nbplugin

    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None and plugin.config["cache"]:
        cfg = dict(plugin.config)
        for p in (nb for nb in notebooks() if f"practice/{nb.name}" in built):
            key = nbplugin._compute_cache_key(str(p), cfg, cfg["execute"])
            if not nbplugin._get_cache_path(cfg["cache_dir"], key).exists():
                out.append(("notebook", p.name, 25.0))  # ноутбук — десятки блоков обучения
    return out


def split(items: list[tuple[str, str, float]], n: int) -> list[list[tuple[str, str, float]]]:
    """Жадное разбиение по весу: самый тяжёлый — в наименее загруженную группу.

    >>> [[i[1] for i in g] for g in split([("page", "a", 5), ("page", "b", 4), ("page", "c", 3)], 2)]
    [['a'], ['b', 'c']]
    """
    groups: list[list] = [[] for _ in range(n)]
    load = [0.0] * n
    for item in sorted(items, key=lambda i: -i[2]):
        k = load.index(min(load))
        groups[k].append(item)
        load[k] += item[2]
    return [g for g in groups if g]


def _worker_config(group, site_dir: str, config) -> str:
    pages = [uri for kind, uri, _ in group if kind == "page"]
    cfg = {
        "INHERIT": str(config.config_file_path or ROOT / "mkdocs.yml"),
        "strict": False,
        "site_dir": site_dir,
        "docs_dir": str(config["docs_dir"]),
        "exclude_docs": "*.md\n!index.md\nincludes/\n" + "".join(f"!{p}\n" for p in pages),
        "nav": [{"Главная": "index.md"}, *pages],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=ROOT, prefix=".prefill-",
                                     delete=False, encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, allow_unicode=True)
        return f.name


def _relay(proc: subprocess.Popen, n: int, counter: dict, lock: threading.Lock, total: int) -> None:
    for line in proc.stderr:
        line = line.rstrip()
        msg = line.split("-  ", 1)[-1] if line.startswith(("INFO", "WARNING", "ERROR")) else line
        if msg.startswith("исполнено:") or msg.startswith("Converting notebook"):
            with lock:
                if msg.startswith("исполнено:"):
                    counter["done"] += 1
                    log.info(f"[{counter['done']}/{total}] процесс {n}: {msg}")
                else:
                    log.info(f"процесс {n}: ноутбук {Path(msg.split(': ', 1)[-1]).name}")
        elif "[страница docs/" in line or "KaTeX" in line or line.startswith("ERROR"):
            # Ошибки кода и формул; предупреждения о ссылках и nav частичной сборки — не наши.
            log.info(f"процесс {n}: {line}")


def run_workers(groups, total: int, config) -> None:
    start = time.perf_counter()
    procs, threads, configs, sites = [], [], [], []
    counter, lock = {"done": 0}, threading.Lock()
    for n, group in enumerate(groups, 1):
        site = tempfile.mkdtemp(prefix="hb-prefill-")
        cfg = _worker_config(group, site, config)
        configs.append(cfg)
        sites.append(site)
        notebooks_here = ",".join(uri for kind, uri, _ in group if kind == "notebook")
        env = dict(os.environ, **{WORKER: "1", "HB_NOTEBOOKS": notebooks_here,
                                  "NO_MKDOCS_2_WARNING": "1"})
        names = ", ".join(Path(uri).stem for _, uri, _ in group)
        log.info(f"процесс {n}: {names}")
        proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "-f", cfg], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t = threading.Thread(target=_relay, args=(proc, n, counter, lock, total), daemon=True)
        t.start()
        procs.append(proc)
        threads.append(t)
    try:
        for proc, t in zip(procs, threads):
            proc.wait()
            t.join()
    finally:
        for cfg in configs:
            Path(cfg).unlink(missing_ok=True)
        import shutil

        for site in sites:
            shutil.rmtree(site, ignore_errors=True)
    log.info(f"код исполнен за {time.perf_counter() - start:.1f} с; собираю сайт из кэша")


@event_priority(-100)  # после hooks/generated.py: ноутбуки уже в списке файлов
def on_files(files, config, **kwargs):
    jobs = int(os.environ.get("HB_JOBS", os.cpu_count() or 1))
    if os.environ.get(WORKER) or not cache.ENABLED or jobs < 2:
        return files
    todo = pending(files, config, cache._state["inputs"] or cache.inputs_hash())
    if len(todo) < 2:
        return files
    groups = split(todo, min(jobs, len(todo)))
    log.info(f"исполняю код {len(todo)} страниц и ноутбуков в {len(groups)} процессах "
             f"(первая сборка; дальше — из кэша .cache/)")
    run_workers(groups, total=sum(1 for kind, _, _ in todo if kind == "page"), config=config)
    return files
