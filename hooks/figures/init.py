"""Figures of the chapter パラメータ初期化 / Initialisation: the He and Xavier draws against their densities, the
spread of the activations layer by layer, and the training loss, for several initialisations (from dlref)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from torch import nn

from dlref import activations as A
from dlref import init as I
from dlref.layers import linear

from . import figure

FAN_OUT, FAN_IN = 256, 128  # a weight of shape (256, 128): nn.Linear(128, 256)


def _density(ax, xs: list[float], ys: list[float]) -> None:
    ax.plot(xs, ys, color="k", lw=1.5)


@figure("distributions")
def distributions() -> plt.Figure:
    """Histograms of He and Xavier draws for a (256, 128) weight, with the density each formula prescribes."""
    shape = (FAN_OUT, FAN_IN)
    he_std, he_a = I.kaiming_normal_std(FAN_IN), I.kaiming_uniform_bound(FAN_IN)
    xa_std, xa_a = I.xavier_normal_std(FAN_IN, FAN_OUT), I.xavier_uniform_bound(FAN_IN, FAN_OUT)
    panels = [
        (I.kaiming_normal, "normal", he_std, r"He: $\mathcal{N}(0,\ 2/\mathrm{fan_{in}})$"),
        (I.kaiming_uniform, "uniform", he_a, r"He: $\mathcal{U}(-\sqrt{6/\mathrm{fan_{in}}},\ \cdot)$"),
        (I.xavier_normal, "normal", xa_std, r"Xavier: $\mathcal{N}(0,\ 2/(\mathrm{fan_{in}}+\mathrm{fan_{out}}))$"),
        (I.xavier_uniform, "uniform", xa_a,
         r"Xavier: $\mathcal{U}(-\sqrt{6/(\mathrm{fan_{in}}+\mathrm{fan_{out}})},\ \cdot)$"),
    ]
    lim = 4.2 * he_std
    fig, axes = plt.subplots(2, 2, figsize=(8.0, 4.8), sharex=True)
    for ax, (draw, kind, spread, title) in zip(axes.flat, panels):
        g = torch.Generator().manual_seed(0)
        w = draw(shape, generator=g, dtype=torch.float64).flatten().tolist()
        ax.hist(w, bins=80, range=(-lim, lim), density=True, alpha=0.6)
        if kind == "normal":
            xs = [-lim + 2 * lim * k / 400 for k in range(401)]
            _density(ax, xs, [math.exp(-x * x / (2 * spread**2)) / (spread * math.sqrt(2 * math.pi)) for x in xs])
        else:
            h = 1 / (2 * spread)
            _density(ax, [-lim, -spread, -spread, spread, spread, lim], [0, 0, h, h, 0, 0])
        ax.set_title(title, fontsize=9)
    for ax in axes[1]:
        ax.set_xlabel(r"$W_{ij}$  (fan$_{in}$ = 128, fan$_{out}$ = 256)")
    fig.tight_layout()
    return fig


def _spread(act, init, depth: int = 12, width: int = 256, n: int = 1000) -> list[float]:
    """Standard deviation of the activations after each layer of a deep fully connected net (biases 0)."""
    g = torch.Generator().manual_seed(0)
    h = torch.randn(n, width, generator=g, dtype=torch.float64)
    stds = [h.std().item()]
    for _ in range(depth):
        h = act(linear(h, init((width, width), g)))
        stds.append(h.std().item())
    return stds


def _default(shape, g):
    a = I.default_uniform_bound(shape[1])
    return torch.empty(shape, dtype=torch.float64).uniform_(-a, a, generator=g)


def _normal(std):
    return lambda shape, g: torch.empty(shape, dtype=torch.float64).normal_(0, std, generator=g)


def _he(shape, g):
    return I.kaiming_normal(shape, generator=g, dtype=torch.float64)


def _xavier(shape, g):
    return I.xavier_normal(shape, generator=g, dtype=torch.float64)


@figure("activation-spread")
def activation_spread() -> plt.Figure:
    """Std of the activations per layer, 12 layers of width 256: ReLU and tanh, with several initialisations."""
    inits = [
        (_he, "He", "o-"),
        (_xavier, "Xavier", "s-"),
        (_default, r"default $\mathcal{U}(\pm 1/\sqrt{\mathrm{fan_{in}}})$", "^-"),
        (_normal(1.0), r"$\mathcal{N}(0, 1)$", "v--"),
        (_normal(0.01), r"$\mathcal{N}(0, 0.01^2)$", "d--"),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.6))
    for ax, (act, name) in zip(axes, [(A.relu, "ReLU"), (A.tanh, r"$\tanh$")]):
        for init, label, style in inits:
            stds = _spread(act, init)
            ax.semilogy(range(len(stds)), stds, style, ms=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("layer $l$")
        ax.set_xticks(range(0, 13, 2))
    axes[0].set_ylabel(r"std of $h^{(l)}$")
    axes[0].set_ylim(1e-13, 1e13)
    axes[1].set_ylim(1e-13, 10)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def _train(init_, steps: int = 300, depth: int = 8, width: int = 64, lr: float = 0.01) -> list[float]:
    """MSE loss during SGD on a small regression problem: 8 ReLU layers of width 64, biases 0."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        layers: list[nn.Module] = []
        for i in range(depth):
            layer = nn.Linear(width if i else 16, width)
            init_(layer.weight)
            nn.init.zeros_(layer.bias)
            layers += [layer, nn.ReLU()]
        net = nn.Sequential(*layers, nn.Linear(width, 1))
        x = torch.randn(256, 16)
        y = torch.sin(2 * x[:, :1]) + x[:, 1:2]
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.mse_loss(net(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


@figure("training-loss")
def training_loss() -> plt.Figure:
    """Training loss of the same ReLU net and data with four initialisations of the weights."""
    inits = [
        (nn.init.kaiming_normal_, "He (kaiming_normal_)"),
        (nn.init.xavier_normal_, "Xavier (xavier_normal_)"),
        (lambda w: nn.init.kaiming_uniform_(w, a=math.sqrt(5)), "default of nn.Linear"),
        (lambda w: nn.init.normal_(w, 0.0, 0.01), r"$\mathcal{N}(0, 0.01^2)$"),
    ]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: one thread is fastest and deterministic
    try:
        curves = [(_train(init_), label) for init_, label in inits]
    finally:
        torch.set_num_threads(threads)
    fig, ax = plt.subplots()
    for (losses, label), style in zip(curves, ["-", "-", "-", "--"]):
        ax.semilogy(range(1, len(losses) + 1), losses, style, label=label)
    ax.set_xlabel("SGD step")
    ax.set_ylabel("training loss (MSE)")
    ax.legend(fontsize=8)
    return fig
