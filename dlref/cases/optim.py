"""Cases for :mod:`dlref.optim`.

Each optimizer step is compared with one ``step()`` of the matching ``torch.optim`` optimizer on a clone of
the parameter, its state preloaded with the sample's state (drawn away from 0 where it holds squares: a zero
accumulator meeting a zero gradient sits at √0, whose derivative is infinite in torch too, and finite
differences would step outside the domain). When the inputs require grad (the gradient tests) torch's
optimizer runs with ``differentiable=True``, the mode torch provides for differentiating through a step.
Fresh optimizers (zero state, first step included) and whole trajectories are checked in
``tests/test_optim.py``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_avg_fn

from dlref import optim as O
from dlref.cases._core import Bad, Case, Draw, Sample


# --------------------------------------------------------------------------------------------- torch side
def torch_step(opt_cls: type[torch.optim.Optimizer], param: Tensor, grad: Tensor, state: dict,
               **hyper) -> tuple[Tensor, dict]:
    """One ``step()`` of ``opt_cls`` on a clone of ``param`` whose state is preloaded with ``state``.

    Returns the new parameter and the optimizer's state for it. With inputs that require grad, the step runs
    with ``differentiable=True`` and the results carry the autograd graph.
    """
    differentiable = any(t.requires_grad for t in (param, grad, *state.values()))
    if differentiable:
        p = param.clone()
        p.grad = grad.clone()
        hyper["differentiable"] = True
    else:
        p = param.detach().clone().requires_grad_(True)
        p.grad = grad.detach().clone()
    opt = opt_cls([p], **hyper)
    opt.state[p].update({k: v.clone() for k, v in state.items()})
    opt.step()
    return (p if differentiable else p.detach()), opt.state[p]


def _step_count(t: int) -> Tensor:
    # torch increments state["step"] before using it; float64 keeps the bias corrections of the
    # differentiable path (which computes them from this tensor) in double precision.
    return torch.tensor(float(t), dtype=torch.float64)


def torch_sgd(param, grad, lr):
    p, _ = torch_step(torch.optim.SGD, param, grad, {}, lr=lr)
    return p


def torch_momentum(param, grad, velocity, lr, beta):
    p, state = torch_step(torch.optim.SGD, param, grad, {"momentum_buffer": velocity}, lr=lr, momentum=beta,
                          dampening=beta)
    return p, state["momentum_buffer"]


def torch_sgd_momentum(param, grad, velocity, lr, momentum):
    """torch keeps the buffer b = v / lr and steps by lr · b; preloaded with v / lr, its lr · b is v."""
    p, state = torch_step(torch.optim.SGD, param, grad, {"momentum_buffer": velocity / lr}, lr=lr,
                          momentum=momentum)
    return p, lr * state["momentum_buffer"]


def torch_adagrad(param, grad, sum_sq, lr, eps=1e-10):
    p, state = torch_step(torch.optim.Adagrad, param, grad, {"sum": sum_sq, "step": _step_count(0)}, lr=lr,
                          lr_decay=0, initial_accumulator_value=0, eps=eps)
    return p, state["sum"]


def torch_rmsprop(param, grad, square_avg, lr, beta, eps=1e-8):
    state = {"square_avg": square_avg, "step": _step_count(0)}
    p, state = torch_step(torch.optim.RMSprop, param, grad, state, lr=lr, alpha=beta, eps=eps)
    return p, state["square_avg"]


def torch_adam(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    state = {"step": _step_count(step - 1), "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    p, state = torch_step(torch.optim.Adam, param, grad, state, lr=lr, betas=betas, eps=eps)
    return p, state["exp_avg"], state["exp_avg_sq"]


def torch_ema(xs, beta, v0=None):
    """``AveragedModel(avg_fn=get_ema_avg_fn(beta))`` holding ``v0`` as its first average, fed ``xs``."""
    model = nn.ParameterList([torch.zeros_like(xs[0]) if v0 is None else v0.detach().clone()])
    averaged = AveragedModel(model, avg_fn=get_ema_avg_fn(beta))
    averaged.n_averaged.fill_(1)  # v0 counts as averaged: the first x is averaged in, not copied
    out = []
    for x in xs:
        with torch.no_grad():
            model[0].copy_(x)
        averaged.update_parameters(model)
        out.append(averaged.module[0].detach().clone())
    return torch.stack(out)


def torch_ema_bias_corrected(xs, beta):
    """``RAdam(lr=1, betas=(beta, 0))`` steps by −m̂_t (β₂ = 0 keeps its rectification off); reset to 0 each step."""
    p = torch.zeros_like(xs[0], requires_grad=True)
    radam = torch.optim.RAdam([p], lr=1.0, betas=(beta, 0.0), foreach=False)
    out = []
    for x in xs:
        with torch.no_grad():
            p.zero_()
        p.grad = x.detach().clone()
        radam.step()
        out.append(-p.detach().clone())
    return torch.stack(out)


def torch_clip(grads, max_norm, norm_type=2.0):
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.detach().clone()
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type, foreach=False)
    return [p.grad for p in params], total


# --------------------------------------------------------------------------------------------- samples
def _state(d: Draw, shape, *, nonnegative: bool = False) -> Tensor:
    if nonnegative:
        # sums/averages of squares; > 0 keeps √ differentiable; bounds exact in float32 (hypothesis needs it)
        return d.uniform(shape, 2.0**-6, 9.0)
    return d.real(shape, scale=3.0)


def _param_grad(d: Draw):
    shape = d.shape()
    return shape, d.real(shape, scale=3.0), d.real(shape, scale=3.0)


def _sgd(d: Draw) -> Sample:
    _, p, g = _param_grad(d)
    return Sample(p, g, lr=d.float(1e-3, 1.0))


def _momentum(d: Draw) -> Sample:
    shape, p, g = _param_grad(d)
    return Sample(p, g, _state(d, shape), lr=d.float(1e-3, 1.0), beta=d.float(0.01, 0.99))


def _sgd_momentum(d: Draw) -> Sample:
    shape, p, g = _param_grad(d)
    return Sample(p, g, _state(d, shape), lr=d.float(1e-3, 1.0), momentum=d.float(0.01, 0.99))


def _adagrad(d: Draw) -> Sample:
    shape, p, g = _param_grad(d)
    return Sample(p, g, _state(d, shape, nonnegative=True), lr=d.float(1e-3, 1.0),
                  eps=d.choice([1e-10, 1e-6, 0.1]))


def _rmsprop(d: Draw) -> Sample:
    shape, p, g = _param_grad(d)
    return Sample(p, g, _state(d, shape, nonnegative=True), lr=d.float(1e-3, 0.1),
                  beta=d.float(0.5, 0.999), eps=d.choice([1e-8, 1e-4]))


def _adam(d: Draw) -> Sample:
    shape, p, g = _param_grad(d)
    m, v = _state(d, shape), _state(d, shape, nonnegative=True)
    step = d.choice([1, 2, 3, 10, 100, 1000, 10_000])
    betas = d.choice([(0.9, 0.999), (d.float(0.0, 0.99), d.float(0.5, 0.9999))])
    return Sample(p, g, m, v, step, lr=d.float(1e-4, 0.1), betas=betas, eps=d.choice([1e-8, 1e-3]))


def _ema(d: Draw) -> Sample:
    shape = (d.int(1, 12), *d.shape(min_dims=0, max_dims=2))
    xs = d.real(shape, scale=5.0)
    v0 = d.choice([None, "first", "drawn"])
    v0 = None if v0 is None else xs[0].clone() if v0 == "first" else d.real(shape[1:], scale=5.0)
    return Sample(xs, d.float(0.0, 0.999), v0=v0)


def _ema_bias_corrected(d: Draw) -> Sample:
    shape = (d.int(1, 12), *d.shape(min_dims=0, max_dims=2))
    return Sample(d.real(shape, scale=5.0), d.float(0.0, 0.999))


def _clip(d: Draw) -> Sample:
    scale = d.choice([0.125, 1.0, 8.0])  # exact in float32, as hypothesis requires of bounds
    grads = [d.real(d.shape(), scale=scale) for _ in range(d.int(1, 4))]
    return Sample(grads, d.float(0.1, 5.0), norm_type=d.choice([2.0, 1.0, 3.0, 0.5, math.inf]))


# --------------------------------------------------------------------------------------------- bad inputs
_P, _G = torch.zeros(2, 3), torch.ones(2, 3)
_INT, _F64 = torch.zeros(2, 3, dtype=torch.int64), torch.zeros(2, 3, dtype=torch.float64)
_LIST = [[0.0, 0.0, 0.0]] * 2


def _bad_common(rest: tuple, kwargs: dict, *, state: str | None = None) -> list[Bad]:
    """Bad param/grad/lr for ``fn(param, grad, *rest, **kwargs)``; a bad state too if ``rest[0]`` is one."""

    def s(param=_P, grad=_G, first=None, **over):
        args = (param, grad, *rest) if first is None else (param, grad, first, *rest[1:])
        return Sample(*args, **{**kwargs, **over})

    bad = [
        Bad(s(param=_LIST), TypeError, "param must be a torch.Tensor", "param a list"),
        Bad(s(param=_INT), TypeError, "param must have a floating-point dtype", "integer param"),
        Bad(s(grad=torch.ones(3, 2)), ValueError, "grad must have the same shape as param", "grad shape"),
        Bad(s(grad=_F64), TypeError, "grad must have the same dtype as param", "grad dtype"),
        Bad(s(lr=-0.1), ValueError, "lr must be in [0, inf)", "negative lr"),
        Bad(s(lr=float("nan")), ValueError, "lr must not be NaN", "nan lr"),
        Bad(s(lr="0.1"), TypeError, "lr must be a real number", "lr a string"),
    ]
    if state is not None:
        bad += [
            Bad(s(first=torch.zeros(3)), ValueError, f"{state} must have the same shape", f"{state} shape"),
            Bad(s(first=_F64), TypeError, f"{state} must have the same dtype as param", f"{state} dtype"),
            Bad(s(first=_LIST), TypeError, f"{state} must be a torch.Tensor", f"{state} a list"),
        ]
        if state not in ("velocity", "exp_avg"):  # the others hold squares
            bad.append(Bad(s(first=-_G), ValueError, f"{state} must be non-negative", f"negative {state}"))
    return bad


def _bad_hyper(rest: tuple, kwargs: dict, name: str) -> list[Bad]:
    """A decay outside [0, 1) or a negative eps."""

    def s(value):
        return Sample(_P, _G, *rest, **{**kwargs, name: value})

    if name == "eps":
        return [Bad(s(-1e-8), ValueError, "eps must be in [0, inf)", "negative eps")]
    return [Bad(s(b), ValueError, f"{name} must be in [0, 1)", why)
            for b, why in [(1.0, f"{name} = 1"), (-0.1, f"negative {name}"), (1.5, f"{name} > 1")]]


_MOMENTUM = ((torch.zeros(2, 3),), {"lr": 0.1, "beta": 0.9})
_SGD_MOMENTUM = ((torch.zeros(2, 3),), {"lr": 0.1, "momentum": 0.9})
_ADAGRAD = ((torch.zeros(2, 3),), {"lr": 0.1})
_RMSPROP = ((torch.zeros(2, 3),), {"lr": 0.1, "beta": 0.99})
_ADAM = ((torch.zeros(2, 3), torch.zeros(2, 3), 1), {"lr": 1e-3})


def _bad_sgd():
    return _bad_common((), {"lr": 0.1})


def _bad_momentum():
    return _bad_common(*_MOMENTUM, state="velocity") + _bad_hyper(*_MOMENTUM, "beta")


def _bad_sgd_momentum():
    return _bad_common(*_SGD_MOMENTUM, state="velocity") + _bad_hyper(*_SGD_MOMENTUM, "momentum")


def _bad_adagrad():
    return _bad_common(*_ADAGRAD, state="sum_sq") + _bad_hyper(*_ADAGRAD, "eps")


def _bad_rmsprop():
    return (_bad_common(*_RMSPROP, state="square_avg") + _bad_hyper(*_RMSPROP, "beta")
            + _bad_hyper(*_RMSPROP, "eps"))


def _bad_adam():
    p = z = torch.zeros(2, 3)
    decay = "must be in [0, 1)"
    return _bad_common(*_ADAM, state="exp_avg") + _bad_hyper(*_ADAM, "eps") + [
        Bad(Sample(p, z, z, -_G, 1), ValueError, "exp_avg_sq must be non-negative", "negative exp_avg_sq"),
        Bad(Sample(p, z, z, torch.zeros(2), 1), ValueError, "exp_avg_sq must have the same shape as param",
            "exp_avg_sq shape"),
        Bad(Sample(p, z, z, z, 0), ValueError, "step must be a positive integer", "step 0"),
        Bad(Sample(p, z, z, z, -3), ValueError, "step must be a positive integer", "negative step"),
        Bad(Sample(p, z, z, z, 1.0), TypeError, "step must be an int", "float step"),
        Bad(Sample(p, z, z, z, 1, betas=(0.9, 1.0)), ValueError, f"betas[1] {decay}", "beta2 = 1"),
        Bad(Sample(p, z, z, z, 1, betas=(-0.1, 0.9)), ValueError, f"betas[0] {decay}", "negative beta1"),
        Bad(Sample(p, z, z, z, 1, betas=0.9), TypeError, "betas must be a pair", "betas a float"),
        Bad(Sample(p, z, z, z, 1, betas=(0.9, 0.9, 0.9)), TypeError, "betas must be a pair", "three betas"),
    ]


def _bad_ema():
    xs = torch.zeros(4, 3)
    one_value = "xs must hold at least one value along dim 0"
    return [
        Bad(Sample([1.0, 2.0], 0.9), TypeError, "xs must be a torch.Tensor", "xs a list"),
        Bad(Sample(xs.long(), 0.9), TypeError, "xs must have a floating-point dtype", "integer xs"),
        Bad(Sample(torch.tensor(1.0), 0.9), ValueError, one_value, "0-d xs"),
        Bad(Sample(torch.zeros(0, 3), 0.9), ValueError, one_value, "empty xs"),
        Bad(Sample(xs, 1.0), ValueError, "beta must be in [0, 1)", "beta = 1"),
        Bad(Sample(xs, -0.5), ValueError, "beta must be in [0, 1)", "negative beta"),
        Bad(Sample(xs, True), TypeError, "beta must be a real number", "bool beta"),
        Bad(Sample(xs, 0.9, v0=torch.zeros(4)), ValueError, "v0 must have the same shape as xs[0]", "v0 4"),
        Bad(Sample(xs, 0.9, v0=xs[0].double()), TypeError, "v0 must have the same dtype", "v0 dtype"),
    ]


def _bad_ema_bias_corrected():
    xs = torch.zeros(4, 3)
    one_value = "xs must hold at least one value along dim 0"
    return [
        Bad(Sample([1.0, 2.0], 0.9), TypeError, "xs must be a torch.Tensor", "xs a list"),
        Bad(Sample(xs.long(), 0.9), TypeError, "xs must have a floating-point dtype", "integer xs"),
        Bad(Sample(torch.tensor(1.0), 0.9), ValueError, one_value, "0-d xs"),
        Bad(Sample(torch.zeros(0, 3), 0.9), ValueError, one_value, "empty xs"),
        Bad(Sample(xs, 1.0), ValueError, "beta must be in [0, 1)", "beta = 1"),
        Bad(Sample(xs, -0.5), ValueError, "beta must be in [0, 1)", "negative beta"),
        Bad(Sample(xs, "0.9"), TypeError, "beta must be a real number", "beta a string"),
    ]


def _bad_clip():
    g = [torch.ones(3), torch.ones(2, 2)]
    positive = "must be in (0, inf)"
    return [
        Bad(Sample(torch.ones(3), 1.0), TypeError, "grads must be a list or tuple", "a tensor, not a list"),
        Bad(Sample([], 1.0), ValueError, "grads must hold at least one tensor", "no gradients"),
        Bad(Sample([torch.ones(3), [1.0]], 1.0), TypeError, "grads[1] must be a torch.Tensor", "list inside"),
        Bad(Sample([torch.ones(3).long()], 1.0), TypeError, "grads[0] must have a floating-point dtype",
            "integer gradient"),
        Bad(Sample([torch.ones(3), torch.ones(3).double()], 1.0), ValueError,
            "grads must share one dtype and device", "mixed dtypes"),
        Bad(Sample(g, 0.0), ValueError, f"max_norm {positive}", "max_norm = 0"),
        Bad(Sample(g, -1.0), ValueError, f"max_norm {positive}", "negative max_norm"),
        Bad(Sample(g, 1.0, norm_type=0.0), ValueError, f"norm_type {positive}", "norm_type = 0"),
        Bad(Sample(g, 1.0, norm_type=-math.inf), ValueError, f"norm_type {positive}", "norm_type -inf"),
        Bad(Sample(g, 1.0, norm_type="fro"), TypeError, "norm_type must be a real number", "norm_type str"),
    ]


# --------------------------------------------------------------------------------------------- the table
CASES = [
    Case("optim.ema", O.ema, torch_ema,
         "torch.optim.swa_utils.AveragedModel(model, avg_fn=get_ema_avg_fn(beta)) holding v0 (zeros if None) "
         "with n_averaged = 1, update_parameters(x) for x in xs",
         _ema, exact=True, bad=_bad_ema),
    Case("optim.ema_bias_corrected", O.ema_bias_corrected, torch_ema_bias_corrected,
         "torch.optim.RAdam([p], lr=1.0, betas=(beta, 0.0)) fed x for x in xs, p reset to 0 before each "
         "step: -p after it",
         _ema_bias_corrected, bad=_bad_ema_bias_corrected),
    Case("optim.sgd_step", O.sgd_step, torch_sgd, "torch.optim.SGD([param], lr=lr).step()", _sgd,
         grad=(0, 1), bad=_bad_sgd),
    Case("optim.momentum_step", O.momentum_step, torch_momentum,
         "torch.optim.SGD([param], lr=lr, momentum=beta, dampening=beta) "
         'with state["momentum_buffer"] = velocity',
         _momentum, grad=(0, 1, 2), bad=_bad_momentum),
    Case("optim.sgd_momentum_step", O.sgd_momentum_step, torch_sgd_momentum,
         'torch.optim.SGD([param], lr=lr, momentum=momentum) with state["momentum_buffer"] = velocity / lr; '
         "velocity = lr * buffer",
         _sgd_momentum, grad=(0, 1, 2), bad=_bad_sgd_momentum),
    Case("optim.adagrad_step", O.adagrad_step, torch_adagrad,
         "torch.optim.Adagrad([param], lr=lr, lr_decay=0, initial_accumulator_value=0, eps=eps) "
         'with state["sum"] = sum_sq',
         _adagrad, grad=(0, 1, 2), bad=_bad_adagrad),
    Case("optim.rmsprop_step", O.rmsprop_step, torch_rmsprop,
         'torch.optim.RMSprop([param], lr=lr, alpha=beta, eps=eps) with state["square_avg"] = square_avg',
         _rmsprop, grad=(0, 1, 2), bad=_bad_rmsprop),
    Case("optim.adam_step", O.adam_step, torch_adam,
         'torch.optim.Adam([param], lr=lr, betas=betas, eps=eps) with state["exp_avg"], state["exp_avg_sq"] '
         'preloaded and state["step"] = step - 1',
         _adam, grad=(0, 1, 2, 3), bad=_bad_adam),
    Case("optim.clip_grad_norm", O.clip_grad_norm, torch_clip,
         "torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type, foreach=False) "
         "on params whose .grad are grads",
         _clip, exact=True, bad=_bad_clip),
]
