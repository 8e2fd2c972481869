"""Figures of the chapter 数学の基礎 / Maths basics: the matrix product entry by entry, and the least-squares
line through the origin."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle

from dlref import linalg as LA

from . import figure

ROW, COL, HIT = "#dbe6fb", "#fde3c8", "#c9ecd0"


def _matrix(ax, x0: float, y0: float, values: list[list[float]], name: str, shade: dict) -> None:
    """Draw a matrix with its top-left corner at (x0, y0); ``shade`` maps (i, j) to a fill colour."""
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            ax.add_patch(Rectangle((x0 + j, y0 - i - 1), 1, 1, fc=shade.get((i, j), "white"), ec="#333333"))
            ax.text(x0 + j + 0.5, y0 - i - 0.5, f"{v:g}", ha="center", va="center", fontsize=13)
    ax.text(x0 + len(values[0]) / 2, y0 + 0.35, name, ha="center", va="bottom", fontsize=13)


@figure("matmul")
def matmul() -> plt.Figure:
    """C = AB for the notes' 2×2 example: row 2 of A times column 2 of B gives C_22 = 3·6 + 4·8 = 50."""
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    b = torch.tensor([[5.0, 6.0], [7.0, 8.0]], dtype=torch.float64)
    c = LA.matmul(a, b)
    fig, ax = plt.subplots(figsize=(6.4, 2.4))
    ax.set_axis_off()
    ax.set_aspect("equal")
    _matrix(ax, 0, 2, a.tolist(), "$A$", {(1, 0): ROW, (1, 1): ROW})
    _matrix(ax, 3, 2, b.tolist(), "$B$", {(0, 1): COL, (1, 1): COL})
    _matrix(ax, 7, 2, c.tolist(), "$C = AB$", {(1, 1): HIT})
    ax.text(2.5, 1.0, r"$\times$", ha="center", va="center", fontsize=15)
    ax.text(6.0, 1.0, "$=$", ha="center", va="center", fontsize=15)
    ax.text(10.8, 0.5, r"$C_{22} = 3 \cdot 6 + 4 \cdot 8 = 50$", ha="left", va="center", fontsize=12)
    ax.text(10.8, 1.5, r"$C_{ij} = \sum_k A_{ik} B_{kj}$", ha="left", va="center", fontsize=12)
    ax.set_xlim(-0.2, 16.5)
    ax.set_ylim(-0.3, 3.0)
    return fig


@figure("least-squares")
def least_squares() -> plt.Figure:
    """Points, the least-squares line through the origin y = a x, and the residuals it minimises."""
    g = torch.Generator().manual_seed(1)
    x = torch.linspace(0.5, 5.0, 10, dtype=torch.float64)
    y = 1.6 * x + 1.0 * torch.randn(10, generator=g, dtype=torch.float64)
    a = LA.slope_through_origin(x, y)
    fig, ax = plt.subplots()
    for xi, yi in zip(x.tolist(), y.tolist()):
        ax.plot([xi, xi], [yi, a.item() * xi], color="C3", lw=1)
    ax.plot(x.tolist(), y.tolist(), "o", color="C0", label=r"$(x_n, y_n)$")
    line = torch.linspace(0.0, 5.3, 2, dtype=torch.float64)
    ax.plot(line.tolist(), (a * line).tolist(), color="C2", lw=2,
            label=rf"$y = a x$, $a = \frac{{\sum x_n y_n}}{{\sum x_n^2}} = {a.item():.3f}$")
    ax.plot([], [], color="C3", lw=1, label=r"$y_n - a x_n$")
    ax.plot([0], [0], "k+", ms=10)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_xlim(-0.2, 5.5)
    ax.set_ylim(-0.5, 9.5)
    ax.legend(loc="upper left")
    return fig
