"""Figures of the chapter 自動微分 / Automatic differentiation: the computational graph of a small network with
its backward pass, the training flow, a loss curve and its minimum, and the error of finite differences."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyBboxPatch

from dlref import autograd as G
from dlref import linalg as LA
from dlref import losses as LS

from . import figure

FORWARD = "#1f3b73"
BACKWARD = "#c0392b"


def _box(ax, x: float, y: float, text: str, *, w: float = 1.0, h: float = 0.55, color: str = "#e8eefc",
         edge: str = FORWARD) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04,rounding_size=0.12",
                                fc=color, ec=edge, lw=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def _arrow(ax, start, end, *, color: str = FORWARD, style: str = "-", rad: float = 0.0) -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, ls=style, shrinkA=0, shrinkB=0,
                                connectionstyle=f"arc3,rad={rad}"))


def _canvas(width: float, height: float, xlim, ylim):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig, ax


@figure("graph")
def graph() -> plt.Figure:
    """z1 = w1 x, a1 = σ(z1), z2 = w2 a1, a2 = σ(z2), L(a2): forward arrows on top, local derivatives below."""
    fig, ax = _canvas(8.6, 2.6, (-0.6, 11.8), (-1.45, 2.05))
    nodes = [(0.0, "$x$"), (2.2, "$z_1$"), (4.4, "$a_1$"), (6.6, "$z_2$"), (8.8, "$a_2$"), (11.2, r"$\mathcal{L}$")]
    ops = [r"$\times\,\omega_1$", r"$\sigma$", r"$\times\,\omega_2$", r"$\sigma$", r"$\mathcal{L}(a_2)$"]
    local = [r"$\frac{\partial z_1}{\partial \omega_1} = x$", r"$\frac{\partial a_1}{\partial z_1} = \sigma'(z_1)$",
             r"$\frac{\partial z_2}{\partial a_1} = \omega_2$", r"$\frac{\partial a_2}{\partial z_2} = \sigma'(z_2)$",
             r"$\frac{\partial \mathcal{L}}{\partial a_2}$"]
    for x, label in nodes:
        _box(ax, x, 0.0, label, w=0.8)
    for (x0, _), (x1, _), op in zip(nodes, nodes[1:], ops):
        _arrow(ax, (x0 + 0.45, 0.12), (x1 - 0.45, 0.12))
        ax.text((x0 + x1) / 2, 0.42, op, ha="center", va="bottom", fontsize=10, color=FORWARD)
    for (x0, _), (x1, _), lab in zip(nodes, nodes[1:], local):
        _arrow(ax, (x1 - 0.45, -0.14), (x0 + 0.45, -0.14), color=BACKWARD, style="--")
        ax.text((x0 + x1) / 2, -0.45, lab, ha="center", va="top", fontsize=12, color=BACKWARD)
    _box(ax, 0.0, 1.6, r"$\omega_1$", w=0.8, color="#fdf2d0")
    _box(ax, 6.6 - 1.1, 1.6, r"$\omega_2$", w=0.8, color="#fdf2d0")
    _arrow(ax, (0.35, 1.33), (0.95, 0.8))
    _arrow(ax, (5.5, 1.3), (5.5, 0.8))
    return fig


@figure("flow")
def flow() -> plt.Figure:
    """One training iteration: data → model → loss → backward → optimizer → model; what PyTorch computes."""
    fig, ax = _canvas(8.6, 3.2, (-0.9, 11.1), (-2.6, 2.2))
    user, torch_c = "#fdf2d0", "#e8eefc"
    steps = [
        (0.3, 1.0, "$(x, t)$", user, "Dataset\nDataLoader"),
        (3.4, 1.0, r"$\hat{y} = f_\theta(x)$", torch_c, "model(x)\nnn.Module"),
        (6.6, 1.0, r"$\mathcal{L}(\hat{y}, t)$", torch_c, "nn.MSELoss()\nnn.CrossEntropyLoss()"),
        (9.8, 1.0, r"$\nabla_\theta \mathcal{L}$", torch_c, "loss.backward()\nautograd"),
        (9.8, -1.35, r"$\theta \leftarrow \theta - \eta \nabla_\theta \mathcal{L}$", torch_c,
         "optimizer.step()\noptimizer.zero_grad()"),
    ]
    for x, y, text, color, api in steps:
        _box(ax, x, y, text, w=2.3, h=1.0, color=color)
        ax.text(x, y + (0.58 if y > 0 else -0.58), api, ha="center", va="bottom" if y > 0 else "top",
                fontsize=8, family="monospace", color="#555555")
    for (x0, y0, *_), (x1, y1, *_) in zip(steps[:3], steps[1:4]):
        _arrow(ax, (x0 + 1.2, y0), (x1 - 1.2, y1))
    _arrow(ax, (9.8, 0.45), (9.8, -0.8))
    _arrow(ax, (8.6, -1.35), (3.4, -1.35), color=BACKWARD)
    _arrow(ax, (3.4, -1.35), (3.4, 0.45), color=BACKWARD)
    return fig


def _line_data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.linspace(0.1, 1.0, 12, dtype=torch.float64)
    return x, 2.0 * x + 0.15 * torch.randn(12, generator=g, dtype=torch.float64)


@figure("loss-curve")
def loss_curve() -> plt.Figure:
    """J(w) = mean (t − w x)² for the model y = w x: the minimum is where the tangent is flat (∂J/∂w = 0)."""
    x, t = _line_data()
    ws = torch.linspace(0.0, 4.0, 201, dtype=torch.float64)
    j = torch.stack([LS.mse_loss(w * x, t) for w in ws])
    w_star = LA.slope_through_origin(x, t)
    fig, ax = plt.subplots()
    ax.plot(ws.tolist(), j.tolist(), lw=2, label=r"$J(w)$")
    for w0, color, label in [(w_star, "C2", r"$\partial J / \partial w = 0$"), (torch.tensor(0.8), "C3", None)]:
        w0 = w0.clone().double().requires_grad_(True)
        j0 = LS.mse_loss(w0 * x, t)
        (slope,) = torch.autograd.grad(j0, w0)
        span = torch.linspace(-0.6, 0.6, 2, dtype=torch.float64)
        ax.plot((w0.detach() + span).tolist(), (j0.detach() + slope * span).tolist(), color=color, lw=1.5,
                ls="--", label=label or rf"$\partial J/\partial w = {slope.item():.2f}$")
        ax.plot([w0.item()], [j0.item()], "o", color=color)
    ax.annotate(rf"$w^* = {w_star.item():.3f}$", xy=(w_star.item(), 0.0), xytext=(w_star.item() + 0.3, 0.35),
                arrowprops=dict(arrowstyle="->", color="C2"))
    ax.set_xlabel("$w$")
    ax.set_ylabel(r"$J(w)$")
    ax.set_ylim(-0.05, 1.6)
    ax.legend(loc="upper right")
    return fig


@figure("numerical-grad-error")
def numerical_grad_error() -> plt.Figure:
    """|numerical_grad − exact| of sin at x = 1 against the step ε: truncation ε²/6 against rounding u/ε."""
    fig, ax = plt.subplots()
    for dtype, marker, lo in [(torch.float64, "o", -13), (torch.float32, "s", -6)]:
        eps = [10.0 ** k for k in range(lo, 1)]
        one = torch.ones(1, dtype=dtype)
        exact = torch.cos(one.double())
        err = [max(abs((G.numerical_grad(lambda v: torch.sin(v).sum(), one, eps=e).double() - exact).item()),
                   1e-17) for e in eps]
        u = torch.finfo(dtype).eps
        ax.loglog(eps, err, marker + "-", label=f"{str(dtype).removeprefix('torch.')}")
        ax.loglog(eps, [e**2 / 6 * 0.54 + u / e for e in eps], ":", color="gray", lw=1)
    ax.text(1e-11, 3e-5, r"$\frac{u\,|f|}{\varepsilon}$", fontsize=12, color="gray")
    ax.text(1e-2, 1e-9, r"$\frac{\varepsilon^2}{6} |f'''|$", fontsize=12, color="gray")
    ax.set_xlabel(r"$\varepsilon$")
    ax.set_ylabel(r"$|\mathrm{error}|$")
    ax.legend(loc="lower left")
    return fig
