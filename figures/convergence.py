"""Convergence figure of one check: the Monte-Carlo mean with its 95 % band, the theory, the fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures import style


def plot_outcome(outcome: dict, stem) -> Path:
    """Draw a verify outcome (a dict from ``results.json``) to ``stem.png`` and ``stem.pdf``.

    Log-log axes for rates, bounds and plateaus; semilog-y against t for linear rates. The band
    is the normal 95 % confidence interval of the mean over seeds; the theory curve uses the
    problem's own constants; the fitted line and its slope are annotated when the claim is a fit.
    """
    stem = Path(stem)
    x = np.asarray(outcome["x"], dtype=float)
    mean = np.asarray(outcome["mean"], dtype=float)
    lower = np.clip(np.asarray(outcome["lower"], dtype=float), np.finfo(float).tiny, None)
    upper = np.asarray(outcome["upper"], dtype=float)
    fig, ax = style.new_axes()
    ax.set_yscale("log")
    if outcome["axis"] == "loglog":
        ax.set_xscale("log")
    ax.fill_between(x, lower, upper, color=style.MEASURED, alpha=0.25, linewidth=0, label="95% CI of the mean")
    ax.plot(x, mean, color=style.MEASURED, marker="o", markersize=3, label=f"measured ({outcome['n_seeds']} seeds)")
    if outcome.get("theory_curve") is not None:
        ax.plot(x, outcome["theory_curve"], color=style.THEORY, linestyle="--",
                label=f"theory ({outcome['source_kind']})")
    if outcome.get("fit_line") is not None:
        fx, fy = outcome["fit_line"]
        ax.plot(fx, fy, color=style.FIT, linewidth=2, alpha=0.8, label=f"fit: {outcome['measured_text']}")
    extra = outcome.get("extra") or {}
    ax.set_xlabel(extra.get("x_label", "T" if outcome["axis"] == "loglog" else "t"))
    calls = extra.get("calls_per_step", 1)
    if calls != 1:
        top = ax.secondary_xaxis("top", functions=(lambda t: calls * t, lambda c: c / calls))
        top.set_xlabel(f"oracle calls ({calls} per iteration)")
    ax.set_ylabel(outcome["metric"])
    ax.set_title(f"{outcome['id']}: {outcome['status']}", fontsize=10, pad=28 if calls != 1 else 6)
    ax.legend(fontsize=7, loc="best")
    ax.grid(True, which="both", alpha=0.3)
    style.save(fig, stem)
    return stem
