"""Figures of the chapter RNN: the unrolled network, the vanishing/exploding gradient, the embedding lookup.

The gradient norms are measured with dlref.rnn and autograd; the embedding vectors are looked up with
dlref.rnn.embedding.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyBboxPatch, Rectangle

from dlref import rnn as R

from . import figure

BLUE, ORANGE, GREEN, GREY = "#4c72b0", "#dd8452", "#55a868", "#d9d9d9"


def _box(ax, cx: float, cy: float, text: str, *, w: float = 0.9, h: float = 0.7, face: str = "white") -> None:
    ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0.04", facecolor=face,
                                edgecolor="k", lw=1.1, zorder=2))
    ax.text(cx, cy, text, ha="center", va="center", fontsize=11, zorder=3)


def _arrow(ax, start, end, label: str = "", color: str = "k", offset=(0.0, 0.0), **kw) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": color, "lw": 1.2, **kw})
    if label:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], label, color=color,
                ha="center", va="center", fontsize=9)


@figure("unrolled")
def unrolled() -> plt.Figure:
    """The recurrent cell with its loop, and the same cell unrolled over T steps with shared weights."""
    fig, ax = plt.subplots(figsize=(8.6, 3.3))
    # folded: one cell with a loop
    _box(ax, 0.8, 1.5, "$h_t$", face="#dbe4f3")
    ax.text(0.8, -0.35, "$x_t$", ha="center", va="center", fontsize=11)
    ax.text(0.8, 3.35, r"$\hat{y}_t$", ha="center", va="center", fontsize=11)
    _arrow(ax, (0.8, -0.1), (0.8, 1.1), r"$W_{xh}$", BLUE, offset=(-0.42, 0.0))
    _arrow(ax, (0.8, 1.9), (0.8, 3.1), r"$W_{hy}$", GREEN, offset=(-0.42, 0.0))
    ax.annotate("", xy=(1.27, 1.3), xytext=(1.27, 1.7),
                arrowprops={"arrowstyle": "->", "color": ORANGE, "lw": 1.2, "connectionstyle": "arc3,rad=-1.6"})
    ax.text(1.95, 1.5, r"$W_{hh}$", color=ORANGE, ha="center", va="center", fontsize=9)
    ax.text(2.75, 1.5, "$=$", ha="center", va="center", fontsize=18)
    # unrolled over time
    xs = [4.6, 6.4, 8.2, 10.6]
    labels = ["1", "2", "3", "T"]
    ax.text(3.25, 1.5, "$h_0$", ha="center", va="center", fontsize=11)
    prev = 3.5
    for cx, t in zip(xs, labels):
        _box(ax, cx, 1.5, f"$h_{t}$", face="#dbe4f3")
        ax.text(cx, -0.35, f"$x_{t}$", ha="center", va="center", fontsize=11)
        ax.text(cx, 3.35, rf"$\hat{{y}}_{t}$", ha="center", va="center", fontsize=11)
        _arrow(ax, (cx, -0.1), (cx, 1.1), r"$W_{xh}$", BLUE, offset=(-0.42, 0.0))
        _arrow(ax, (cx, 1.9), (cx, 3.1), r"$W_{hy}$", GREEN, offset=(-0.42, 0.0))
        if t == "T":
            ax.text(prev + 0.75, 1.5, r"$\cdots$", ha="center", va="center", fontsize=12)
            _arrow(ax, (prev + 1.2, 1.5), (cx - 0.47, 1.5), "", ORANGE)
        else:
            _arrow(ax, (prev, 1.5), (cx - 0.47, 1.5), r"$W_{hh}$", ORANGE, offset=(0.0, 0.28))
        prev = cx + 0.47
    ax.text(7.6, -1.0, "the same $W_{xh}$, $W_{hh}$, $W_{hy}$ at every time step", ha="center", fontsize=9)
    ax.set_xlim(-0.2, 11.4)
    ax.set_ylim(-1.3, 3.7)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def jacobian_norms(gain: float, steps: int = 60, hidden: int = 16, inputs: int = 4, seed: int = 0) -> list[float]:
    """‖∂h_T/∂h_t‖₂ for t = T, T−1, …, 1 of a tanh RNN whose W_hh has spectral radius ≈ gain.

    The states come from dlref.rnn.rnn_cell; the Jacobians from autograd, one backward pass per
    component of h_T.
    """
    g = torch.Generator().manual_seed(seed)
    f64 = torch.float64
    w_ih = torch.randn(hidden, inputs, generator=g, dtype=f64) / inputs**0.5
    w_hh = gain * torch.randn(hidden, hidden, generator=g, dtype=f64) / hidden**0.5
    b = torch.zeros(hidden, dtype=f64)
    xs = torch.randn(steps, 1, inputs, generator=g, dtype=f64)
    h = torch.zeros(1, hidden, dtype=f64, requires_grad=True)
    states = [h]
    for t in range(steps):
        h = R.rnn_cell(xs[t], h, w_ih, w_hh, b, b)
        states.append(h)
    rows = [torch.autograd.grad(h[0, i], states, retain_graph=True) for i in range(hidden)]  # row i of each J
    jac = torch.stack([torch.cat(r) for r in rows], dim=1)  # (T+1, hidden, hidden): ∂h_T/∂h_t for t = 0 … T
    norms = torch.linalg.matrix_norm(jac, ord=2)
    return norms.flip(0)[1:].tolist()  # distances T − t = 0 … T − 1 (dropping h_0)


@figure("vanishing-gradient")
def vanishing_gradient() -> plt.Figure:
    """‖∂h_T/∂h_t‖ against T − t for three scales of W_hh: it shrinks (or grows) geometrically."""
    fig, ax = plt.subplots()
    for gain, marker in [(0.5, "o-"), (1.0, "s-"), (3.0, "^-")]:
        norms = jacobian_norms(gain)
        ax.semilogy(range(len(norms)), norms, marker, ms=3, lw=1.2, label=rf"$\rho(W_{{hh}}) \approx {gain:g}$")
    ax.set_xlabel("distance $T - t$ (time steps)")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|_2$")
    ax.legend(fontsize=8)
    return fig


@figure("embedding")
def embedding() -> plt.Figure:
    """Tokens → ids → rows of the embedding matrix E (vocabulary 6, dimension 4)."""
    vocab = ["<pad>", "I", "cats", "dogs", "like", "fish"]
    tokens = ["I", "like", "cats"]
    ids = torch.tensor([vocab.index(t) for t in tokens])
    weight = torch.randn(len(vocab), 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64).round(
        decimals=1)
    vectors = R.embedding(ids, weight)
    colors = {1: "#dbe4f3", 4: "#f8e0cf", 2: "#dcefe0"}
    fig, ax = plt.subplots(figsize=(8.6, 3.2))
    for k, (tok, i) in enumerate(zip(tokens, ids.tolist())):
        y = 4.5 - k * 1.5
        ax.text(0.3, y, f'"{tok}"', ha="center", va="center", fontsize=10)
        _arrow(ax, (0.9, y), (1.6, y))
        ax.add_patch(Rectangle((1.7, y - 0.4), 0.9, 0.8, facecolor=colors[i], edgecolor="#555555"))
        ax.text(2.15, y, f"{i}", ha="center", va="center", fontsize=10)
    ax.text(0.3, 5.55, "tokens", ha="center", fontsize=9)
    ax.text(2.15, 5.55, "ids", ha="center", fontsize=9)
    x0 = 4.0
    for r, row in enumerate(weight.tolist()):
        face = colors.get(r, "white")
        for c, v in enumerate(row):
            ax.add_patch(Rectangle((x0 + c, 5.2 - (r + 1) * 0.8), 1, 0.8, facecolor=face, edgecolor="#555555"))
            ax.text(x0 + c + 0.5, 5.2 - (r + 0.5) * 0.8, f"{v:g}", ha="center", va="center", fontsize=8)
        ax.text(x0 - 0.25, 5.2 - (r + 0.5) * 0.8, f"{r}", ha="right", va="center", fontsize=8, color="#555555")
    ax.text(x0 + 2, 5.45, r"$E \in \mathbb{R}^{V \times d}$ ($V=6$, $d=4$)", ha="center", fontsize=9)
    for k, i in enumerate(ids.tolist()):
        _arrow(ax, (2.7, 4.5 - k * 1.5), (x0 - 0.55, 5.2 - (i + 0.5) * 0.8), color="#888888")
    x1 = 10.0
    for k, row in enumerate(vectors.tolist()):
        for c, v in enumerate(row):
            ax.add_patch(Rectangle((x1 + c * 0.8, 4.9 - k * 1.5 - 0.4), 0.8, 0.8, facecolor=colors[ids[k].item()],
                                   edgecolor="#555555"))
            ax.text(x1 + c * 0.8 + 0.4, 4.9 - k * 1.5, f"{v:g}", ha="center", va="center", fontsize=8)
    ax.text(x1 + 1.6, 5.55, "vectors $E_{\\mathrm{id},:}$", ha="center", fontsize=9)
    _arrow(ax, (8.2, 2.8), (9.8, 2.8))
    ax.set_xlim(-0.3, 13.5)
    ax.set_ylim(0.0, 5.9)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig
