"""Звук билета 10 — отдельные файлы сайта (assets/audio/*.wav), а не data URI в HTML.

Страница ссылается на файлы (``audio_table(..., base=...)``, ``preload="none"``): браузер грузит
запись, только когда читатель нажал «играть», а HTML страницы легче на ~300 КБ. Имена файлов —
хэш содержимого, поэтому сборки детерминированы и ссылка не может указывать на чужую запись.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def on_files(files, config, **kwargs):
    from snippets.audio_augment import audio_files

    for name, data in audio_files().items():
        files.append(File.generated(config, f"assets/audio/{name}", content=data))
    return files
