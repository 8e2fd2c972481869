"""Cases for :mod:`dlref.losses`."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlref import losses as L
from dlref.cases._core import Bad, Case, Draw, Sample

REDUCTIONS = ("mean", "sum", "none")

# Probabilities for BCE stay in [1e-6, 1 - 1e-6] in the table: at p = 0 or 1 (and wherever a log is clamped
# at -100) torch's backward is (p - y) / max(p(1 - p), 1e-12), which is not the derivative of its own clamped
# loss, so gradients cannot agree there. The values at p = 0 and 1 are checked in tests/test_losses.py.
# 2^-20 ≈ 1e-6: bounds exactly representable in float32, as hypothesis requires.
P_LOW, P_HIGH = 2.0**-20, 1 - 2.0**-20


# ------------------------------------------------------------------------------------------------ makers
def _cross_entropy(d: Draw) -> Sample:
    n, c = d.int(1, 6), d.int(2, 6)
    logits = d.real((n, c), scale=5.0, requires_grad=True)
    target = d.integers((n,), 0, c) if d.bool() else d.uniform((n, c), 0.0, 1.0)  # indices or probabilities
    return Sample(logits, target, reduction=d.choice(REDUCTIONS))


def _bce(d: Draw) -> Sample:
    shape = d.shape()
    p = d.uniform(shape, P_LOW, P_HIGH, requires_grad=True)
    return Sample(p, d.uniform(shape, 0.0, 1.0), reduction=d.choice(REDUCTIONS))


def _bce_logits(d: Draw) -> Sample:
    shape = d.shape()
    logits = d.real(shape, scale=8.0, requires_grad=True)
    return Sample(logits, d.uniform(shape, 0.0, 1.0), reduction=d.choice(REDUCTIONS))


def _pair(d: Draw) -> tuple:
    shape = d.shape()
    return d.real(shape, scale=4.0, requires_grad=True), d.real(shape, scale=4.0)


def _regression(d: Draw) -> Sample:
    return Sample(*_pair(d), reduction=d.choice(REDUCTIONS))


def _huber(d: Draw) -> Sample:
    x, y = _pair(d)
    return Sample(x, y, delta=d.float(0.1, 3.0), reduction=d.choice(REDUCTIONS))


def _smooth_l1(d: Draw) -> Sample:
    x, y = _pair(d)
    beta = 0.0 if d.int(0, 4) == 0 else d.float(0.1, 3.0)  # β = 0 is torch's L1 branch
    return Sample(x, y, beta=beta, reduction=d.choice(REDUCTIONS))


def _sse(d: Draw) -> Sample:
    return Sample(*_pair(d))


def _triplet(d: Draw) -> Sample:
    dim = d.int(1, 6)
    shape = (d.int(1, 5), dim) if d.int(0, 3) else (dim,)  # mostly batches, sometimes a single triplet
    a, pos, neg = (d.real(shape, scale=3.0, requires_grad=True) for _ in range(3))
    return Sample(a, pos, neg, margin=d.float(0.1, 2.0), p=d.choice([0.5, 1.0, 1.5, 2.0, 3.0]),
                  eps=d.choice([1e-6, 0.0]), reduction=d.choice(REDUCTIONS))


# ------------------------------------------------------------------------------------------------ torch side
def _sse_torch(input, target):
    return 0.5 * F.mse_loss(input, target, reduction="sum")


def _torch_loss(module):
    """``module(**hyperparameters, reduction=...)(*tensors)`` as one call with dlref's signature."""

    def call(*tensors, reduction="mean", **hyper):
        return module(**hyper, reduction=reduction)(*tensors)

    return call


# ------------------------------------------------------------------------------------------------ bad inputs
def _bad_reduction_and_pair(fn_name: str = "input"):
    x = torch.zeros(2, 3)
    return [
        Bad(Sample([0.0], x), TypeError, f"{fn_name} must be a torch.Tensor", "a list instead of a tensor"),
        Bad(Sample(x.long(), x), TypeError, f"{fn_name} must have a floating-point", "integer input"),
        Bad(Sample(x, torch.zeros(3, 2)), ValueError, f"target must have the same shape as {fn_name}",
            "shape mismatch"),
        Bad(Sample(x, x, reduction="avg"), ValueError, "reduction must be one of", "unknown reduction"),
    ]


def _bad_cross_entropy():
    z = torch.zeros(3, 4)
    probs = torch.full((3, 4), 0.25)
    return [
        Bad(Sample(torch.zeros(4), torch.tensor([1])), ValueError, "logits must be 2-D", "1-D logits"),
        Bad(Sample(z, torch.zeros(3, 4, 2)), ValueError, "target must be 1-D or 2-D", "3-D target"),
        Bad(Sample(z, torch.tensor([0, 1])), ValueError, "target must have shape (3,)", "short index target"),
        Bad(Sample(z, torch.tensor([0, 1, 4])), ValueError, "target must hold class indices in [0, 4)",
            "class 4 of 4"),
        Bad(Sample(z, torch.tensor([-100, 1, 2])), ValueError, "target must hold class indices in [0, 4)",
            "negative class (torch's ignore_index)"),
        Bad(Sample(z, torch.tensor([0.0, 1.0, 2.0])), TypeError, "target of shape (N,) must hold integer",
            "float index target"),
        Bad(Sample(z, torch.tensor([True, False, True])), TypeError, "must hold integer class indices",
            "bool index target"),
        Bad(Sample(z, torch.ones(3, 4, dtype=torch.int64)), TypeError, "must hold class probabilities",
            "integer probability target"),
        Bad(Sample(z, torch.full((3, 5), 0.2)), ValueError, "target must have the same shape as logits",
            "probability target of wrong shape"),
        Bad(Sample(z, probs * 5), ValueError, "target must hold probabilities in [0, 1]", "probability > 1"),
        Bad(Sample(z, -probs), ValueError, "target must hold probabilities in [0, 1]", "probability < 0"),
        Bad(Sample(z.int(), torch.tensor([0, 1, 2])), TypeError, "logits must have a floating-point dtype",
            "integer logits"),
        Bad(Sample(z, torch.tensor([0, 1, 2]), reduction="max"), ValueError, "reduction must be one of",
            "unknown reduction"),
    ]


def _bad_bce():
    p = torch.full((2, 3), 0.5)
    return _bad_reduction_and_pair("p") + [
        Bad(Sample(p + 1, p), ValueError, "p must hold probabilities in [0, 1]", "p above 1"),
        Bad(Sample(-p, p), ValueError, "p must hold probabilities in [0, 1]", "p below 0"),
        Bad(Sample(p.masked_fill(p > 0, math.nan), p), ValueError, "p must hold probabilities", "p NaN"),
        Bad(Sample(p, p * 3), ValueError, "target must hold probabilities in [0, 1]", "target above 1"),
        Bad(Sample(p, p - 1), ValueError, "target must hold probabilities in [0, 1]", "target below 0"),
    ]


def _bad_bce_logits():
    x = torch.zeros(2, 3)
    return _bad_reduction_and_pair("logits") + [
        Bad(Sample(x, x + 2), ValueError, "target must hold probabilities in [0, 1]", "target above 1"),
        Bad(Sample(x, x - 1), ValueError, "target must hold probabilities in [0, 1]", "target below 0"),
    ]


def _bad_huber():
    x = torch.zeros(2, 3)
    return _bad_reduction_and_pair() + [
        Bad(Sample(x, x, delta=0.0), ValueError, "delta must be in (0, inf)", "delta = 0"),
        Bad(Sample(x, x, delta=-1.0), ValueError, "delta must be in (0, inf)", "negative delta"),
        Bad(Sample(x, x, delta="1"), TypeError, "delta must be a real number", "string delta"),
    ]


def _bad_smooth_l1():
    x = torch.zeros(2, 3)
    return _bad_reduction_and_pair() + [
        Bad(Sample(x, x, beta=-0.5), ValueError, "beta must be in [0, inf)", "negative beta"),
        Bad(Sample(x, x, beta=None), TypeError, "beta must be a real number", "beta None"),
    ]


def _bad_sse():
    return [b for b in _bad_reduction_and_pair() if b.why != "unknown reduction"]


def _bad_triplet():
    a = torch.zeros(4, 3)
    return [
        Bad(Sample([0.0], a, a), TypeError, "anchor must be a torch.Tensor", "list anchor"),
        Bad(Sample(a, a.long(), a), TypeError, "positive must have a floating-point", "integer positive"),
        Bad(Sample(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), torch.zeros(2, 3, 4)), ValueError,
            "anchor must be 1-D or 2-D", "3-D embeddings"),
        Bad(Sample(a, torch.zeros(4, 2), a), ValueError, "positive must have the same shape as anchor",
            "positive of another shape"),
        Bad(Sample(a, a, torch.zeros(3, 3)), ValueError, "negative must have the same shape as anchor",
            "negative of another shape"),
        Bad(Sample(a, a, a, margin=0.0), ValueError, "margin must be in (0, inf)", "margin 0 (as torch)"),
        Bad(Sample(a, a, a, margin=-1.0), ValueError, "margin must be in (0, inf)", "negative margin"),
        Bad(Sample(a, a, a, p=0.0), ValueError, "p must be in (0, inf)", "p = 0"),
        Bad(Sample(a, a, a, p=-2.0), ValueError, "p must be in (0, inf)", "negative p"),
        Bad(Sample(a, a, a, eps=-1e-6), ValueError, "eps must be in [0, inf)", "negative eps"),
        Bad(Sample(a, a, a, margin=math.inf), ValueError, "margin and eps must be finite", "infinite margin"),
        Bad(Sample(a, a, a, reduction="mean "), ValueError, "reduction must be one of", "unknown reduction"),
    ]


CASES = [
    Case("losses.cross_entropy", L.cross_entropy, _torch_loss(nn.CrossEntropyLoss),
         'torch.nn.CrossEntropyLoss(reduction=reduction)(logits, target)', _cross_entropy, grad=(0,),
         bad=_bad_cross_entropy),
    Case("losses.binary_cross_entropy", L.binary_cross_entropy, _torch_loss(nn.BCELoss),
         "torch.nn.BCELoss(reduction=reduction)(p, target)", _bce, grad=(0, 1), bad=_bad_bce),
    Case("losses.binary_cross_entropy_with_logits", L.binary_cross_entropy_with_logits,
         _torch_loss(nn.BCEWithLogitsLoss), "torch.nn.BCEWithLogitsLoss(reduction=reduction)(logits, target)",
         _bce_logits, grad=(0, 1), bad=_bad_bce_logits),
    Case("losses.l1_loss", L.l1_loss, _torch_loss(nn.L1Loss),
         "torch.nn.L1Loss(reduction=reduction)(input, target)", _regression, grad=(0, 1), exact=True,
         bad=_bad_reduction_and_pair),
    Case("losses.mse_loss", L.mse_loss, _torch_loss(nn.MSELoss),
         "torch.nn.MSELoss(reduction=reduction)(input, target)", _regression, grad=(0, 1), exact=True,
         bad=_bad_reduction_and_pair),
    # Huber / SmoothL1: same op order as torch's kernels (½·z·z, δ·(z − ½δ), z − ½β; ½δ is exact): bit-exact
    Case("losses.huber_loss", L.huber_loss, _torch_loss(nn.HuberLoss),
         "torch.nn.HuberLoss(delta=delta, reduction=reduction)(input, target)", _huber, grad=(0, 1),
         exact=True, bad=_bad_huber),
    Case("losses.smooth_l1_loss", L.smooth_l1_loss, _torch_loss(nn.SmoothL1Loss),
         "torch.nn.SmoothL1Loss(beta=beta, reduction=reduction)(input, target)", _smooth_l1, grad=(0, 1),
         exact=True, bad=_bad_smooth_l1),
    Case("losses.triplet_margin_loss", L.triplet_margin_loss, _torch_loss(nn.TripletMarginLoss),
         "torch.nn.TripletMarginLoss(margin=margin, p=p, eps=eps, reduction=reduction)"
         "(anchor, positive, negative)",
         _triplet, grad=(0, 1, 2), bad=_bad_triplet),
    Case("losses.sum_squared_error", L.sum_squared_error, _sse_torch,
         '0.5 * F.mse_loss(input, target, reduction="sum")', _sse, grad=(0, 1), exact=True, bad=_bad_sse),
]
