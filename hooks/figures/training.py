"""Figures of the chapter nn.Module と学習ループ / nn.Module and the training loop.

The fully connected layer as a graph, and the linear-regression example of the page (same data, same seed,
same loop): its loss per epoch and the fitted line over the data points.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Circle, FancyBboxPatch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlref import layers as Y
from dlref import losses as L

from . import figure


@figure("fully-connected")
def fully_connected() -> plt.Figure:
    """3 inputs → 2 outputs, every input joined to every output (weights w_ji, biases b_j), then softmax."""
    fig, ax = plt.subplots(figsize=(6.2, 2.9))
    xs = [(0.0, 2.0 - k) for k in range(3)]
    zs = [(3.0, 1.5 - k) for k in range(2)]
    ps = [(6.0, 1.5 - k) for k in range(2)]
    for x in xs:
        for z in zs:
            ax.plot([x[0], z[0]], [x[1], z[1]], color="#4c72b0", lw=1.2, zorder=1)
    ax.text(1.5, 2.05, "$w_{11}$", ha="center", fontsize=10, color="#4c72b0")
    ax.text(1.55, -0.05, "$w_{23}$", ha="center", fontsize=10, color="#4c72b0")
    for z in zs:
        ax.annotate("", xy=(z[0] + 0.02, z[1] + 0.25), xytext=(z[0] + 0.02, z[1] + 0.75),
                    arrowprops={"arrowstyle": "->", "color": "#dd8452"})
    ax.text(3.25, 2.05, "$+b_1$", fontsize=10, color="#dd8452")
    ax.text(3.25, 1.05, "$+b_2$", fontsize=10, color="#dd8452")
    for (cx, cy), label in [*zip(xs, ["$x_1$", "$x_2$", "$x_3$"]), *zip(zs, ["$z_1$", "$z_2$"]),
                            *zip(ps, ["$p_1$", "$p_2$"])]:
        ax.add_patch(Circle((cx, cy), 0.25, facecolor="white", edgecolor="k", lw=1.2, zorder=2))
        ax.text(cx, cy, label, ha="center", va="center", fontsize=11, zorder=3)
    ax.add_patch(FancyBboxPatch((4.1, -0.05), 0.9, 1.1, boxstyle="round,pad=0.05", facecolor="#f2f2f2",
                                edgecolor="k", lw=1.0))
    ax.text(4.55, 0.5, "Softmax", ha="center", va="center", fontsize=9)
    for z, p in zip(zs, ps):
        ax.annotate("", xy=(4.1, z[1] * 0.6 + 0.2), xytext=(z[0] + 0.27, z[1]),
                    arrowprops={"arrowstyle": "->", "lw": 1.0})
        ax.annotate("", xy=(p[0] - 0.27, p[1]), xytext=(5.05, p[1] * 0.6 + 0.2),
                    arrowprops={"arrowstyle": "->", "lw": 1.0})
    ax.text(1.5, -1.0, r"$z = Wx + b,\ W \in \mathbb{R}^{2 \times 3}$", ha="center", fontsize=10)
    ax.text(5.2, -1.0, r"$p = \mathrm{Softmax}(z)$", ha="center", fontsize=10)
    ax.set_xlim(-0.5, 6.9)
    ax.set_ylim(-1.3, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def _linear_regression() -> tuple[torch.Tensor, torch.Tensor, nn.Module, list[float]]:
    """The page's example: y = 2x + 1 + noise, nn.Linear(1, 1), MSE, SGD(lr=0.05), batches of 20, 30 epochs.

    The same random draws in the same order as on the page, so the curve and the line are the page's numbers.
    """
    torch.manual_seed(0)
    x = torch.rand(100, 1) * 4 - 2
    y = 2.0 * x + 1.0 + 0.3 * torch.randn(100, 1)
    model = nn.Linear(1, 1)  # what LR() draws
    loader = DataLoader(TensorDataset(x, y), batch_size=20, shuffle=True)
    for _wrong_epoch in range(2):  # the page's "common mistake" loop runs first and draws two shuffles
        for _batch in loader:
            pass
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _epoch in range(30):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = L.mse_loss(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        losses.append(total / len(x))
    return x, y, model, losses


@figure("loss-curve")
def loss_curve() -> plt.Figure:
    """Mean training loss per epoch; it levels off at the least-squares minimum (the noise), not at 0."""
    x, y, _, losses = _linear_regression()
    design = torch.cat([x, torch.ones_like(x)], dim=1)
    best = torch.linalg.lstsq(design, y).solution  # the best line for these data: slope and intercept
    floor = L.mse_loss(design @ best, y).item()
    fig, ax = plt.subplots()
    ax.semilogy(range(1, len(losses) + 1), losses, "o-", ms=3, lw=1.5, label="training loss (MSE)")
    ax.axhline(floor, color="k", ls="--", lw=1, label=f"least-squares minimum ({floor:.3f})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(r"$\mathcal{L}$")
    ax.legend()
    return fig


@figure("fit")
def fit() -> plt.Figure:
    """The 100 data points, the true line y = 2x + 1 and the line the loop learned."""
    x, y, model, _ = _linear_regression()
    grid = torch.linspace(-2, 2, 50).unsqueeze(1)
    with torch.no_grad():
        learned = Y.linear(grid, model.weight, model.bias)
    w, b = model.weight.item(), model.bias.item()
    fig, ax = plt.subplots()
    ax.plot(x.squeeze(1).tolist(), y.squeeze(1).tolist(), ".", color="#888888", label="data")
    ax.plot(grid.squeeze(1).tolist(), (2 * grid + 1).squeeze(1).tolist(), "k--", lw=1, label="$y = 2x + 1$")
    ax.plot(grid.squeeze(1).tolist(), learned.squeeze(1).tolist(), lw=2, label=f"$y = {w:.2f}x + {b:.2f}$")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend()
    return fig
