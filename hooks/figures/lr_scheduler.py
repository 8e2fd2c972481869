"""Figures of the chapter 学習率スケジューラ / Learning-rate schedulers: the lr over epochs, from dlref."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch

from dlref import lr_scheduler as L

from . import figure

LR0 = 0.1


def _steps(ax, epochs: list[int], lrs: list[float], **kwargs) -> None:
    """The lr is constant during an epoch: draw it as a step function (epoch t trains with η_t)."""
    ax.step(epochs, lrs, where="post", lw=2, **kwargs)


def _axes(ax, **legend) -> None:
    ax.set_xlabel("epoch $t$")
    ax.set_ylabel(r"$\eta_t$")
    ax.legend(**legend)


@figure("step")
def step() -> plt.Figure:
    """StepLR (s = 30) and MultiStepLR (M = {30, 80}), γ = 0.1, on a log scale: every decay is one decade."""
    t = list(range(121))
    fig, ax = plt.subplots()
    _steps(ax, t, [L.step_lr(e, LR0, 30, 0.1) for e in t], label=r"StepLR: $s=30,\ \gamma=0.1$")
    _steps(ax, t, [L.multistep_lr(e, LR0, [30, 80], 0.1) for e in t], ls="--",
           label=r"MultiStepLR: $M=\{30, 80\},\ \gamma=0.1$")
    ax.set_yscale("log")
    _axes(ax)
    return fig


@figure("exponential-vs-cosine")
def exponential_vs_cosine() -> plt.Figure:
    """Both from 0.1 to 0.001 in 100 epochs: the exponential decay loses most of its lr early."""
    t = list(range(101))
    gamma = 0.01 ** (1 / 100)
    fig, ax = plt.subplots()
    _steps(ax, t, [L.exponential_lr(e, LR0, gamma) for e in t], label=r"ExponentialLR: $\gamma=0.01^{1/100}$")
    _steps(ax, t, [L.cosine_annealing_lr(e, LR0, 100, 0.001) for e in t], ls="--",
           label=r"CosineAnnealingLR: $T_{\max}=100$")
    ax.axhline(0.1 * LR0, color="k", lw=0.8, ls=":")
    ax.text(101, 0.1 * LR0, r"$0.1\,\eta_0$", va="bottom", ha="right")
    _axes(ax)
    return fig


@figure("cosine")
def cosine() -> plt.Figure:
    """CosineAnnealingLR with T_max = 40 run for 120 epochs: past T_max the lr climbs back to η_max."""
    t = list(range(121))
    fig, ax = plt.subplots()
    _steps(ax, t, [L.cosine_annealing_lr(e, LR0, 40, 0.001) for e in t])
    ax.set_title(r"CosineAnnealingLR: $\eta_{\max}=0.1,\ T_{\max}=40,\ \eta_{\min}=0.001$")
    for x in (40, 80, 120):
        ax.axvline(x, color="k", lw=0.6, ls=":")
    ax.set_xticks([0, 20, 40, 60, 80, 100, 120], ["0", "20", r"$T_{\max}$", "60", r"$2T_{\max}$", "100",
                                                   r"$3T_{\max}$"])
    ax.set_xlabel("epoch $t$")
    ax.set_ylabel(r"$\eta_t$")
    return fig


@figure("warmup")
def warmup() -> plt.Figure:
    """Linear warm-up over 5 epochs, alone and followed by a cosine annealing (SequentialLR)."""
    w, epochs = 5, 50
    t = list(range(epochs + 1))
    fig, ax = plt.subplots()
    _steps(ax, t, [L.linear_warmup_lr(e, LR0, w) for e in t], label=r"warm-up: $\eta_0\min(t/5, 1)$")
    _steps(ax, t, [L.linear_warmup_lr(e, LR0, w) if e < w else L.cosine_annealing_lr(e - w, LR0, epochs - w)
                   for e in t], ls="--", label=r"warm-up, then cosine ($T_{\max}=45$)")
    ax.axvline(w, color="k", lw=0.6, ls=":")
    ax.set_ylim(-0.005, 0.14)
    _axes(ax, loc="upper right")
    return fig


def plateau_metrics(n: int = 70) -> list[float]:
    """A synthetic validation loss: fast progress, then a noisy plateau (rounded to 3 decimals)."""
    noise = torch.rand(n, generator=torch.Generator().manual_seed(0), dtype=torch.float64).tolist()
    return [round(0.25 + 0.75 * math.exp(-t / 8) + 0.03 * u, 3) for t, u in enumerate(noise)]


def best_so_far(metrics: list[float], threshold: float = 1e-4) -> list[float]:
    """m* after each metric, mode "min", threshold_mode "rel": m_t replaces m* when m_t < m*(1 − θ)."""
    best, out = math.inf, []
    for m in metrics:
        if m < best * (1.0 - threshold):
            best = m
        out.append(best)
    return out


@figure("plateau")
def plateau() -> plt.Figure:
    """ReduceLROnPlateau on a synthetic validation loss: the metric, its best value so far, and the lr."""
    metrics = plateau_metrics()
    lrs = L.reduce_lr_on_plateau(metrics, LR0, factor=0.5, patience=3, cooldown=2, min_lr=0.01)
    t = list(range(1, len(metrics) + 1))
    cuts = [t[i] for i in range(1, len(lrs)) if lrs[i] < lrs[i - 1]]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(5.2, 4.6))
    top.plot(t, metrics, "o", ms=3, label="$m_t$ (validation loss)")
    top.step(t, best_so_far(metrics), where="post", lw=1.5, label="$m^{*}$ (best so far)")
    top.set_ylabel("$m_t$")
    top.legend(loc="upper right")
    _steps(bottom, t, lrs, label="factor=0.5, patience=3,\ncooldown=2, min_lr=0.01")
    bottom.axhline(0.01, color="k", lw=0.8, ls=":")
    bottom.set_ylim(0, 0.135)
    for ax in (top, bottom):
        for x in cuts:
            ax.axvline(x, color="tab:red", lw=0.8, ls="--")
    _axes(bottom, loc="upper right")
    return fig
