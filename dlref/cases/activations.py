"""Cases for :mod:`dlref.activations`."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dlref import activations as A
from dlref.cases._core import Bad, Case, Draw, Sample


def _autograd_derivative(f):
    """Elementwise derivative of ``f`` by torch's autograd."""

    def derivative(x):
        x = x if x.requires_grad else x.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)  # differentiable itself
        return g

    return derivative


def _x(d: Draw) -> Sample:
    return Sample(d.real(d.shape(), scale=8.0, requires_grad=True))


def _x_dim(d: Draw) -> Sample:
    shape = d.shape(min_dims=1, max_dims=3)
    return Sample(d.real(shape, scale=8.0, requires_grad=True), dim=d.int(-len(shape), len(shape) - 1))


def _logits_target(d: Draw) -> Sample:
    n, c = d.int(1, 6), d.int(2, 6)
    return Sample(d.real((n, c), scale=5.0, requires_grad=True), d.integers((n,), 0, c))


def _ce_sum_grad(logits, target):
    logits = logits if logits.requires_grad else logits.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(logits, target, reduction="sum"), logits, create_graph=True)
    return g


def _bad_elementwise():
    return [
        Bad(Sample([1.0, 2.0]), TypeError, "x must be a torch.Tensor", "a list instead of a tensor"),
        Bad(Sample(torch.tensor([1, 2])), TypeError, "x must have a floating-point dtype", "integer tensor"),
    ]


def _bad_dim():
    return _bad_elementwise() + [
        Bad(Sample(torch.zeros(2, 3), dim=2), ValueError, "dim must be in [-2, 1]", "dim out of range"),
        Bad(Sample(torch.zeros(2, 3), dim=1.0), TypeError, "dim must be an int", "float dim"),
    ]


def _bad_ce_grad():
    z = torch.zeros(3, 4)
    return [
        Bad(Sample(torch.zeros(3), torch.tensor([0, 1, 2])), ValueError, "logits must be 2-D", "1-D logits"),
        Bad(Sample(z, torch.tensor([0, 1])), ValueError, "target must have shape (3,)", "target too short"),
        Bad(Sample(z, torch.tensor([0, 1, 4])), ValueError, "target must hold class indices in [0, 4)",
            "class 4 of 4"),
        Bad(Sample(z, torch.tensor([-1, 1, 2])), ValueError, "target must hold class indices", "negative class"),
        Bad(Sample(z, torch.tensor([0.0, 1.0, 2.0])), TypeError, "target must hold integer class indices",
            "float target"),
    ]


CASES = [
    Case("activations.sigmoid", A.sigmoid, nn.Sigmoid(), "torch.nn.Sigmoid()", _x, grad=(0,), bad=_bad_elementwise),
    Case("activations.sigmoid_derivative", A.sigmoid_derivative, _autograd_derivative(torch.sigmoid),
         "autograd of torch.sigmoid", _x, grad=(0,), bad=_bad_elementwise),
    Case("activations.tanh", A.tanh, nn.Tanh(), "torch.nn.Tanh()", _x, grad=(0,), bad=_bad_elementwise),
    Case("activations.tanh_derivative", A.tanh_derivative, _autograd_derivative(torch.tanh),
         "autograd of torch.tanh", _x, grad=(0,), bad=_bad_elementwise),
    Case("activations.relu", A.relu, nn.ReLU(), "torch.nn.ReLU()", _x, grad=(0,), exact=True, bad=_bad_elementwise),
    Case("activations.relu_derivative", A.relu_derivative, _autograd_derivative(torch.relu),
         "autograd of torch.relu (0 at x = 0)", _x, exact=True, bad=_bad_elementwise),
    Case("activations.softmax", A.softmax, lambda x, dim=-1: nn.Softmax(dim=dim)(x), "torch.nn.Softmax(dim=dim)",
         _x_dim, grad=(0,), bad=_bad_dim),
    Case("activations.log_softmax", A.log_softmax, lambda x, dim=-1: nn.LogSoftmax(dim=dim)(x),
         "torch.nn.LogSoftmax(dim=dim)", _x_dim, grad=(0,), bad=_bad_dim),
    Case("activations.softmax_cross_entropy_grad", A.softmax_cross_entropy_grad, _ce_sum_grad,
         'autograd of F.cross_entropy(logits, target, reduction="sum")', _logits_target, grad=(0,),
         bad=_bad_ce_grad),
]
