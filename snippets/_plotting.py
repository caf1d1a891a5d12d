"""Единый шаблон фигур справочника и вставка фигуры в страницу.

Фигура попадает в HTML как данные (JSON в атрибуте ``data-figure``), а рисует её
``docs/assets/js/figures.js``:
он подгружает локальный plotly.js один раз и только на страницах с фигурами,
перерисовывает фигуры после мгновенной навигации и при смене светлой/тёмной темы.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import plotly.io as pio

# Палитра, различимая в светлой и тёмной теме и при печати в оттенках серого.
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

TEMPLATE = go.layout.Template(
    layout=dict(
        font=dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=13),
        colorway=COLORS,
        margin=dict(l=60, r=20, t=50, b=50),
        hovermode="closest",
        legend=dict(bgcolor="rgba(0,0,0,0)"),
        xaxis=dict(zeroline=False, showline=True, ticks="outside"),
        yaxis=dict(zeroline=False, showline=True, ticks="outside"),
    )
)
pio.templates["handbook"] = TEMPLATE


def new_figure(title: str, x_title: str = "", y_title: str = "", **layout) -> go.Figure:
    """Пустая фигура в стиле справочника с русскими подписями.

    >>> fig = new_figure("Заголовок", "ось x", "ось y")
    >>> fig.layout.title.text, fig.layout.xaxis.title.text
    ('Заголовок', 'ось x')
    """
    fig = go.Figure()
    fig.update_layout(template="handbook", title=dict(text=title), xaxis_title=x_title,
                      yaxis_title=y_title, **layout)
    return fig


def show(fig: go.Figure, div_id: str, alt: str | None = None, height: int = 420,
         measured: bool = False) -> str:
    """HTML-контейнер фигуры: JSON фигуры в атрибуте ``data-figure``.

    Не ``<script type="application/json">``: мгновенная навигация Material пересоздаёт
    встроенные скрипты и пытается выполнить JSON как JavaScript.

    ``div_id`` — стабильный id (сборки детерминированы); ``alt`` — текстовая
    альтернатива для чтения с экрана (по умолчанию заголовок фигуры). ``measured=True`` —
    фигура показывает живой замер (время): её данные меняются от сборки к сборке, и тест
    воспроизводимости сравнивает всё, кроме них.

    >>> out = show(new_figure("Тест"), "fig-test")
    >>> out.startswith('<div class="hb-figure" id="fig-test"')
    True
    >>> 'data-figure="{&quot;data&quot;' in out
    True
    >>> 'data-measured' in show(new_figure("Время"), "fig-t", measured=True)
    True
    """
    if not div_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"div_id должен быть из букв, цифр, '-' и '_': {div_id!r}")
    fig.update_layout(template="handbook")
    if fig.layout.height is None:
        fig.update_layout(height=height)
    alt = alt or (fig.layout.title.text or "Интерактивная фигура")
    payload = html.escape(fig.to_json(validate=False, pretty=False), quote=True)
    mark = ' data-measured="1"' if measured else ""
    return (
        f'<div class="hb-figure" id="{div_id}" role="img" aria-label="{html.escape(alt)}" '
        f'style="min-height:{fig.layout.height}px"{mark} data-figure="{payload}">'
        f'<noscript>{html.escape(alt)}</noscript></div>'
    )


def trace_types(fig: go.Figure) -> set[str]:
    """Типы трасс фигуры (для проверки, что их рисует наша сборка plotly.js).

    >>> f = new_figure("t"); _ = f.add_scatter(x=[0], y=[0]); trace_types(f)
    {'scatter'}
    """
    return {t.type for t in fig.data}


__all__ = ["COLORS", "new_figure", "show", "trace_types"]
