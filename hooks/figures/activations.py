"""Figures of the chapter 活性化関数 / Activation functions: each function and its derivative, from dlref."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from dlref import activations as A

from . import figure

X = torch.linspace(-6, 6, 601, dtype=torch.float64)


def _plot(f, df, name: str, ylim) -> plt.Figure:
    fig, ax = plt.subplots()
    ax.plot(X.tolist(), f(X).tolist(), label=rf"${name}(x)$", lw=2)
    ax.plot(X.tolist(), df(X).tolist(), label=rf"${name}'(x)$", lw=2, ls="--")
    ax.axhline(0, color="k", lw=0.6)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("$x$")
    ax.set_ylim(*ylim)
    ax.legend(loc="upper left")
    return fig


@figure("sigmoid")
def sigmoid() -> plt.Figure:
    return _plot(A.sigmoid, A.sigmoid_derivative, r"\sigma", (-0.1, 1.1))


@figure("tanh")
def tanh() -> plt.Figure:
    return _plot(A.tanh, A.tanh_derivative, r"\tanh", (-1.15, 1.15))


@figure("relu")
def relu() -> plt.Figure:
    return _plot(A.relu, A.relu_derivative, r"\mathrm{ReLU}", (-0.5, 6.2))


@figure("softmax")
def softmax() -> plt.Figure:
    """Softmax of the logits (2, 1, 0.1) at temperatures: the outputs always sum to 1."""
    z = torch.tensor([2.0, 1.0, 0.1], dtype=torch.float64)
    temps = [0.5, 1.0, 2.0, 5.0]
    fig, ax = plt.subplots()
    width = 0.2
    for i, t in enumerate(temps):
        ax.bar([k + (i - 1.5) * width for k in range(3)], A.softmax(z / t).tolist(), width, label=f"$z/{t:g}$")
    ax.set_xticks(range(3), ["$z_1=2$", "$z_2=1$", "$z_3=0.1$"])
    ax.set_ylabel(r"$\mathrm{Softmax}(z)_i$")
    ax.legend()
    return fig


@figure("vanishing-gradient")
def vanishing_gradient() -> plt.Figure:
    """Upper bound of the product of activation derivatives over n layers: 0.25^n (sigmoid) vs 1 (ReLU)."""
    n = torch.arange(1, 21, dtype=torch.float64)
    one = torch.ones(1, dtype=torch.float64)
    fig, ax = plt.subplots()
    ax.semilogy(n.tolist(), (A.sigmoid_derivative(0 * one) ** n).tolist(), "o-", label=r"$\sigma'(0)^n = 0.25^n$")
    ax.semilogy(n.tolist(), (A.tanh_derivative(one) ** n).tolist(), "s-", label=r"$\tanh'(1)^n$")
    ax.semilogy(n.tolist(), (A.relu_derivative(one) ** n).tolist(), "^-", label=r"$\mathrm{ReLU}'(1)^n = 1$")
    ax.set_xlabel("$n$ (layers)")
    ax.legend()
    return fig
