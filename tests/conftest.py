"""Общие фикстуры: одна строгая сборка сайта на весь прогон и локальный сервер для Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.browser import launch, mkdocs_cmd, serve  # noqa: E402


def mkdocs_build(config: Path, site_dir: Path, site_url: str = "http://127.0.0.1:8000/",
                 extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` в отдельном процессе; возвращает код и весь журнал."""
    # Баннер Material отключает сам mkdocs.yml; переменную окружения здесь не ставим, чтобы журнал
    # был таким же, как у новичка (его проверяет test_cold_build_log_is_quiet_and_says_what_it_does).
    env = {k: v for k, v in os.environ.items() if k != "NO_MKDOCS_2_WARNING"}
    env.update(SITE_URL=site_url, **(extra_env or {}))
    return subprocess.run(
        [*mkdocs_cmd(), "build", "--strict", "-f", str(config), "-d", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def _build_site(site_dir: Path, cache_dir: Path) -> str:
    """Строгая сборка всего сайта в ``site_dir``; возвращает журнал (падает с журналом)."""
    # HB_CONFIG — другой конфиг (например, частичный при отладке); по умолчанию весь сайт.
    # Пустой кэш во временном каталоге: весь код исполняется заново, как в свежем клоне, — и
    # параллельно, по ядрам (hooks/prefill.py). Тест воспроизводимости собирает ещё раз без кэша.
    result = mkdocs_build(ROOT / os.environ.get("HB_CONFIG", "mkdocs.yml"), site_dir, SITE_URL,
                          extra_env={"HB_CACHE_DIR": str(cache_dir)})
    assert result.returncode == 0, f"mkdocs build --strict упал:\n{result.stdout}\n{result.stderr}"
    return result.stderr


# Адрес, под который собран сайт (sitemap для мгновенной навигации); каждый процесс xdist
# раздаёт ту же сборку со своего порта, ссылки в страницах относительные.
SITE_URL = "http://127.0.0.1:8000/"


@pytest.fixture(scope="session")
def site(tmp_path_factory, worker_id):
    """Собранный сайт (strict) и адрес, с которого он раздаётся.

    Сборка одна на весь прогон: при ``pytest -n 2`` её делает процесс, которому сайт понадобился
    первым, а второй ждёт на файловой блокировке и берёт готовый каталог. Так браузерные тесты
    расходятся по обоим процессам (см. pytest_collection_modifyitems).
    """
    if worker_id == "master":
        shared = tmp_path_factory.mktemp("shared")
    else:
        shared = tmp_path_factory.getbasetemp().parent / "shared-site"
        shared.mkdir(exist_ok=True)
    site_dir, done = shared / "site", shared / "build.log"
    with FileLock(str(shared / "build.lock")):
        if not done.exists():
            shutil.rmtree(site_dir, ignore_errors=True)
            done.write_text(_build_site(site_dir, shared / "cache"), encoding="utf-8")
    with serve(str(site_dir), built_for=SITE_URL) as url:
        yield {"dir": site_dir, "url": url, "log": done.read_text(encoding="utf-8")}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """PDF печатается один раз на модуль: его тесты — в одной группе xdist (``--dist loadgroup``).

    Остальные тесты, и браузерные тоже, расходятся по процессам свободно: сайт собирается один раз
    на прогон (фикстура ``site``). ``tryfirst``: xdist читает метку группы в своём обработчике
    этого же хука, и наша должна быть поставлена раньше.
    """
    for item in items:
        if item.nodeid.startswith("tests/test_pdf.py"):
            item.add_marker(pytest.mark.xdist_group("pdf"))
