"""Figures of the chapter 損失関数 / Loss functions: each loss (and its gradient) as a function of one
prediction, computed with dlref.losses."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from dlref import losses as L

from . import figure

R = torch.linspace(-3, 3, 601, dtype=torch.float64)  # residual r = ŷ − y (target y = 0)
P = torch.linspace(1e-3, 1 - 1e-3, 999, dtype=torch.float64)  # probabilities, ends excluded


def _per_element(loss, pred: torch.Tensor, target: torch.Tensor, **kwargs) -> torch.Tensor:
    """ℓ_i for every element (``reduction="none"``)."""
    return loss(pred, target, reduction="none", **kwargs)


def _gradient(loss, pred: torch.Tensor, target: torch.Tensor, **kwargs) -> torch.Tensor:
    """∂ℓ_i/∂ŷ_i of every element, by autograd through the dlref function."""
    pred = pred.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(_per_element(loss, pred, target, **kwargs).sum(), pred)
    return g


REGRESSION = [  # (function, keyword arguments, label, line style)
    (L.l1_loss, {}, r"L1: $|r|$", "-"),
    (L.mse_loss, {}, r"MSE: $r^2$", "-"),
    (L.huber_loss, {"delta": 1.0}, r"Huber $\delta=1$ = SmoothL1 $\beta=1$", "-"),
    (L.huber_loss, {"delta": 0.5}, r"Huber $\delta=0.5$", "--"),
    (L.smooth_l1_loss, {"beta": 0.5}, r"SmoothL1 $\beta=0.5$", ":"),
]


def _regression(values) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    zero = torch.zeros_like(R)
    for loss, kwargs, label, ls in REGRESSION:
        ax.plot(R.tolist(), values(loss, R, zero, **kwargs).tolist(), label=label, lw=2, ls=ls)
    ax.axhline(0, color="k", lw=0.6)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel(r"residual $r = \hat{y} - y$")
    return fig


@figure("regression")
def regression() -> plt.Figure:
    """ℓ(r) of L1, MSE, Huber and SmoothL1: Huber δ = 1 and SmoothL1 β = 1 coincide; for 0.5 they do not."""
    fig = _regression(_per_element)
    ax = fig.axes[0]
    ax.set_ylim(-0.1, 3.2)
    ax.set_ylabel(r"$\ell(r)$")
    ax.legend(loc="upper center", fontsize=8)
    return fig


@figure("regression-gradient")
def regression_gradient() -> plt.Figure:
    """∂ℓ/∂ŷ: L1 has magnitude 1 everywhere (0 at r = 0, as torch), MSE grows with r, Huber is clipped."""
    fig = _regression(_gradient)
    ax = fig.axes[0]
    ax.set_ylim(-3.2, 3.2)
    ax.set_ylabel(r"$\partial \ell / \partial \hat{y}$")
    ax.legend(loc="upper left", fontsize=8)
    return fig


@figure("cross-entropy")
def cross_entropy() -> plt.Figure:
    """−log p of the target class, with the two predictions of the notes' example (p = 0.6 and 0.1)."""
    fig, ax = plt.subplots()
    logits = torch.log(torch.stack([P, 1 - P], dim=1))  # softmax(log p) = p: two classes, target class 0
    target = torch.zeros(len(P), dtype=torch.long)
    ax.plot(P.tolist(), L.cross_entropy(logits, target, reduction="none").tolist(), lw=2,
            label=r"$-\log p_{c}$")
    for p in (0.6, 0.1):
        z = torch.log(torch.tensor([[p, 1 - p]], dtype=torch.float64))
        e = L.cross_entropy(z, torch.tensor([0])).item()
        ax.plot([p], [e], "o", color="C3")
        ax.annotate(f"$p_c={p:g}$: ${e:.2f}$", (p, e), textcoords="offset points", xytext=(8, 6))
    ax.set_xlabel(r"predicted probability of the target class $p_c$")
    ax.set_ylabel("loss")
    ax.set_ylim(0, 5)
    ax.legend()
    return fig


@figure("bce")
def bce() -> plt.Figure:
    """BCE as a function of p for y = 1, y = 0 and a soft target y = 0.3 (minimum at p = y, not 0)."""
    fig, ax = plt.subplots()
    for y, ls in ((1.0, "-"), (0.0, "--"), (0.3, ":")):
        target = torch.full_like(P, y)
        ax.plot(P.tolist(), L.binary_cross_entropy(P, target, reduction="none").tolist(), lw=2, ls=ls,
                label=f"$y={y:g}$")
    ax.set_xlabel("predicted probability $p$")
    ax.set_ylabel(r"$\ell(p, y)$")
    ax.set_ylim(0, 5)
    ax.legend(loc="upper center")
    return fig


@figure("bce-float32")
def bce_float32() -> plt.Figure:
    """In float32, y = 0: BCE(σ(x)) jumps to its clamp 100 once σ(x) rounds to 1 (x ≈ 16.6), and its
    gradient drops to 0; the loss from logits stays x (gradient σ(x) → 1)."""
    x = torch.linspace(0, 40, 801, dtype=torch.float32)
    y = torch.zeros_like(x)
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 3.2))
    curves = [
        # torch.sigmoid, as users write it (its backward p(1 − p) cancels the rounding of BCE's 1/(1 − p))
        (lambda v: L.binary_cross_entropy(torch.sigmoid(v), y, reduction="none"), r"BCELoss$(\sigma(x), 0)$", "-"),
        (lambda v: L.binary_cross_entropy_with_logits(v, y, reduction="none"), r"BCEWithLogitsLoss$(x, 0)$",
         "--"),
    ]
    for fn, label, ls in curves:
        xg = x.clone().requires_grad_(True)
        loss = fn(xg)
        (g,) = torch.autograd.grad(loss.sum(), xg)
        left.plot(x.tolist(), loss.tolist(), lw=2, ls=ls, label=label)
        right.plot(x.tolist(), g.tolist(), lw=2, ls=ls, label=label)
    left.set_ylabel("loss (float32)")
    right.set_ylabel(r"$\partial \ell / \partial x$ (float32)")
    right.set_ylim(-0.1, 1.2)
    for ax in (left, right):
        ax.set_xlabel("logit $x$ (target $y=0$)")
    left.legend(fontsize=8)
    fig.tight_layout()
    return fig


@figure("outliers")
def outliers() -> plt.Figure:
    """A line fitted to data with 4 outliers by minimising MSE, Huber (δ = 1) and L1 (full-batch Adam)."""
    g = torch.Generator().manual_seed(0)
    x = torch.linspace(0, 1, 40, dtype=torch.float64)
    y = 2 * x + 0.1 * torch.randn(40, generator=g, dtype=torch.float64)
    y[[30, 33, 36, 39]] += torch.tensor([6.0, 7.0, 8.0, 9.0], dtype=torch.float64)
    fig, ax = plt.subplots()
    ax.plot(x.tolist(), y.tolist(), "o", ms=3, color="0.4", label="data")
    for loss, kwargs, label, ls in [(L.mse_loss, {}, "MSE", "-"), (L.huber_loss, {"delta": 1.0}, "Huber", "--"),
                                    (L.l1_loss, {}, "L1", ":")]:
        w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([w], lr=0.2)
        for _ in range(300):
            opt.zero_grad()
            loss(w[0] * x + w[1], y, **kwargs).backward()
            opt.step()
        ax.plot(x.tolist(), (w[0] * x + w[1]).tolist(), lw=2, ls=ls, label=f"{label}: slope {w[0].item():.2f}")
    ax.plot(x.tolist(), (2 * x).tolist(), color="k", lw=0.8, label="$y = 2x$")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend(fontsize=8)
    return fig
