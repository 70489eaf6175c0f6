"""PNG charts with matplotlib, headless (the Agg canvas, no pyplot state), Chinese labels in Noto Sans CJK.

`bars` and `lines` build a matplotlib Figure (its title and axis labels readable with the Axes' getters);
`png` draws one as a PNG of `SIZE` pixels, or of `NARROW_SIZE` for a phone's screen: a narrower figure of the same
type sizes, so its letters, scaled to a phone's width, stay readable (the wide one's shrank to ~6 CSS pixels).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from functools import lru_cache

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

log = logging.getLogger(__name__)
# Debian's fonts-noto-cjk; the first one found is used. Without any, labels fall back to matplotlib's own font,
# which has no Chinese glyphs (a warning is logged once): install fonts-noto-cjk (the Dockerfile, .ci/run and
# `make test` do).
_CJK_FONTS = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansCJK-Medium.ttc")
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8, 4.5, 100
SIZE = (int(WIDTH_INCHES * DPI), int(HEIGHT_INCHES * DPI))  # width, height in pixels
NARROW_WIDTH_INCHES, NARROW_HEIGHT_INCHES, NARROW_DPI = 4.8, 4.0, 150  # for screens up to ~600 CSS pixels
NARROW_SIZE = (int(NARROW_WIDTH_INCHES * NARROW_DPI), int(NARROW_HEIGHT_INCHES * NARROW_DPI))


@lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontProperties | None:
    """The CJK font the charts are lettered in, registered with matplotlib once; None (and a warning) if absent."""
    found = {path.rsplit("/", 1)[-1]: path for path in font_manager.findSystemFonts()}
    for name in _CJK_FONTS:
        if name in found:
            font_manager.fontManager.addfont(found[name])
            return font_manager.FontProperties(fname=found[name])
    log.warning("no CJK font (%s) found: charts' Chinese labels will not render; install fonts-noto-cjk",
                ", ".join(_CJK_FONTS))
    return None


def _figure(title: str, x_label: str, y_label: str, narrow: bool) -> tuple[Figure, object]:
    size, dpi = ((NARROW_WIDTH_INCHES, NARROW_HEIGHT_INCHES), NARROW_DPI) if narrow else ((WIDTH_INCHES,
                                                                                           HEIGHT_INCHES), DPI)
    figure = Figure(figsize=size, dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    font = cjk_font()
    axes.set_title(title, fontproperties=font, fontsize=14)
    axes.set_xlabel(x_label, fontproperties=font)
    axes.set_ylabel(y_label, fontproperties=font)
    axes.grid(axis="y", alpha=0.3)
    return figure, axes


def _lettered(axes) -> None:
    font = cjk_font()
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        if font is not None:
            label.set_fontproperties(font)


def png(figure: Figure) -> bytes:
    """The figure drawn as a PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def bars(title: str, x_label: str, y_label: str, labels: Sequence[str], values: Sequence[float], *,
         narrow: bool = False) -> Figure:
    """A bar chart, one bar per label."""
    figure, axes = _figure(title, x_label, y_label, narrow)
    axes.bar(range(len(values)), values, color="#2f6fb0")
    slanted = len(labels) > (3 if narrow else 6)
    step = max(1, -(-len(labels) // (8 if narrow else 16)))  # a label every `step` bars: weeks by the dozen
    axes.set_xticks(range(0, len(labels), step), list(labels)[::step], rotation=30 if slanted else 0,
                    ha="right" if slanted else "center")
    axes.yaxis.get_major_locator().set_params(integer=True)
    _lettered(axes)
    return figure


def lines(title: str, x_label: str, y_label: str, x: Sequence[str], series: dict[str, Sequence[float | None]],
          *, percent: bool = False, narrow: bool = False) -> Figure:
    """One line per series over the same x labels; a legend when there is more than one."""
    figure, axes = _figure(title, x_label, y_label, narrow)
    for name, values in series.items():
        axes.plot(range(len(x)), [float("nan") if v is None else v for v in values], marker="o", label=name)
    step = max(1, len(x) // (6 if narrow else 12))
    axes.set_xticks(range(0, len(x), step), list(x)[::step], rotation=30, ha="right")
    if percent:
        axes.set_ylim(0, 100)
    else:
        axes.yaxis.get_major_locator().set_params(integer=True)
    if len(series) > 1:
        axes.legend(prop=cjk_font())
    _lettered(axes)
    return figure
