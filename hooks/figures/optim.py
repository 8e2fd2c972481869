"""Figures of the chapter 最適化 / Optimisation: gradient-descent paths and moving averages, from dlref.optim."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch

from dlref import optim as O

from . import figure

F64 = torch.float64


def _grad(f, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return g


# --------------------------------------------------------------------------------------------- limits of GD
# A 1-D loss with every trap: P has stationary points at -2 (min), -0.5 (max), 1 (min) and a double root of
# P' at 2.5 (a flat inflection point: the 1-D picture of a saddle); f = P / sqrt(1 + P^2) keeps those points
# and flattens into plateaus where |P| is large.
_P_ROOTS = [-2.0, -0.5, 1.0, 2.5, 2.5]


def _poly_coefficients() -> list[float]:
    dp = [1.0]  # coefficients of P' = Π (x - r), lowest degree first
    for r in _P_ROOTS:
        dp = [(dp[k - 1] if k > 0 else 0.0) - r * (dp[k] if k < len(dp) else 0.0) for k in range(len(dp) + 1)]
    p = [0.0] + [0.1 * c / (k + 1) for k, c in enumerate(dp)]  # P = 0.1 ∫ P'
    p[0] = -sum(c * 2.5**k for k, c in enumerate(p))  # P(2.5) = 0
    return p


_P = _poly_coefficients()


def limits_loss(x: torch.Tensor) -> torch.Tensor:
    p = sum(c * x**k for k, c in enumerate(_P))
    return p / torch.sqrt(1 + p**2)


@figure("limits")
def limits() -> plt.Figure:
    """Plain gradient descent (η = 0.1, 100 steps) from four starts on one 1-D loss."""
    xs = torch.linspace(-3.4, 4.6, 801, dtype=F64)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(xs.tolist(), limits_loss(xs).tolist(), color="k", lw=1.5)
    starts = [(-0.8, "C0", "o"), (-0.2, "C1", "s"), (3.3, "C2", "^"), (4.2, "C3", "D")]
    for x0, color, marker in starts:
        x = torch.tensor([x0], dtype=F64)
        path = [x]
        for _ in range(100):
            x = O.sgd_step(x, _grad(limits_loss, x), lr=0.1)
            path.append(x)
        p = torch.cat(path)
        ax.plot(p.tolist(), limits_loss(p).tolist(), marker, color=color, ms=3.5, alpha=0.8,
                label=rf"$x_0 = {x0:g} \to x_{{100}} = {p[-1].item():.2f}$")
        ax.plot([x0], [limits_loss(p[:1]).item()], marker, color=color, ms=8, mfc="none", mew=1.5)
    for x, text, dy in [(-2.0, "global min", -0.2), (1.0, "local min", -0.2), (2.5, "saddle", 0.2),
                        (4.35, "plateau", -0.25)]:
        y = limits_loss(torch.tensor([x], dtype=F64)).item()
        ax.annotate(text, (x, y), (x, y + dy), ha="center", fontsize=9,
                    arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.8})
    ax.set_xlabel(r"$x$")
    ax.set_ylabel(r"$f(x)$")
    ax.set_ylim(-1.15, 1.15)
    ax.legend(loc="lower right", fontsize=8)
    return fig


# --------------------------------------------------------------------------------------------- EMA
@figure("ema")
def ema() -> plt.Figure:
    """A noisy sequence, its EMA from v0 = 0 (biased towards 0 at the start) and the bias-corrected EMA."""
    gen = torch.Generator().manual_seed(0)
    t = torch.arange(1, 101, dtype=F64)
    xs = 10 + 3 * torch.sin(t / 12) + torch.randn(100, generator=gen, dtype=F64)
    fig, ax = plt.subplots()
    ax.plot(t.tolist(), xs.tolist(), ".", color="0.6", ms=4, label=r"$x_t$")
    ax.plot(t.tolist(), O.ema(xs, 0.9).tolist(), lw=2, label=r"$v_t,\ \beta = 0.9,\ v_0 = 0$")
    ax.plot(t.tolist(), O.ema_bias_corrected(xs, 0.9).tolist(), lw=2, ls="--",
            label=r"$\hat v_t = v_t / (1 - \beta^t)$")
    ax.set_xlabel(r"$t$")
    ax.set_ylim(0, 17)
    ax.legend(loc="lower right")
    return fig


# --------------------------------------------------------------------------------------------- AdaGrad
def adagrad_gradients() -> torch.Tensor:
    """|g| = 10 for the first 10 steps, then 0.1: large gradients early, small ones later."""
    return torch.cat([torch.full((10,), 10.0, dtype=F64), torch.full((190,), 0.1, dtype=F64)])


@figure("adagrad-lr")
def adagrad_lr() -> plt.Figure:
    """The per-coordinate learning rate η / (√G_t + ε) of AdaGrad vs η / (√V_t + ε) of RMSProp (β = 0.9)."""
    gs = adagrad_gradients()
    lr = 0.1
    ada, rms = [], []
    g_sum, v = torch.zeros(1, dtype=F64), torch.zeros(1, dtype=F64)
    w = torch.zeros(1, dtype=F64)
    for g in gs:
        _, g_sum = O.adagrad_step(w, g.reshape(1), g_sum, lr=lr)
        _, v = O.rmsprop_step(w, g.reshape(1), v, lr=lr, beta=0.9)
        ada.append(lr / (math.sqrt(g_sum.item()) + 1e-10))
        rms.append(lr / (math.sqrt(v.item()) + 1e-8))
    t = list(range(1, len(gs) + 1))
    fig, ax = plt.subplots()
    ax.semilogy(t, ada, lw=2, label=r"AdaGrad: $\eta / (\sqrt{G_t} + \varepsilon)$")
    ax.semilogy(t, rms, lw=2, ls="--", label=r"RMSProp: $\eta / (\sqrt{V_t} + \varepsilon),\ \beta = 0.9$")
    ax.axvline(10.5, color="k", lw=0.8, ls=":")
    ax.text(14, 0.3, r"$|g_t|: 10 \to 0.1$", fontsize=9)
    ax.set_xlabel(r"step $t$")
    ax.set_ylabel("effective learning rate")
    ax.legend(loc="center right")
    return fig


# --------------------------------------------------------------------------------------------- 2-D paths
def bowl(w: torch.Tensor) -> torch.Tensor:
    """f(x, y) = x²/20 + y²: 20 times steeper across (y) than along (x)."""
    return w[..., 0] ** 2 / 20 + w[..., 1] ** 2


W0 = (-7.0, 2.0)
STEPS = 40


def paths() -> dict[str, torch.Tensor]:
    """The five methods from W0, with hand-picked learning rates (an illustration, not a ranking)."""
    z = torch.zeros(2, dtype=F64)
    steps = {
        r"GD, $\eta = 0.95$": lambda w, g, s, t: (O.sgd_step(w, g, 0.95), s),
        r"Momentum, $\eta = 1,\ \beta = 0.9$": lambda w, g, s, t: O.momentum_step(w, g, s, lr=1.0, beta=0.9),
        r"AdaGrad, $\eta = 1.5$": lambda w, g, s, t: O.adagrad_step(w, g, s, lr=1.5),
        r"RMSProp, $\eta = 0.3,\ \beta = 0.9$": lambda w, g, s, t: O.rmsprop_step(w, g, s, lr=0.3, beta=0.9),
        r"Adam, $\eta = 0.3$": lambda w, g, s, t: (lambda r: (r[0], r[1:]))(O.adam_step(w, g, *s, t, lr=0.3)),
    }
    states = [None, z, z, z, (z, z)]
    out = {}
    for (name, step), state in zip(steps.items(), states, strict=True):
        w = torch.tensor(W0, dtype=F64)
        path = [w]
        for t in range(1, STEPS + 1):
            w, state = step(w, _grad(bowl, w), state, t)
            path.append(w)
        out[name] = torch.stack(path)
    return out


@figure("paths")
def paths_figure() -> plt.Figure:
    runs = paths()
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.4))
    gx = torch.linspace(-8, 8, 161, dtype=F64)
    gy = torch.linspace(-3, 3, 121, dtype=F64)
    X, Y = torch.meshgrid(gx, gy, indexing="xy")
    Z = bowl(torch.stack([X, Y], dim=-1))
    for i, (ax, (name, p)) in enumerate(zip(axes.flat, runs.items(), strict=False)):
        ax.contour(X.tolist(), Y.tolist(), Z.tolist(), levels=[0.05, 0.2, 0.5, 1, 2, 3.5, 5], colors="0.75",
                   linewidths=0.8)
        ax.plot(p[:, 0].tolist(), p[:, 1].tolist(), "o-", color=f"C{i}", ms=2.5, lw=1)
        ax.plot([0], [0], "k*", ms=8)
        ax.set_title(name, fontsize=9)
        ax.set_xlim(-8, 8)
        ax.set_ylim(-3, 3)
    ax = axes.flat[5]
    for i, (name, p) in enumerate(runs.items()):
        ax.semilogy(list(range(STEPS + 1)), bowl(p).tolist(), color=f"C{i}", lw=1.5, label=name.split(",")[0])
    ax.set_xlabel(r"step $t$")
    ax.set_title(r"$f(x_t, y_t)$", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle(r"$f(x, y) = x^2/20 + y^2$, start $(-7, 2)$, 40 steps", fontsize=10)
    fig.tight_layout()
    return fig
