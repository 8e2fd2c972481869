"""Cases for :mod:`dlref.lr_scheduler`.

The torch counterpart of "the lr after ``epoch`` scheduler steps" builds an SGD optimizer on a dummy
parameter with ``lr=lr0``, the scheduler, calls ``optimizer.step()`` then ``scheduler.step()`` ``epoch``
times (the order torch asks for, so it raises no warning) and reads ``optimizer.param_groups[0]["lr"]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch.optim import lr_scheduler as S

from dlref import lr_scheduler as L
from dlref.cases._core import Bad, Case, Draw, Sample

MAX_EPOCH = 150


def _optimizer(lr0: float) -> torch.optim.SGD:
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr0)


def torch_lrs(make_scheduler: Callable[[torch.optim.Optimizer], object], lr0: float,
              steps: int) -> list[float]:
    """The lr before any step and after each of ``steps`` scheduler steps, as torch computes them."""
    opt = _optimizer(lr0)
    sched = make_scheduler(opt)
    lrs = [float(opt.param_groups[0]["lr"])]
    for _ in range(steps):
        opt.step()  # no gradient: a no-op, but it keeps torch's step-order check quiet
        sched.step()
        lrs.append(float(opt.param_groups[0]["lr"]))
    return lrs


def torch_plateau_lrs(metrics, lr0, **kwargs) -> list[float]:
    """The lr after each ``ReduceLROnPlateau.step(metric)``."""
    opt = _optimizer(lr0)
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    lrs = []
    for m in metrics:
        opt.step()
        sched.step(m)
        lrs.append(float(opt.param_groups[0]["lr"]))
    return lrs


def _torch_step_lr(epoch, lr0, step_size, gamma=0.1):
    return torch_lrs(lambda o: S.StepLR(o, step_size=step_size, gamma=gamma), lr0, epoch)[-1]


def _torch_multistep_lr(epoch, lr0, milestones, gamma=0.1):
    return torch_lrs(lambda o: S.MultiStepLR(o, milestones=milestones, gamma=gamma), lr0, epoch)[-1]


def _torch_exponential_lr(epoch, lr0, gamma):
    return torch_lrs(lambda o: S.ExponentialLR(o, gamma=gamma), lr0, epoch)[-1]


def _torch_cosine_annealing_lr(epoch, lr_max, t_max, lr_min=0.0):
    return torch_lrs(lambda o: S.CosineAnnealingLR(o, T_max=t_max, eta_min=lr_min), lr_max, epoch)[-1]


def warmup_lambda(warmup_epochs: int) -> Callable[[int], float]:
    """The LambdaLR factor that gives a linear warm-up (1 throughout when ``warmup_epochs == 0``)."""
    if warmup_epochs == 0:
        return lambda t: 1.0
    return lambda t: min(t / warmup_epochs, 1.0)


def _torch_linear_warmup_lr(epoch, lr0, warmup_epochs):
    return torch_lrs(lambda o: S.LambdaLR(o, warmup_lambda(warmup_epochs)), lr0, epoch)[-1]


# --------------------------------------------------------------------------------------------- samples
def _epoch(d: Draw) -> int:
    return d.choice([0, 1, MAX_EPOCH]) if d.edge else d.int(0, MAX_EPOCH)


def _lr(d: Draw) -> float:
    return d.choice([0.0, 1.0, 10.0]) if d.edge else d.float(1e-4, 1.0)


def _gamma(d: Draw) -> float:
    return d.choice([0.1, 0.5, 0.99, 1.0]) if d.edge else d.float(0.05, 1.0)


def _step(d: Draw) -> Sample:
    return Sample(epoch=_epoch(d), lr0=_lr(d), step_size=d.int(1, 40), gamma=_gamma(d))


def milestones(d: Draw, count: int) -> list[int]:
    """``count`` strictly increasing milestones, the first in [0, 10]."""
    ms = [d.int(0, 10)]
    for _ in range(count - 1):
        ms.append(ms[-1] + d.int(1, 40))
    return ms[:count]


def _multistep(d: Draw) -> Sample:
    return Sample(epoch=_epoch(d), lr0=_lr(d), milestones=milestones(d, d.int(0, 5)), gamma=_gamma(d))


def _exponential(d: Draw) -> Sample:
    gamma = d.choice([0.5, 0.9, 1.0, 1.01]) if d.edge else d.float(0.8, 1.0)
    return Sample(epoch=_epoch(d), lr0=_lr(d), gamma=gamma)


def _cosine(d: Draw) -> Sample:
    lr_max = _lr(d)
    lr_min = d.choice([0.0, lr_max, 2.0 * lr_max]) if d.edge else d.choice([0.0, d.float(0.0, lr_max)])
    return Sample(epoch=_epoch(d), lr_max=lr_max, t_max=d.int(1, 60), lr_min=lr_min)


def _warmup(d: Draw) -> Sample:
    return Sample(epoch=_epoch(d), lr0=_lr(d), warmup_epochs=d.int(0, 30))


def plateau_metrics(d: Draw, n: int, mode: str) -> list[float]:
    """A noisy, decreasing (``min``) or increasing (``max``) curve rounded to 2 decimals, so it plateaus."""
    noise = d.uniform((n,), 0.0, 1.0).tolist() if n else []
    rate, spread = d.float(0.0, 0.5), d.float(0.0, 0.2)
    curve = [round(1.0 / (1.0 + rate * t) + spread * u, 2) for t, u in enumerate(noise)]
    if mode == "max":
        curve = [1.0 - c for c in curve]
    if d.edge and n >= 3:
        curve[0], curve[n // 2], curve[-1] = -curve[0], math.nan, d.choice([math.inf, -math.inf])
    return curve


def plateau_sample(d: Draw, min_len: int = 0, max_len: int = 60) -> Sample:
    """A random ReduceLROnPlateau configuration and a metric sequence of ``min_len`` to ``max_len`` values."""
    lr0 = _lr(d)
    mode = d.choice(["min", "max"])
    return Sample(
        plateau_metrics(d, d.int(min_len, max_len), mode), lr0,
        mode=mode,
        factor=d.choice([0.0, 0.1, 0.5, d.float(0.0, 0.99)]),
        patience=d.int(0, 6),
        threshold=d.choice([0.0, 1e-4, d.float(0.0, 0.1)]),
        threshold_mode=d.choice(["rel", "abs"]),
        cooldown=d.int(0, 4),
        min_lr=d.choice([0.0, d.float(0.0, lr0)]),
        eps=d.choice([1e-8, 0.0, d.float(0.0, 1e-2)]),
    )


# --------------------------------------------------------------------------------------------- bad inputs
def _bads(base: dict, rows: list[tuple[dict, type[Exception], str, str]]) -> list[Bad]:
    """One ``Bad`` per row: ``base`` with the row's arguments replaced."""
    return [Bad(Sample(**{**base, **change}), exc, match, why) for change, exc, match, why in rows]


def _epoch_lr_rows(lr_name: str = "lr0") -> list:
    return [
        ({"epoch": -1}, ValueError, "epoch must be a non-negative integer", "negative epoch"),
        ({"epoch": 2.0}, TypeError, "epoch must be an int", "float epoch"),
        ({"epoch": True}, TypeError, "epoch must be an int, got bool", "bool epoch"),
        ({lr_name: -0.1}, ValueError, f"{lr_name} must be in [0, inf)", f"negative {lr_name}"),
        ({lr_name: math.inf}, ValueError, f"{lr_name} must be in [0, inf)", f"infinite {lr_name}"),
        ({lr_name: math.nan}, ValueError, f"{lr_name} must not be NaN", f"NaN {lr_name}"),
        ({lr_name: "0.1"}, TypeError, f"{lr_name} must be a real number", f"str {lr_name}"),
    ]


_GAMMA_ROWS = [
    ({"gamma": 0.0}, ValueError, "gamma must be in (0, inf)", "zero gamma"),
    ({"gamma": -0.5}, ValueError, "gamma must be in (0, inf)", "negative gamma"),
    ({"gamma": None}, TypeError, "gamma must be a real number", "gamma None"),
]


def _bad_step():
    return _bads({"epoch": 5, "lr0": 0.1, "step_size": 2, "gamma": 0.5}, _epoch_lr_rows() + _GAMMA_ROWS + [
        ({"step_size": 0}, ValueError, "step_size must be a positive integer", "zero step_size"),
        ({"step_size": -3}, ValueError, "step_size must be a positive integer", "negative step_size"),
        ({"step_size": 2.5}, TypeError, "step_size must be an int", "float step_size"),
    ])


def _bad_multistep():
    base = {"epoch": 5, "lr0": 0.1, "milestones": [2, 4], "gamma": 0.5}
    return _bads(base, _epoch_lr_rows() + _GAMMA_ROWS + [
        ({"milestones": [4, 2]}, ValueError, "milestones must be strictly increasing", "decreasing"),
        ({"milestones": [2, 2]}, ValueError, "milestones must be strictly increasing", "repeated milestone"),
        ({"milestones": [2, 3.5]}, TypeError, "milestones[1] must be an int", "float milestone"),
        ({"milestones": [-1, 3]}, ValueError, "milestones[0] must be a non-negative integer", "negative"),
        ({"milestones": 3}, TypeError, "milestones must be a list or tuple of ints", "int milestones"),
        ({"milestones": {2, 4}}, TypeError, "milestones must be a list or tuple of ints", "set milestones"),
    ])


def _bad_exponential():
    return _bads({"epoch": 5, "lr0": 0.1, "gamma": 0.9}, _epoch_lr_rows() + _GAMMA_ROWS)


def _bad_cosine():
    return _bads({"epoch": 5, "lr_max": 0.1, "t_max": 10, "lr_min": 0.0}, _epoch_lr_rows("lr_max") + [
        ({"t_max": 0}, ValueError, "t_max must be a positive integer", "zero t_max"),
        ({"t_max": 10.0}, TypeError, "t_max must be an int", "float t_max"),
        ({"lr_min": -1e-3}, ValueError, "lr_min must be in [0, inf)", "negative lr_min"),
    ])


def _bad_warmup():
    return _bads({"epoch": 5, "lr0": 0.1, "warmup_epochs": 3}, _epoch_lr_rows() + [
        ({"warmup_epochs": -1}, ValueError, "warmup_epochs must be a non-negative integer", "negative"),
        ({"warmup_epochs": 2.5}, TypeError, "warmup_epochs must be an int", "float warmup"),
    ])


def _bad_plateau():
    rows = [
        ({"metrics": 0.5}, TypeError, "metrics must be a list or tuple of real numbers", "scalar metrics"),
        ({"metrics": "0.5"}, TypeError, "metrics must be a list or tuple of real numbers", "str metrics"),
        ({"metrics": [1.0, "x"]}, TypeError, "metrics[1] must be a real number", "str metric"),
        ({"metrics": [1.0, True]}, TypeError, "metrics[1] must be a real number", "bool metric"),
        ({"lr0": -0.1}, ValueError, "lr0 must be in [0, inf)", "negative lr0"),
        ({"mode": "mean"}, ValueError, "mode must be one of ('min', 'max')", "unknown mode"),
        ({"threshold_mode": "relative"}, ValueError, "threshold_mode must be one of ('rel', 'abs')",
         "unknown threshold_mode"),
        ({"factor": 1.0}, ValueError, "factor must be in [0, 1)", "factor 1"),
        ({"factor": 2.0}, ValueError, "factor must be in [0, 1)", "factor above 1"),
        ({"factor": -0.1}, ValueError, "factor must be in [0, 1)", "negative factor"),
        ({"patience": -1}, ValueError, "patience must be a non-negative integer", "negative patience"),
        ({"patience": 1.5}, TypeError, "patience must be an int", "float patience"),
        ({"cooldown": -2}, ValueError, "cooldown must be a non-negative integer", "negative cooldown"),
        ({"threshold": -1e-4}, ValueError, "threshold must be in [0, inf)", "negative threshold"),
        ({"min_lr": -1e-6}, ValueError, "min_lr must be in [0, inf)", "negative min_lr"),
        ({"eps": -1e-8}, ValueError, "eps must be in [0, inf)", "negative eps"),
    ]
    return _bads({"metrics": [1.0, 0.9, 0.95], "lr0": 0.1, "patience": 1}, rows)


CASES = [
    Case("lr_scheduler.step_lr", L.step_lr, _torch_step_lr,
         "torch.optim.lr_scheduler.StepLR(opt, step_size, gamma), epoch steps", _step,
         exact=True, dtypes=(None,), bad=_bad_step),
    Case("lr_scheduler.multistep_lr", L.multistep_lr, _torch_multistep_lr,
         "torch.optim.lr_scheduler.MultiStepLR(opt, milestones, gamma), epoch steps", _multistep,
         exact=True, dtypes=(None,), bad=_bad_multistep),
    Case("lr_scheduler.exponential_lr", L.exponential_lr, _torch_exponential_lr,
         "torch.optim.lr_scheduler.ExponentialLR(opt, gamma), epoch steps", _exponential,
         exact=True, dtypes=(None,), bad=_bad_exponential),
    # Closed form vs torch's recursive update: rounding errors accumulate in torch's recursion, about
    # 1e-13 * lr_max after MAX_EPOCH steps (measured); lr_max <= 10 here, so 1e-12 absolute is ample.
    Case("lr_scheduler.cosine_annealing_lr", L.cosine_annealing_lr, _torch_cosine_annealing_lr,
         "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max, eta_min=lr_min), epoch steps", _cosine,
         dtypes=(None,), tol={None: (1e-12, 1e-12)}, bad=_bad_cosine),
    Case("lr_scheduler.linear_warmup_lr", L.linear_warmup_lr, _torch_linear_warmup_lr,
         "torch.optim.lr_scheduler.LambdaLR(opt, lambda t: min(t / warmup_epochs, 1.0)), epoch steps",
         _warmup, exact=True, dtypes=(None,), bad=_bad_warmup),
    Case("lr_scheduler.reduce_lr_on_plateau", L.reduce_lr_on_plateau, torch_plateau_lrs,
         "torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode, factor, patience, threshold, threshold_mode, "
         "cooldown, min_lr, eps), step(m) per metric", plateau_sample,
         exact=True, dtypes=(None,), bad=_bad_plateau),
]
