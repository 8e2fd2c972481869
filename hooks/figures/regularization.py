"""Figures of the chapter 正則化 / Regularisation: dropout masks (train vs eval), batch normalisation before and
after, and the running statistics that evaluation uses (from dlref)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from dlref import regularization as R

from . import figure

LAYERS = [4, 6, 6, 2]  # units per layer of the small network drawn


def _network(ax, keep: list[list[bool]], title: str) -> None:
    """Draw a fully connected net; dropped units hollow and crossed, their connections removed."""
    xs = [k * 1.0 for k in range(len(LAYERS))]
    pos = [[(x, (n - 1) / 2 - i) for i in range(n)] for x, n in zip(xs, LAYERS)]
    for layer in range(len(LAYERS) - 1):
        for i, (x0, y0) in enumerate(pos[layer]):
            for j, (x1, y1) in enumerate(pos[layer + 1]):
                if keep[layer][i] and keep[layer + 1][j]:
                    ax.plot([x0, x1], [y0, y1], color="0.55", lw=0.6, zorder=1)
    for layer, units in enumerate(pos):
        for i, (x, y) in enumerate(units):
            if keep[layer][i]:
                ax.scatter([x], [y], s=160, color="C0", zorder=2)
            else:
                ax.scatter([x], [y], s=160, facecolors="white", edgecolors="0.6", zorder=2)
                ax.scatter([x], [y], s=60, marker="x", color="C3", zorder=3)
    ax.set_title(title, fontsize=10)
    ax.set_xlim(-0.4, xs[-1] + 0.4)
    ax.set_ylim(-3.2, 3.2)
    ax.axis("off")


@figure("dropout-mask")
def dropout_mask() -> plt.Figure:
    """Two training iterations (two different sub-networks, p = 0.5 on the hidden layers) and evaluation."""
    g = torch.Generator().manual_seed(3)
    panels = []
    for it in (1, 2):
        hidden = [(R.dropout(torch.ones(n, dtype=torch.float64), p=0.5, generator=g) != 0).tolist()
                  for n in LAYERS[1:-1]]
        panels.append(([[True] * LAYERS[0], *hidden, [True] * LAYERS[-1]], f"training, iteration {it}"))
    panels.append(([[True] * n for n in LAYERS], "evaluation: all units"))
    fig, axes = plt.subplots(1, 3, figsize=(8.4, 3.0))
    for ax, (keep, title) in zip(axes, panels):
        _network(ax, keep, title)
    fig.text(0.5, 0.02, r"kept units are scaled by $1/(1-p) = 2$ in training; dropout is off in evaluation",
             ha="center", fontsize=9)
    return fig


def _channels() -> torch.Tensor:
    """Pre-activations z of 3 channels with very different means and spreads, 512 values each."""
    g = torch.Generator().manual_seed(0)
    z = torch.randn(512, 3, generator=g, dtype=torch.float64)
    return z * torch.tensor([0.5, 2.0, 1.0], dtype=torch.float64) + torch.tensor([-3.0, 1.0, 6.0], dtype=torch.float64)


@figure("batch-norm-distributions")
def batch_norm_distributions() -> plt.Figure:
    """Histograms of 3 channels before BN (z) and after the normalisation (ẑ, γ = 1, β = 0)."""
    z = _channels()
    ones, zeros = torch.ones(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    z_hat, _, _ = R.batch_norm(z, None, None, zeros, ones)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.0))
    for c in range(3):
        axes[0].hist(z[:, c].tolist(), bins=40, alpha=0.55, density=True, label=f"channel {c + 1}")
        axes[1].hist(z_hat[:, c].tolist(), bins=40, alpha=0.55, density=True, label=f"channel {c + 1}")
    axes[0].set_title("before BN: $z$")
    axes[1].set_title(r"after normalisation: $\hat{z}$ (mean 0, variance 1)")
    axes[0].set_xlabel("$z$")
    axes[1].set_xlabel(r"$\hat{z}$")
    axes[1].set_xlim(axes[0].get_xlim())
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


@figure("running-statistics")
def running_statistics() -> plt.Figure:
    """Batch statistics (used in training) and running statistics (used in evaluation) over 100 steps."""
    g = torch.Generator().manual_seed(0)
    mean_true, var_true, n = 2.0, 4.0, 16
    rm, rv = torch.zeros(1, dtype=torch.float64), torch.ones(1, dtype=torch.float64)
    mu_b, var_b, run_m, run_v = [], [], [rm.item()], [rv.item()]
    for _ in range(100):
        z = mean_true + var_true**0.5 * torch.randn(n, 1, generator=g, dtype=torch.float64)
        _, rm, rv = R.batch_norm(z, None, None, rm, rv, momentum=0.1)
        mu_b.append(z.mean().item())
        var_b.append(z.var(unbiased=False).item())
        run_m.append(rm.item())
        run_v.append(rv.item())
    steps = list(range(1, 101))
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.0))
    for ax, batch, run, true, name in [(axes[0], mu_b, run_m, mean_true, r"\mu"),
                                       (axes[1], var_b, run_v, var_true, r"\sigma^2")]:
        ax.plot(steps, batch, ".", ms=4, color="0.55", label=rf"${name}_B$ (batch, training)")
        ax.plot(range(0, 101), run, lw=2, label=rf"${name}_{{\mathrm{{run}}}}$ (running, evaluation)")
        ax.axhline(true, color="k", lw=0.8, ls="--", label="population")
        ax.set_xlabel("training step")
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_title(r"mean, momentum $\alpha = 0.1$")
    axes[1].set_title(r"variance, batch size $m = 16$")
    fig.tight_layout()
    return fig
