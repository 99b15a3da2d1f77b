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


def _outcome(outcomes, check_id):
    return _by_id(outcomes).get(check_id)


def loss_multiplier_heatmaps(outcomes, stem) -> bool:
    """A2: held-out error over (α, λ) per method and loss multiplier (log10 scale)."""
    o = _outcome(outcomes, "P2-LOSS-MULTIPLIER-ADAMW")
    if o is None:
        return False
    extra = o["extra"]
    maps = extra["heatmaps"]
    methods, multipliers = list(maps), extra["multipliers"]
    fig, axes = style.plt.subplots(len(methods), len(multipliers), figsize=(3.2 * len(multipliers), 2.6 * len(methods)),
                                   constrained_layout=True, squeeze=False)
    values = np.log10(np.concatenate([np.asarray(maps[m]).ravel() for m in methods]))
    lo, hi = float(values.min()), float(values.max())
    for r, method in enumerate(methods):
        for c, s in enumerate(multipliers):
            grid = np.log10(np.asarray(maps[method])[c])
            ax = axes[r][c]
            image = ax.imshow(grid, origin="lower", aspect="auto", vmin=lo, vmax=hi, cmap="viridis")
            i, j = np.unravel_index(np.argmin(grid), grid.shape)
            ax.plot(j, i, marker="*", color="white", markersize=12)
            ax.set_xticks(range(len(extra["decay_grid"])), [f"{v:g}" for v in extra["decay_grid"]], fontsize=7)
            ax.set_yticks(range(len(extra["lr_grid"])), [f"{v:g}" for v in extra["lr_grid"]], fontsize=7)
            ax.set_title(f"{method}, s = {s:g}", fontsize=9)
            if r == len(methods) - 1:
                ax.set_xlabel("λ")
            if c == 0:
                ax.set_ylabel("α")
    fig.colorbar(image, ax=axes, label="log10 held-out error (★ best)")
    style.save(fig, Path(stem))
    return True


def layer_histograms(outcomes, stem) -> bool:
    """A5: per-layer gradient norms and log2 histograms of |gradient| at initialisation."""
    o = _outcome(outcomes, "P2-DEPTH-SPREAD")
    if o is None:
        return False
    extra = o["extra"]
    fig, (left, middle, right) = style.plt.subplots(1, 3, figsize=(15, 3.6), constrained_layout=True)
    for variant, values in extra["spread"].items():
        left.semilogy(extra["depths"], values, marker="o", label=f"normalization: {variant}")
    left.set_xlabel("depth")
    left.set_ylabel("max/min per-layer gradient norm")
    left.legend(fontsize=7)
    for variant, norms in extra["layer_gradient_norms_deepest"].items():
        middle.semilogy(np.arange(1, len(norms) + 1), norms, marker="o", markersize=3, label=variant)
    middle.set_xlabel(f"layer (depth {extra['depths'][-1]})")
    middle.set_ylabel("||∇W_l||")
    middle.legend(fontsize=7)
    for variant, hist in extra["gradient_histograms_deepest"].items():
        right.step(hist["exponents"], hist["proportions"], where="mid", label=variant)
    right.set_xlabel("floor(log2 |gradient|)")
    right.set_ylabel("proportion of weights")
    right.legend(fontsize=7)
    fig.suptitle("Gradient scales across layers (tanh MLP, gain 4)", fontsize=10)
    style.save(fig, Path(stem))
    return True


def kappa_iterations(outcomes, stem) -> bool:
    """A4: iterations to tolerance against the condition number."""
    o = _outcome(outcomes, "P2-KAPPA-GD")
    if o is None:
        return False
    extra = o["extra"]
    kappas = np.asarray(extra["kappas"])
    fig, ax = style.new_axes()
    for name, times in extra["times"].items():
        ax.loglog(kappas[:len(times)], np.where(np.isfinite(times), times, np.nan), marker="o", label=name)
    ax.loglog(kappas, 0.5 * kappas * np.log(1e3), color="grey", linestyle=":", label="(κ/2) ln(1/tol)")
    ax.set_xlabel("condition number κ")
    ax.set_ylabel("iterations to max|x − x*| <= tol")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    style.save(fig, Path(stem))
    return True


def smoothness_scatter(outcomes, stem) -> bool:
    """B5: local smoothness against the gradient norm, with the fitted (L0, L1) envelope."""
    o = _outcome(outcomes, "P3-SMOOTHNESS-SELFTEST")
    if o is None:
        return False
    trajectories = o["extra"]["trajectories"]
    fig, axes = style.plt.subplots(1, len(trajectories), figsize=(5 * len(trajectories), 3.6),
                                   constrained_layout=True, squeeze=False)
    for ax, (name, data) in zip(axes[0], trajectories.items()):
        G, L = np.asarray(data["G"]), np.asarray(data["L_hat"])
        ax.loglog(G, L, ".", markersize=3, alpha=0.6, label="L̂_t along gradient descent")
        fit = data["global"]
        grid = np.geomspace(max(G.min(), 1e-300), G.max(), 50)
        ax.loglog(grid, fit["L0"] + fit["L1"] * grid, color=style.THEORY,
                  label=f"L0 + L1 G: ({fit['L0']:.3g}, {fit['L1']:.3g}), ρ = {fit['rho']:.2f}")
        ax.set_xlabel("||∇f(x_t)||")
        ax.set_ylabel("L̂_t")
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
    style.save(fig, Path(stem))
    return True


def iterations_vs_radius(outcomes, stem) -> bool:
    """B3: best iteration counts against the initial radius R, per method."""
    o = _outcome(outcomes, "P3-GD-SLOWS-WITH-GRADIENT")
    if o is None:
        return False
    extra = o["extra"]
    radii = np.asarray(extra["radii"])
    fig, ax = style.new_axes()
    for name, counts in extra["iterations"].items():
        counts = np.asarray(counts, dtype=float)
        ax.semilogy(radii, np.where(np.isfinite(counts), counts, np.nan), marker="o", label=name)
    ax.set_xlabel("initial radius R")
    ax.set_ylabel("iterations to ||∇f|| <= 1e-2 (best step)")
    top = ax.twiny()
    top.set_xlim(ax.get_xlim())
    top.set_xticks(radii, [f"{g:.0e}" for g in extra["initial_grad_inf"]], fontsize=6)
    top.set_xlabel("||∇f(x_1)||_∞")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    style.save(fig, Path(stem))
    return True


def signsgd_rates(outcomes, stem) -> bool:
    """B2: the average ||∇f||₁ against T for β2 in {0, 0.5, 0.9}, with the fitted slopes."""
    chosen = [o for o in outcomes if o["id"].startswith("P3-RATE-") and o.get("x")]
    if not chosen:
        return False
    fig, ax = style.new_axes()
    for o in chosen:
        line, = ax.loglog(o["x"], o["mean"], marker="o", markersize=3, label=f"{o['id'][3:]}: {o['measured_text']}")
        if o.get("fit_line"):
            ax.loglog(*o["fit_line"], color=line.get_color(), linestyle="--", linewidth=1)
    T = np.asarray(chosen[0]["x"], dtype=float)
    ax.loglog(T, chosen[0]["mean"][0] * (T / T[0]) ** -0.25, color="grey", linestyle=":", label="T^(-1/4)")
    ax.set_xlabel("T")
    ax.set_ylabel("(1/T) Σ ||∇f(x_t)||₁")
    ax.legend(fontsize=6)
    ax.grid(True, which="both", alpha=0.3)
    style.save(fig, Path(stem))
    return True


GALLERY = GALLERY + (
    ("loss_multiplier_heatmaps", loss_multiplier_heatmaps, "adaptopt verify --only 'P2-LOSS-MULTIPLIER-*'"),
    ("layer_histograms", layer_histograms, "adaptopt verify --only P2-DEPTH-SPREAD"),
    ("kappa_iterations", kappa_iterations, "adaptopt verify --only 'P2-KAPPA-*'"),
    ("smoothness_scatter", smoothness_scatter, "adaptopt verify --only 'P3-SMOOTHNESS-*'"),
    ("iterations_vs_radius", iterations_vs_radius, "adaptopt verify --only 'P3-GD-*' 'P3-ROBUST-*'"),
    ("signsgd_rates", signsgd_rates, "adaptopt verify --only 'P3-RATE-*'"),
)


def make_gallery(outcomes, folder) -> list:
    """Draw every gallery figure whose checks are among ``outcomes``; returns the stems written."""
    written = []
    for name, draw, _command in GALLERY:
        stem = Path(folder) / name
        if draw(outcomes, stem):
            written.append(stem)
    return written
