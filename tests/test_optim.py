"""dlref.optim beyond single steps: whole trajectories of fresh torch optimizers, EMA counterparts, clipping
with torch's default arguments, purity.

Single steps with preloaded state, gradients through a step and bad inputs are rows of the table
(``dlref/cases/optim.py``, run by ``tests/test_cases.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_avg_fn, get_ema_multi_avg_fn

from dlref import optim as O
from dlref.cases import BY_NAME, Sample, compare, run_both
from dlref.cases.optim import torch_ema

STEPS = 200
LR, BETA = 0.05, 0.9
DTYPES = [torch.float32, torch.float64]
# Trajectory tolerances: every step rounds differently from torch (fused multiply-adds, lerp, a rearranged
# Adam update), ~1 ulp per step, accumulated over 200 steps on a convergent problem.
TRAJ_TOL = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-14)}


def _preloaded(opt: torch.optim.Optimizer, **state: Tensor) -> torch.optim.Optimizer:
    (p,) = opt.param_groups[0]["params"]
    opt.state[p].update({k: v.clone() for k, v in state.items()})
    return opt


@dataclass(frozen=True)
class Spec:
    """A fresh torch optimizer and the dlref step that must follow it."""

    name: str
    torch_opt: Callable[[Tensor], torch.optim.Optimizer]  # built on the leaf parameter
    step: Callable[..., tuple]  # (param, grad, state tuple, t) -> (param, *state)
    n_state: int  # dlref's state tensors, zeros at the start
    torch_state: Callable[[dict], tuple]  # torch's state, in dlref's terms


SPECS = [
    Spec("sgd", lambda p: torch.optim.SGD([p], lr=LR),
         lambda w, g, s, t: (O.sgd_step(w, g, LR),), 0, lambda st: ()),
    # fresh SGD: first buffer = g undampened; lr·(1−β) and dampening=0 make b_t = V_t / (1 − β)
    Spec("momentum-fresh-sgd", lambda p: torch.optim.SGD([p], lr=LR * (1 - BETA), momentum=BETA, dampening=0),
         lambda w, g, s, t: O.momentum_step(w, g, *s, LR, BETA), 1,
         lambda st: ((1 - BETA) * st["momentum_buffer"],)),
    # dampening=β with a zero buffer preloaded: b_t = V_t from the first step
    Spec("momentum-dampened-preloaded",
         lambda p: _preloaded(torch.optim.SGD([p], lr=LR, momentum=BETA, dampening=BETA),
                              momentum_buffer=torch.zeros_like(p)),
         lambda w, g, s, t: O.momentum_step(w, g, *s, LR, BETA), 1, lambda st: (st["momentum_buffer"],)),
    Spec("adagrad", lambda p: torch.optim.Adagrad([p], lr=LR),
         lambda w, g, s, t: O.adagrad_step(w, g, *s, LR), 1, lambda st: (st["sum"],)),
    Spec("rmsprop", lambda p: torch.optim.RMSprop([p], lr=LR / 10, alpha=BETA),
         lambda w, g, s, t: O.rmsprop_step(w, g, *s, LR / 10, BETA), 1, lambda st: (st["square_avg"],)),
    Spec("rmsprop-defaults", lambda p: torch.optim.RMSprop([p], lr=LR / 10),
         lambda w, g, s, t: O.rmsprop_step(w, g, *s, LR / 10, 0.99), 1, lambda st: (st["square_avg"],)),
    Spec("adam", lambda p: torch.optim.Adam([p], lr=LR),
         lambda w, g, s, t: O.adam_step(w, g, *s, t, lr=LR), 2, lambda st: (st["exp_avg"], st["exp_avg_sq"])),
    Spec("adam-betas-eps", lambda p: torch.optim.Adam([p], lr=LR, betas=(0.5, 0.9), eps=1e-3),
         lambda w, g, s, t: O.adam_step(w, g, *s, t, lr=LR, betas=(0.5, 0.9), eps=1e-3), 2,
         lambda st: (st["exp_avg"], st["exp_avg_sq"])),
]


def _problem(dtype, device, n: int = 6):
    """A noisy, ill-conditioned quadratic: g(w) = a ⊙ (w − w*) + noise_t."""
    gen = torch.Generator().manual_seed(0)
    a = torch.logspace(-1, 1, n, dtype=torch.float64)
    w_star = torch.randn(n, generator=gen, dtype=torch.float64)
    noise = 0.1 * torch.randn(STEPS, n, generator=gen, dtype=torch.float64)
    w0 = torch.randn(n, generator=gen, dtype=torch.float64) * 3
    a, w_star, noise, w0 = (t.to(dtype=dtype, device=device) for t in (a, w_star, noise, w0))
    return w0, lambda w, t: a * (w - w_star) + noise[t]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_trajectory_matches_fresh_torch_optimizer(spec, dtype, device):
    """200 steps from zero state: the parameters after every step, and the state at the end."""
    w0, grad_at = _problem(dtype, device)
    p = w0.clone().requires_grad_(True)
    opt = spec.torch_opt(p)
    ours, state = w0.clone(), tuple(torch.zeros_like(w0) for _ in range(spec.n_state))
    rtol, atol = TRAJ_TOL[dtype]
    for t in range(1, STEPS + 1):
        p.grad = grad_at(p.detach(), t - 1)
        opt.step()
        ours, *state = spec.step(ours, grad_at(ours, t - 1), tuple(state), t)
        torch.testing.assert_close(ours, p.detach(), rtol=rtol, atol=atol,
                                   msg=lambda m, t=t: f"step {t}: {m}")
    for mine, theirs in zip(state, spec.torch_state(opt.state[p]), strict=True):
        torch.testing.assert_close(mine, theirs, rtol=rtol, atol=atol)
    if "step" in opt.state[p]:
        assert int(opt.state[p]["step"]) == STEPS
    assert (ours - w0).abs().max() > 0.1  # it moved


def test_sgd_momentum_dampening_without_buffer_is_undampened_first(device):
    """The trap: SGD(momentum=β, dampening=β) on a fresh optimizer starts with b_1 = g_1, not (1 − β) g_1."""
    g = torch.ones(3, dtype=torch.float64, device=device)
    p = torch.zeros(3, dtype=torch.float64, device=device, requires_grad=True)
    p.grad = g.clone()
    opt = torch.optim.SGD([p], lr=LR, momentum=BETA, dampening=BETA)
    opt.step()
    w, v = O.momentum_step(torch.zeros_like(g), g, torch.zeros_like(g), LR, BETA)
    torch.testing.assert_close(opt.state[p]["momentum_buffer"], g)
    torch.testing.assert_close(v, (1 - BETA) * g)
    torch.testing.assert_close(p.detach(), w / (1 - BETA))


@pytest.mark.parametrize("magnitude", [1e4, 3e19, 1e30])
@pytest.mark.parametrize("name", ["sgd_step", "momentum_step", "adagrad_step", "rmsprop_step", "adam_step"])
def test_huge_gradients_float32_as_torch(name, magnitude, device):
    """Gradients far beyond the battery's 1e4: where g² overflows float32, dlref and torch give the same steps
    (Adam stays finite at 3e19 because √v̂ is formed as √v / √(1 − β₂ᵗ), as torch does)."""
    case = BY_NAME[f"optim.{name}"]
    p = torch.tensor([0.0, 1.0, -2.0], device=device)
    g = torch.tensor([magnitude, -magnitude, 0.5], device=device)
    s = torch.ones_like(p)
    args = {"sgd_step": (p, g, 0.1), "momentum_step": (p, g, s, 0.1, 0.9), "adagrad_step": (p, g, s, 0.1),
            "rmsprop_step": (p, g, s, 0.01, 0.99), "adam_step": (p, g, s, s, 1)}[name]
    result = compare(*run_both(case, Sample(*args)), 1.3e-6, 1e-5)
    assert result.ok, result.message


# --------------------------------------------------------------------------------------------- EMA
def _xs(dtype, device, shape=(STEPS, 4)):
    xs = torch.randn(shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    return xs.to(dtype=dtype, device=device)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.999])
def test_ema_from_zero_is_adams_exp_avg(beta, dtype, device):
    xs = _xs(dtype, device)
    w = torch.zeros_like(xs[0], requires_grad=True)
    adam = torch.optim.Adam([w], betas=(beta, 0.999))
    exp_avg = []
    for x in xs:
        w.grad = x.clone()
        adam.step()
        exp_avg.append(adam.state[w]["exp_avg"].clone())
    rtol, atol = TRAJ_TOL[dtype]
    torch.testing.assert_close(O.ema(xs, beta), torch.stack(exp_avg), rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("avg", ["multi_avg_fn", "avg_fn"])
def test_ema_from_first_value_is_swa_ema(avg, dtype, device):
    """AveragedModel copies the first value, then averages; ema(xs, β, v0=xs[0]) equals it."""
    xs, beta = _xs(dtype, device), 0.9
    fn = {"multi_avg_fn": get_ema_multi_avg_fn(beta), "avg_fn": get_ema_avg_fn(beta)}[avg]
    model = nn.ParameterList([torch.zeros_like(xs[0])])
    averaged = AveragedModel(model, **{avg: fn})
    swa = []
    for x in xs:
        with torch.no_grad():
            model[0].copy_(x)
        averaged.update_parameters(model)
        swa.append(averaged.module[0].detach().clone())
    torch.testing.assert_close(O.ema(xs, beta, v0=xs[0]), torch.stack(swa), rtol=TRAJ_TOL[dtype][0],
                               atol=TRAJ_TOL[dtype][1])


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_ema_preloaded_swa_is_bit_exact_over_long_sequences(dtype, device):
    xs = _xs(dtype, device, (STEPS, 3, 2))
    v0 = xs[0] * 3
    assert torch.equal(O.ema(xs, 0.99, v0=v0), torch_ema(xs, 0.99, v0=v0))
    assert torch.equal(O.ema(xs, 0.99), torch_ema(xs, 0.99))


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99])
def test_ema_bias_correction(beta, device):
    """From zero, a constant c averages to (1 − βᵗ) c; dividing by 1 − βᵗ gives c back."""
    c = torch.tensor([2.0, -3.0], dtype=torch.float64, device=device)
    v = O.ema(c.expand(50, 2), beta)
    corr = (1 - beta ** torch.arange(1, 51, dtype=torch.float64, device=device))[:, None]
    torch.testing.assert_close(v, corr * c)
    torch.testing.assert_close(v / corr, c.expand(50, 2))


# --------------------------------------------------------------------------------------------- clipping
CLIP_GRADS = {
    "one": lambda g: [torch.randn(3, 4, generator=g)],
    "several": lambda g: [torch.randn(3, 4, generator=g), torch.randn(7, generator=g) * 10,
                          torch.randn((), generator=g)],
    "large": lambda g: [torch.randn(1000, generator=g) * 1e3, torch.randn(33, 17, generator=g)],
    "with-empty": lambda g: [torch.randn(5, generator=g), torch.zeros(0)],
    "zeros": lambda g: [torch.zeros(4), torch.zeros(2, 2)],
}


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e30])  # clipping active / inactive
@pytest.mark.parametrize("grads", CLIP_GRADS, ids=str)
def test_clip_grad_norm_bit_exact_with_torch_defaults(grads, max_norm, norm_type, dtype, device):
    """torch's defaults (foreach=None); bit-exact on CPU, where both foreach paths give the same result."""
    gs = [t.to(dtype=dtype, device=device) for t in CLIP_GRADS[grads](torch.Generator().manual_seed(2))]
    params = [torch.zeros_like(t, requires_grad=True) for t in gs]
    for p, t in zip(params, gs, strict=True):
        p.grad = t.clone()
    clipped, ours = O.clip_grad_norm(gs, max_norm, norm_type)
    if grads == "with-empty" and norm_type == math.inf:  # torch refuses max() of nothing; dlref takes 0
        with pytest.raises(RuntimeError, match="empty tensor"):
            nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        assert torch.equal(ours, gs[0].abs().max())
        return
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    if device.type == "cpu":
        assert torch.equal(ours, total)
        assert all(torch.equal(c, p.grad) for c, p in zip(clipped, params, strict=True))
    else:  # foreach kernels sum in another order (bit-exact with foreach=False: the table)
        torch.testing.assert_close(ours, total)
        for c, p in zip(clipped, params, strict=True):
            torch.testing.assert_close(c, p.grad)
    if max_norm == 1e30:
        assert all(torch.equal(c, t) for c, t in zip(clipped, gs, strict=True))  # coefficient exactly 1


# --------------------------------------------------------------------------------------------- purity
def _z(device, *shape):
    z = torch.randn(shape, generator=torch.Generator().manual_seed(3), dtype=torch.float64).abs() + 0.5
    return z.to(device)


PURE_CALLS = {
    "ema": lambda d: (O.ema, (_z(d, 5, 3), 0.0), {"v0": _z(d, 3)}),
    "sgd_step-lr0": lambda d: (O.sgd_step, (_z(d, 2, 3), _z(d, 2, 3), 0.0), {}),
    "momentum_step-beta0": lambda d: (O.momentum_step, (_z(d, 2, 3), _z(d, 2, 3), _z(d, 2, 3), 0.0, 0.0), {}),
    "adagrad_step": lambda d: (O.adagrad_step, (_z(d, 2, 3), _z(d, 2, 3), _z(d, 2, 3), 0.0), {}),
    "rmsprop_step": lambda d: (O.rmsprop_step, (_z(d, 2, 3), _z(d, 2, 3), _z(d, 2, 3), 0.0, 0.0), {}),
    "adam_step": lambda d: (O.adam_step, (_z(d, 2, 3), _z(d, 2, 3), _z(d, 2, 3), _z(d, 2, 3), 1),
                            {"lr": 0.0, "betas": (0.0, 0.0)}),
    "clip_grad_norm-unclipped": lambda d: (O.clip_grad_norm, ([_z(d, 2, 3), _z(d, 4)], 1e9), {}),
}


def _tensors(obj):
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _tensors(o)]
    return []


@pytest.mark.parametrize("call", PURE_CALLS, ids=str)
def test_results_are_new_tensors(call, device):
    """Even where a result equals an input (lr = 0, β = 0, no clipping), it is a new tensor: writing into a
    result never changes an input, and the inputs keep their values."""
    fn, args, kwargs = PURE_CALLS[call](device)
    inputs = _tensors((args, kwargs))
    before = [t.clone() for t in inputs]
    out = _tensors(fn(*args, **kwargs))
    for o in out:
        o.add_(1.0)
    for b, t in zip(before, inputs, strict=True):
        assert torch.equal(b, t)
    ptrs = {t.untyped_storage().data_ptr() for t in inputs}
    assert all(o.untyped_storage().data_ptr() not in ptrs for o in out)
