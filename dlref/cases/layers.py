"""Cases for :mod:`dlref.layers`."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dlref import layers as Y
from dlref.cases._core import Bad, Case, Draw, Sample


def _linear(d: Draw) -> Sample:
    in_features, out_features = d.int(1, 6), d.int(1, 6)
    lead = d.shape(min_dims=0, max_dims=2)  # () : a single sample x of shape (in_features,)
    x = d.real((*lead, in_features), scale=3.0, requires_grad=True)
    weight = d.real((out_features, in_features), scale=1.0, extreme=None, requires_grad=True)
    bias = d.real((out_features,), scale=1.0, extreme=None, requires_grad=True)
    return Sample(x, weight, bias)


def _bad_linear():
    x, w, b = torch.zeros(2, 4), torch.zeros(3, 4), torch.zeros(3)
    return [
        Bad(Sample([[0.0] * 4], w, b), TypeError, "x must be a torch.Tensor", "a list instead of x"),
        Bad(Sample(x.long(), w, b), TypeError, "x must have a floating-point dtype", "integer x"),
        Bad(Sample(torch.tensor(1.0), w, b), ValueError, "x must have at least 1 dimension", "0-d x"),
        Bad(Sample(x, torch.zeros(12), b), ValueError, "weight must be 2-D", "1-D weight"),
        Bad(Sample(torch.zeros(2, 5), w, b), ValueError, "x must have in_features = 4", "in_features differ"),
        Bad(Sample(x, w.T.contiguous(), b), ValueError, "x must have in_features = 3",
            "weight stored (in, out) instead of torch's (out, in)"),
        Bad(Sample(x, w.double(), b), TypeError, "weight must have the same dtype as x", "dtype mismatch"),
        Bad(Sample(x, w, torch.zeros(4)), ValueError, "bias must have shape (3,)", "bias of in_features"),
        Bad(Sample(x, w, torch.zeros(1, 3)), ValueError, "bias must be 1-D", "2-D bias"),
        Bad(Sample(x, w, b.double()), TypeError, "bias must have the same dtype as x", "bias dtype mismatch"),
    ]


CASES = [
    # bias is always a tensor here so that its gradient is checked; bias=None is in the docstring's doctest.
    # Not exact: F.linear adds the bias inside the GEMM (addmm), which rounds differently for long rows.
    Case("layers.linear", Y.linear, F.linear, "torch.nn.Linear with weight=W, bias=b (F.linear(x, W, b))",
         _linear, grad=(0, 1, 2), bad=_bad_linear),
]
