"""Figures that combine several checks' outcomes (the gallery of ``adaptopt verify``).

Each figure is drawn from the outcome dicts of ``results.json`` when the checks it needs are
among them, so one ``adaptopt verify --only ...`` command reproduces it (see :data:`GALLERY`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures import style


def _by_id(outcomes) -> dict:
    return {o["id"]: o for o in outcomes if o.get("x")}


def sgdol_step_sizes(outcomes, stem) -> bool:
    """SGDOL's learned step η_t L against t for several noise levels, with the derived prediction."""
    chosen = [o for o in outcomes if o["id"].startswith("P1-SGDOL-STEP-") and o.get("x")]
    if not chosen:
        return False
    fig, ax = style.new_axes()
    for o in chosen:
        L = 2.0
        x = np.asarray(o["x"])
        line, = ax.loglog(x, L * np.asarray(o["mean"]), marker="o", markersize=3,
                          label=f"{o['id'].rsplit('-', 1)[-1]}: measured")
        ax.loglog(x, L * np.asarray(o["theory_curve"]), linestyle="--", color=line.get_color(),
                  label="(α + S_t)/(α + S_t + tσ²)")
    ax.set_xlabel("iteration t")
    ax.set_ylabel("η_t L")
    top = ax.secondary_xaxis("top", functions=(lambda t: 2 * t, lambda c: c / 2))
    top.set_xlabel("oracle calls (2 per iteration)")
    ax.set_title("SGDOL: the learned step size", fontsize=10, pad=28)
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    style.save(fig, Path(stem))
    return True


def pl_schedules(outcomes, stem) -> bool:
    """E-EC-1: last-iterate error of every schedule on F1 (σ = 1), with the derived levels."""
    by_id = _by_id(outcomes)
    series = [("P1-EXP-PL-LEVEL-S1", "exponential"), ("P1-COS-PL-LEVEL-S1", "cosine"),
              ("P1-SQRT-PL-S1", "η0/√t"), ("F-SGD-PL-CONST-PLATEAU", "constant"), ("F-SGD-PL-INV-T", "tuned 1/t")]
    present = [(by_id[i], label) for i, label in series if i in by_id]
    if len(present) < 2:
        return False
    fig, ax = style.new_axes()
    for o, label in present:
        line, = ax.loglog(o["x"], o["mean"], marker="o", markersize=3, label=label)
        if o["claim_kind"] == "prediction":
            ax.loglog(o["x"], o["theory_curve"], linestyle="--", color=line.get_color(), linewidth=1)
    ax.set_xlabel("T")
    ax.set_ylabel("E f(x_{T+1}) − f*")
    ax.set_title("PL, σ = 1: schedules (dashed: derived levels)", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    style.save(fig, Path(stem))
    return True


def adaptivity(outcomes, stem) -> bool:
    """E-EC-3: errors against σ and the (σ, η0) map of the exponential step."""
    by_id = _by_id(outcomes)
    if "P1-ADAPTIVITY-MAP" not in by_id:
        return False
    extra = by_id["P1-ADAPTIVITY-MAP"]["extra"]
    sigmas = np.asarray(extra["sigmas"])
    fig, (left, middle, right) = style.plt.subplots(1, 3, figsize=(15, 3.8), constrained_layout=True)
    for name, values in extra["errors"].items():
        left.loglog(sigmas, values, marker="o", markersize=3, label=f"{name} (fixed η0 = 1/L)")
    left.loglog(sigmas, extra["best_tuned"], color="k", linestyle="--", label="best tuned per σ")
    fixed = np.asarray(extra["ratios"]["constant tuned at the largest sigma"]) * np.asarray(extra["best_tuned"])
    left.loglog(sigmas, fixed, color="grey", linestyle=":", label="constant tuned at largest σ")
    left.set_xlabel("σ")
    left.set_ylabel(f"E f(x_{{T+1}}) − f*, T = {extra['T']}")
    left.legend(fontsize=7)
    left.grid(True, which="both", alpha=0.3)
    for name, values in extra["ratios"].items():
        middle.loglog(sigmas, values, marker="o", markersize=3, label=name)
    middle.set_xlabel("σ")
    middle.set_ylabel("error / best tuned baseline")
    middle.legend(fontsize=7)
    middle.grid(True, which="both", alpha=0.3)
    ratio = np.asarray(extra["heatmap"]) / np.asarray(extra["best_tuned"])[:, None]
    image = right.pcolormesh(np.asarray(extra["heatmap_eta0_L"]), sigmas, np.log10(ratio), shading="nearest",
                             cmap="viridis")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("η0 L (exponential step, β = 1)")
    right.set_ylabel("σ")
    fig.colorbar(image, ax=right, label="log10(error / best tuned)")
    fig.suptitle("Adaptivity to the noise level (F1-4)", fontsize=10)
    style.save(fig, Path(stem))
    return True


def linear_rates(outcomes, stem) -> bool:
    """E-EC-2: noiseless last-iterate error, cosine against T and exponential against T/ln T."""
    by_id = _by_id(outcomes)
    panels = [(by_id.get("P1-COS-LINEAR"), "cosine", lambda T: T, "T"),
              (by_id.get("P1-EXP-LINEAR"), "exponential", lambda T: T / np.log(T), "T / ln T")]
    panels = [p for p in panels if p[0] is not None]
    if not panels:
        return False
    fig, axes = style.plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), constrained_layout=True,
                                   squeeze=False)
    for ax, (o, name, transform, label) in zip(axes[0], panels):
        x = transform(np.asarray(o["x"], dtype=float))
        ax.semilogy(x, o["mean"], marker="o", markersize=3, label=f"{name}: measured")
        if o.get("fit_line"):
            ax.semilogy(transform(np.asarray(o["fit_line"][0], dtype=float)), o["fit_line"][1], linewidth=2,
                        alpha=0.7, label=o["measured_text"])
        ax.set_xlabel(label)
        ax.set_ylabel("f(x_{T+1}) − f*")
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
    fig.suptitle("Linear rates without noise (F1-d, d = 20)", fontsize=10)
    style.save(fig, Path(stem))
    return True


#: Gallery figures: file stem, drawing function, and the command that reproduces it.
GALLERY = (
    ("sgdol_step_sizes", sgdol_step_sizes, "adaptopt verify --only 'P1-SGDOL-STEP-*'"),
    ("pl_schedules", pl_schedules, "adaptopt verify --only 'P1-*-PL-*-S1' P1-SQRT-PL-S1 'F-SGD-PL-*'"),
    ("adaptivity", adaptivity, "adaptopt verify --only P1-ADAPTIVITY-MAP"),
    ("linear_rates", linear_rates, "adaptopt verify --only P1-COS-LINEAR P1-EXP-LINEAR"),
)


def make_gallery(outcomes, folder) -> list:
    """Draw every gallery figure whose checks are among ``outcomes``; returns the stems written."""
    written = []
    for name, draw, _command in GALLERY:
        stem = Path(folder) / name
        if draw(outcomes, stem):
            written.append(stem)
    return written
