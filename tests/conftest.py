"""Общие фикстуры: одна строгая сборка сайта на весь прогон и локальный сервер для Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.browser import free_port, launch, mkdocs_cmd, serve  # noqa: E402


def mkdocs_build(config: Path, site_dir: Path, site_url: str = "http://127.0.0.1:8000/",
                 extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` в отдельном процессе; возвращает код и весь журнал."""
    env = dict(os.environ, SITE_URL=site_url, NO_MKDOCS_2_WARNING="1", **(extra_env or {}))
    return subprocess.run(
        [*mkdocs_cmd(), "build", "--strict", "-f", str(config), "-d", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """Собранный сайт (strict) и адрес, с которого он раздаётся."""
    site_dir = tmp_path_factory.mktemp("site")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    # HB_CONFIG — другой конфиг (например, частичный при отладке); по умолчанию весь сайт.
    # Пустой кэш во временном каталоге: весь код исполняется заново, как в свежем клоне, — и
    # параллельно, по ядрам (hooks/prefill.py). Тест воспроизводимости собирает ещё раз без кэша.
    cache_dir = tmp_path_factory.mktemp("cache")
    result = mkdocs_build(ROOT / os.environ.get("HB_CONFIG", "mkdocs.yml"), site_dir, base,
                          extra_env={"HB_CACHE_DIR": str(cache_dir)})
    assert result.returncode == 0, f"mkdocs build --strict упал:\n{result.stdout}\n{result.stderr}"
    with serve(str(site_dir), port) as url:
        assert url == base
        yield {"dir": site_dir, "url": url, "log": result.stderr}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Тесты собранного сайта и браузера — в одной группе xdist: сайт собирается один раз, а
    модульные тесты идут на другом ядре параллельно (``pytest -n 2 --dist loadgroup``).

    ``tryfirst``: xdist читает метку группы в своём обработчике этого же хука, и наш должен
    успеть её поставить (иначе группа не действует и каждый процесс собирает сайт сам)."""
    for item in items:
        if {"site", "browser", "book"} & set(getattr(item, "fixturenames", ())) \
                or item.nodeid.startswith("tests/test_hooks.py"):
            item.add_marker(pytest.mark.xdist_group("site"))
