"""Shared figure settings: a non-interactive backend and one look for every figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

#: Colours: measured curve, confidence band, theory, fitted line.
MEASURED = "#1f77b4"
THEORY = "#d62728"
FIT = "#2ca02c"
FIGSIZE = (5.2, 3.6)
DPI = 150


def new_axes():
    fig, ax = plt.subplots(figsize=FIGSIZE, constrained_layout=True)
    return fig, ax


def save(fig, stem) -> None:
    """Write ``stem.png`` and ``stem.pdf`` and close the figure."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(stem.with_suffix(".png"), dpi=DPI)
    fig.savefig(stem.with_suffix(".pdf"))
    plt.close(fig)
