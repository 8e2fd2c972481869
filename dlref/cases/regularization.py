"""Cases for :mod:`dlref.regularization`.

Dropout is compared on the CPU only, whatever the device under test: the mask is random, so the two sides
agree only when they draw it the same way, which torch does on the CPU (``bernoulli_`` then ``div_``) but
not on CUDA (a fused kernel with its own random stream). ``tests/test_regularization.py`` checks dropout
on the device under test by its properties, and its gradient.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlref import regularization as R
from dlref.cases._core import Bad, Case, Draw, Sample


# ------------------------------------------------------------------------------------------ torch side
def torch_dropout(x, p=0.5, training=True, *, generator=None):
    """``nn.Dropout(p)`` in train/eval mode, with torch's global generator set to ``generator``'s state."""
    with torch.random.fork_rng(devices=[]):  # leave the global generator as it was
        if generator is not None:
            torch.default_generator.set_state(generator.get_state())  # ≙ torch.manual_seed(s)
        return nn.Dropout(p).train(training)(x)


def torch_batch_norm(x, weight, bias, running_mean, running_var, *, training=True, momentum=0.1, eps=1e-5):
    """``nn.BatchNorm1d`` (2-D/3-D ``x``) or ``nn.BatchNorm2d`` (4-D), the sample's parameters and buffers."""
    module_class = nn.BatchNorm2d if x.dim() == 4 else nn.BatchNorm1d
    module = module_class(x.shape[1], eps=eps, momentum=momentum, affine=weight is not None,
                          device=x.device, dtype=x.dtype).train(training)
    with torch.no_grad():
        module.running_mean.copy_(running_mean)
        module.running_var.copy_(running_var)
    params = {} if weight is None else {"weight": weight, "bias": bias}  # the sample's tensors, for gradients
    y = torch.func.functional_call(module, params, (x,))
    return y, module.running_mean, module.running_var


def torch_l2_penalty(param, weight_decay):
    """λ/2 · ‖θ‖², the norm from ``torch.linalg.vector_norm`` (the doctest checks it against SGD's weight_decay)."""
    return weight_decay / 2 * torch.linalg.vector_norm(param) ** 2


def torch_decoupled_weight_decay(param, lr, weight_decay):
    """One ``torch.optim.AdamW`` step on a copy of ``param`` whose gradient is 0: only the decay acts."""
    p = param.detach().clone().requires_grad_(True)
    p.grad = torch.zeros_like(p)
    torch.optim.AdamW([p], lr=lr, weight_decay=weight_decay).step()
    return p.detach()


# ------------------------------------------------------------------------------------------ samples
def _dropout(d: Draw) -> Sample:
    x = d.real(d.shape(max_side=6), scale=5.0).cpu()  # CPU: see the module docstring
    p = d.choice([0.5, 0.1, 0.9, 0.0, 1.0, d.float(0.0, 1.0)])
    training = d.choice([True, True, True, False])
    return Sample(x, p, training, generator=d.generator())


def _batch_norm(d: Draw) -> Sample:
    ndim = d.choice([2, 3, 4])
    n, c = d.int(1, 4), d.int(1, 4)
    spatial = tuple(d.int(1, 3) for _ in range(ndim - 2))
    training = d.choice([True, True, False])
    if training and n * math.prod(spatial) == 1:
        n = 2  # torch refuses a single value per channel in training
    return Sample(
        d.real((n, c, *spatial), scale=3.0, requires_grad=True),
        d.real((c,), scale=2.0, extreme=None, requires_grad=True),  # weight γ
        d.real((c,), scale=2.0, extreme=None, requires_grad=True),  # bias β
        d.real((c,), scale=1.0, extreme=None),  # running mean
        d.uniform((c,), 0.25, 4.0),  # running variance, positive
        training=training,
        momentum=d.choice([0.1, 0.0, 1.0, d.float(0.0, 1.0)]),
        eps=d.choice([1e-5, 1e-3, 0.5]),
    )


def _l2_penalty(d: Draw) -> Sample:
    return Sample(d.real(d.shape(max_side=6), scale=3.0, requires_grad=True),
                  d.choice([1e-4, 0.01, 0.0, d.float(0.0, 1.0)]))


def _decoupled(d: Draw) -> Sample:
    return Sample(d.real(d.shape(max_side=6), scale=3.0),
                  d.choice([1e-3, 0.1, 0.0, d.float(0.0, 1.0)]), d.choice([0.01, 0.0, d.float(0.0, 0.5)]))


# ------------------------------------------------------------------------------------------ bad inputs
def _bad_dropout():
    x = torch.zeros(2, 3)
    return [
        Bad(Sample([1.0, 2.0]), TypeError, "x must be a torch.Tensor", "a list instead of a tensor"),
        Bad(Sample(torch.tensor([1, 2])), TypeError, "x must have a floating-point dtype", "integer tensor"),
        Bad(Sample(x, 1.5), ValueError, "p must be in [0, 1]", "p > 1"),
        Bad(Sample(x, -0.1), ValueError, "p must be in [0, 1]", "p < 0"),
        Bad(Sample(x, float("nan")), ValueError, "p must not be NaN", "p = nan"),
        Bad(Sample(x, "0.5"), TypeError, "p must be a real number", "p as a string"),
        Bad(Sample(x, 0.5, 1), TypeError, "training must be a bool", "training = 1"),
        Bad(Sample(x, 0.5, generator=7), TypeError, "generator must be a torch.Generator",
            "seed as generator"),
    ]


def _bad_batch_norm():
    c3 = torch.ones(3)
    x = torch.zeros(4, 3, 2)

    def bn(x=x, w=c3, b=c3, rm=c3, rv=c3, **kw):
        return Sample(x, w, b, rm, rv, **kw)

    return [
        Bad(bn(x=torch.zeros(4)), ValueError, "x must be 2-D or 3-D or 4-D", "1-D x"),
        Bad(bn(x=torch.zeros(2, 3, 2, 2, 2)), ValueError, "x must be 2-D or 3-D or 4-D", "5-D x"),
        Bad(bn(x=torch.zeros(4, 3, dtype=torch.int64)), TypeError, "x must have a floating-point dtype",
            "integer x"),
        Bad(bn(w=torch.ones(4)), ValueError, "weight must have shape (3,)", "weight of 4 channels"),
        Bad(bn(b=torch.ones(3, 1)), ValueError, "bias must have shape (3,)", "bias of shape (3, 1)"),
        Bad(bn(rm=torch.ones(2)), ValueError, "running_mean must have shape (3,)", "running_mean of 2"),
        Bad(bn(rv=torch.ones(4)), ValueError, "running_var must have shape (3,)", "running_var of 4"),
        Bad(bn(rm=None), TypeError, "running_mean must be a torch.Tensor", "running_mean None"),
        Bad(bn(x=torch.zeros(1, 3)), ValueError, "more than 1 value per channel", "(1, C) in training"),
        Bad(bn(x=torch.zeros(1, 3, 1, 1)), ValueError, "more than 1 value per channel",
            "(1, C, 1, 1) in training"),
        Bad(bn(eps=0.0), ValueError, "eps must be in (0, inf)", "eps = 0"),
        Bad(bn(eps=-1e-5), ValueError, "eps must be in (0, inf)", "negative eps"),
        Bad(bn(momentum=1.5), ValueError, "momentum must be in [0, 1]", "momentum > 1"),
        Bad(bn(momentum=-0.1), ValueError, "momentum must be in [0, 1]", "momentum < 0"),
        Bad(bn(momentum=None), TypeError, "momentum must be a real number", "momentum None (cumulative)"),
        Bad(bn(training="yes"), TypeError, "training must be a bool", "training as a string"),
    ]


def _bad_weight_decay(n_lr: int):
    x = torch.ones(3)
    lr = (0.1,) * n_lr

    def sample(param=x, wd=0.01, lr=lr):
        return Sample(param, *lr, wd)

    bad = [
        Bad(sample(param=[1.0, 2.0]), TypeError, "param must be a torch.Tensor", "a list instead of a tensor"),
        Bad(sample(param=torch.tensor([1, 2])), TypeError, "param must have a floating-point dtype",
            "integer tensor"),
        Bad(sample(wd=-0.01), ValueError, "weight_decay must be in [0, inf)", "negative weight_decay"),
        Bad(sample(wd=float("nan")), ValueError, "weight_decay must not be NaN", "weight_decay = nan"),
        Bad(sample(wd="0.01"), TypeError, "weight_decay must be a real number", "weight_decay as a string"),
    ]
    if n_lr:
        bad.append(Bad(sample(lr=(-0.1,)), ValueError, "lr must be in [0, inf)", "negative lr"))
    return bad


CASES = [
    Case("regularization.dropout", R.dropout, torch_dropout,
         "torch.manual_seed(s); torch.nn.Dropout(p).train(training)(x)  [CPU; generator seeded with s]",
         _dropout, exact=True, bad=_bad_dropout),
    Case("regularization.batch_norm", R.batch_norm, torch_batch_norm,
         "torch.nn.BatchNorm1d / BatchNorm2d(C, eps=eps, momentum=momentum).train(training), "
         "returning (output, running_mean, running_var)", _batch_norm, grad=(0, 1, 2), bad=_bad_batch_norm),
    Case("regularization.l2_penalty", R.l2_penalty, torch_l2_penalty,
         "weight_decay / 2 * torch.linalg.vector_norm(param) ** 2 (its gradient λθ is what "
         "torch.optim.SGD(weight_decay=λ) adds)", _l2_penalty, grad=(0,),
         tol={torch.float32: (1e-5, 1e-5)}, bad=lambda: _bad_weight_decay(0)),
    Case("regularization.decoupled_weight_decay", R.decoupled_weight_decay, torch_decoupled_weight_decay,
         "torch.optim.AdamW([param], lr=lr, weight_decay=weight_decay).step() with param.grad = 0",
         _decoupled, exact=True, bad=lambda: _bad_weight_decay(1)),
]
