"""Shared figure settings: a non-interactive backend and one look for every figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402

#: Colours: measured curve, confidence band, theory, fitted line.
MEASURED = "#1f77b4"
THEORY = "#d62728"
FIT = "#2ca02c"
FIGSIZE = (5.2, 3.6)
DPI = 150


def new_axes():
    fig, ax = plt.subplots(figsize=FIGSIZE, constrained_layout=True)
    return fig, ax


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, _position) -> str:
    """Tick label 10ⁿ in plain Unicode (matplotlib's default mathtext labels dominate the drawing time)."""
    if value <= 0:
        return ""
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)


def plain_log_labels(ax) -> None:
    """Label the major ticks of the log-scaled axes of ``ax`` as 10ⁿ without mathtext."""
    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log":
            axis.set_major_formatter(ticker.FuncFormatter(_power_of_ten))
            axis.set_minor_formatter(ticker.NullFormatter())


def save(fig, stem) -> None:
    """Write ``stem.png`` and ``stem.pdf`` and close the figure."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    for ax in fig.axes:
        plain_log_labels(ax)
    fig.savefig(stem.with_suffix(".png"), dpi=DPI)
    fig.set_layout_engine("none")  # keep the layout computed for the PNG: halves the cost of the PDF
    fig.savefig(stem.with_suffix(".pdf"))
    plt.close(fig)
