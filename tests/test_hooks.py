"""Хуки: ошибки сборки называют файл и что исправить."""

from __future__ import annotations

from pathlib import Path

import yaml

from hooks.exam import expand_label, link, load_exam, ticket_heading
from tests.conftest import ROOT, mkdocs_build

DATA = load_exam()


def test_ticket_heading_and_labels():
    assert ticket_heading(DATA["index"]["t02"]) == "Билет 2. Методы регуляризации нейронных сетей"
    assert ticket_heading(DATA["index"]["t14"]).startswith("Приложение. ")
    q = expand_label(DATA, "tickets/01-backprop.md", "###", "q01")
    assert q == "### В чём состоит идея алгоритма обратного распространения ошибки? Приведите формулы. {#q01}"
    i = expand_label(DATA, "interview/01-math.md", "###", "i03")
    assert i.startswith("### Вопрос 3. ") and "{#i03}" in i and "Подсказка" in i
    assert "../tickets/01-backprop.md" in i


def test_relative_links():
    assert link("index.md", "tickets/01-backprop.md", "q01") == "tickets/01-backprop.md#q01"
    assert link("interview/01-math.md", "tickets/01-backprop.md") == "../tickets/01-backprop.md"


def mini_site(tmp_path: Path, pages: dict[str, str]):
    """Сборка сайта из заданных страниц с конфигурацией проекта (хуки, расширения, strict)."""
    docs = tmp_path / "docs"
    for name, text in pages.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    if not (docs / "assets").exists():
        (docs / "assets").symlink_to(ROOT / "docs" / "assets")
    # Конфигурация лежит в корне репозитория: пути хуков в mkdocs.yml относительны к ней.
    cfg = ROOT / f".preview-test-{tmp_path.name}.yml"
    cfg.write_text(yaml.safe_dump({"INHERIT": "mkdocs.yml", "docs_dir": str(docs),
                                   "nav": list(pages)}, allow_unicode=True))
    try:
        return mkdocs_build(cfg, tmp_path / "site", extra_env={"HB_PREVIEW": "1"})
    finally:
        cfg.unlink()


def test_failing_code_block_fails_the_build_and_names_the_page(tmp_path):
    page = '# Тест\n\n```python exec="on"\nraise ValueError("сломано")\n```\n'
    result = mini_site(tmp_path, {"index.md": "# Главная\n", "broken.md": page})
    assert result.returncode != 0
    assert "[страница docs/broken.md]" in result.stderr
    assert "ValueError" in result.stderr and "сломано" in result.stderr


def test_missing_theory_label_fails_the_build_and_names_the_file(tmp_path):
    page = "# @t01\n\n### @q01\n\n**Ответ.**\n"  # нет @q02
    result = mini_site(tmp_path, {"index.md": "# Главная\n", "tickets/01-backprop.md": page})
    assert result.returncode != 0
    assert "tickets/01-backprop.md: нет меток @q02" in result.stderr


def test_unknown_label_fails_the_build(tmp_path):
    result = mini_site(tmp_path, {"index.md": "# Главная\n\n## @q99\n"})
    assert result.returncode != 0 and "метки @q99 нет в data/exam.yml" in result.stderr


def test_missing_snippet_file_fails_the_build(tmp_path):
    page = '# Тест\n\n```python\n--8<-- "snippets/no_such_module.py:region"\n```\n'
    result = mini_site(tmp_path, {"index.md": page})
    assert result.returncode != 0 and "no_such_module.py" in result.stderr


def test_failing_block_is_not_cached_so_the_rebuild_fails_too(tmp_path):
    page = '# Тест\n\n```python exec="on"\nraise RuntimeError("снова")\n```\n'
    for _ in range(2):
        result = mini_site(tmp_path, {"index.md": "# Главная\n", "bad.md": page})
        assert result.returncode != 0 and "RuntimeError" in result.stderr


def test_cache_key_changes_when_code_changes(tmp_path):
    from hooks.cache import INPUTS, inputs_hash

    for name in INPUTS:
        path = tmp_path / name
        if path.suffix:  # отдельный файл (hooks/runtime.py)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("# хук\n")
        else:
            path.mkdir()
    (tmp_path / "snippets" / "m.py").write_text("X = 1\n")
    before = inputs_hash(tmp_path)
    assert inputs_hash(tmp_path) == before
    (tmp_path / "snippets" / "m.py").write_text("X = 2\n")
    assert inputs_hash(tmp_path) != before
    (tmp_path / "snippets" / "m.py").write_text("X = 1\n")
    (tmp_path / "hooks" / "runtime.py").write_text("# другой хук\n")
    assert inputs_hash(tmp_path) != before  # хук, влияющий на исполнение кода, — тоже вход
    (tmp_path / "hooks" / "runtime.py").write_text("# хук\n")
    (tmp_path / "hooks" / "sections.py").write_text("# не влияет на вывод кода\n")
    assert inputs_hash(tmp_path) == before


def test_cached_output_is_reused_and_matches(tmp_path):
    page = '# Тест\n\n```python exec="on" result="text" session="s"\nx = 6 * 7\n```\n\n' \
           '```python exec="on" result="text" session="s"\nprint(x)\n```\n'
    first = mini_site(tmp_path, {"index.md": page})
    html1 = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    second = mini_site(tmp_path, {"index.md": page})
    html2 = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert first.returncode == second.returncode == 0
    assert "42" in html1 and html1 == html2
    from hooks.cache import BLOCKS
    assert any("42" in p.read_text() for p in BLOCKS.rglob("*.txt")), "вывод не попал в кэш"


def test_prose_edit_runs_no_code_and_code_edit_replays_its_session(tmp_path):
    """Ключ блока — код (свой и предыдущих блоков сессии), а не текст страницы."""
    runs = tmp_path / "runs.txt"
    runs.write_text("")

    def page(prose: str, second: str) -> str:
        tick = f"open({str(runs)!r}, 'a').write('+')"
        return (f'# Тест\n\n{prose}\n\n```python exec="on" result="text" session="s"\n'
                f'{tick}\nx = 6 * 7\n```\n\n```python exec="on" result="text" session="s"\n'
                f'{tick}\nprint({second})\n```\n')

    assert mini_site(tmp_path, {"index.md": page("Текст.", "x")}).returncode == 0
    assert runs.read_text() == "++"
    # Правка прозы: ни один блок не исполняется, вывод тот же.
    assert mini_site(tmp_path, {"index.md": page("Другой текст.", "x")}).returncode == 0
    assert runs.read_text() == "++"
    assert "42" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    # Правка второго блока: первый (из кэша) исполняется молча ради состояния сессии.
    assert mini_site(tmp_path, {"index.md": page("Другой текст.", "x + 1")}).returncode == 0
    assert runs.read_text() == "++++"
    assert "43" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_link_to_a_missing_anchor_fails_the_build_and_names_the_file(tmp_path):
    pages = {"index.md": "# Главная\n\n[туда](other.md#nope)\n", "other.md": "# Другая\n\n## Есть\n"}
    result = mini_site(tmp_path, pages)
    assert result.returncode != 0
    assert "index.md" in result.stderr and "#nope" in result.stderr


def test_glossary_entries_and_tooltips():
    from hooks.glossary import entries, glossary_table

    terms = dict(entries())
    assert len(terms) >= 50 and all("(" in v for v in terms.values()), "у каждого термина есть английское"
    assert "| **BN** | пакетная нормализация (batch normalization) |" in glossary_table()
