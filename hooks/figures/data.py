"""Figures of the chapter データ / Data: epochs, iterations and batches; gradient noise against the batch size."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle
from torch.utils.data import DataLoader

from dlref import data as D

from . import figure

N, B, E = 10, 4, 3  # samples, batch size, epochs of the timeline


def _timeline_row(ax, y: float, drop_last: bool) -> None:
    """One row: E epochs of N shuffled samples; each sample a cell, each batch a colour, dropped samples grey.

    The batches are those of the page's example, ``DataLoader(range(10), batch_size=4, shuffle=True,
    generator=torch.Generator().manual_seed(0))``; with ``drop_last=True`` the same permutations are cut short.
    """
    loader = DataLoader(range(N), batch_size=B, shuffle=True, drop_last=drop_last,
                        generator=torch.Generator().manual_seed(0))
    per_epoch = D.iterations_per_epoch(N, B, drop_last)
    used = per_epoch * B if drop_last else N  # samples an epoch uses: ⌊N/B⌋·B or N
    colours = ["#4c72b0", "#dd8452"]
    it = 0
    for e in range(E):
        batches = [batch.tolist() for batch in loader]  # what shuffle=True gives in this epoch
        assert len(batches) == per_epoch
        order = [i for batch in batches for i in batch]
        order += sorted(set(range(N)) - set(order))  # the samples drop_last leaves out this epoch
        x0 = e * (N + 1)
        for k, idx in enumerate(order):
            batch = k // B
            dropped = k >= used
            face = "#d0d0d0" if dropped else colours[(it + batch) % 2]
            ax.add_patch(Rectangle((x0 + k, y), 1, 1, facecolor=face, edgecolor="white", lw=1.5,
                                   hatch="//" if dropped else None))
            ax.text(x0 + k + 0.5, y + 0.5, str(idx), ha="center", va="center", fontsize=9,
                    color="#555555" if dropped else "white")
        for i in range(per_epoch):  # the iteration number under each batch
            size = B if (drop_last or i < per_epoch - 1) else D.last_batch_size(N, B)
            ax.text(x0 + i * B + size / 2, y - 0.35, f"$i={it + i + 1}$", ha="center", va="center", fontsize=9)
        it += per_epoch
        if y > 1:
            ax.text(x0 + N / 2, y + 1.45, f"epoch {e + 1}", ha="center", va="center", fontsize=10)
    ax.text(-0.6, y + 0.5, f"drop_last={drop_last}", ha="right", va="center", fontsize=10)


@figure("epochs-iterations")
def epochs_iterations() -> plt.Figure:
    """N = 10 samples, B = 4, 3 epochs: ⌈10/4⌉ = 3 iterations per epoch (last batch 2), or 2 with drop_last."""
    fig, ax = plt.subplots(figsize=(7.4, 2.2))
    _timeline_row(ax, 2.2, False)
    _timeline_row(ax, 0.0, True)
    ax.set_xlim(-0.2, E * (N + 1) - 0.8)
    ax.set_ylim(-0.7, 4.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"$N={N},\\ B={B}$", fontsize=10)
    return fig


@figure("batch-noise")
def batch_noise() -> plt.Figure:
    """Spread of the mini-batch gradient of a linear regression over random batches: ∝ 1/√B."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(10_000, generator=g, dtype=torch.float64)
    y = 2 * x + 1 + 0.5 * torch.randn(10_000, generator=g, dtype=torch.float64)
    per_sample = -2 * y * x  # ∂(wx + b − y)²/∂w at w = b = 0
    sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    spread = [per_sample[torch.randint(0, 10_000, (2000, b), generator=g)].mean(dim=1).std().item() for b in sizes]
    ideal = [per_sample.std().item() / b**0.5 for b in sizes]
    fig, ax = plt.subplots()
    ax.loglog(sizes, spread, "o", label="measured")
    ax.loglog(sizes, ideal, "--", label=r"$\sigma_g / \sqrt{B}$")
    ax.set_xscale("log", base=2)
    ax.set_yticks([0.2, 0.5, 1, 2, 5], ["0.2", "0.5", "1", "2", "5"])
    ax.minorticks_off()
    ax.set_xlabel("batch size $B$")
    ax.set_ylabel(r"std of $\hat g_B$")
    ax.legend()
    return fig
