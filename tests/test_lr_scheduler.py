"""Whole trajectories of every schedule against torch's schedulers, beyond what the table of cases checks.

One parametrised list, ``RUNS``: each epoch-based schedule over 100+ steps (cosine well past ``t_max``), and
many seeded random ReduceLROnPlateau configurations over 100+ metrics. Bit-identical where torch's
arithmetic is reproduced (everything but the cosine closed form, see ``dlref.lr_scheduler``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest
import torch
from torch.optim import lr_scheduler as S

from dlref import lr_scheduler as L
from dlref.cases import TorchDraw
from dlref.cases.lr_scheduler import plateau_sample, torch_lrs, torch_plateau_lrs, warmup_lambda


@dataclass(frozen=True)
class Run:
    """Our learning rates and torch's, both as lists; ``exact`` asks for equality, else rounding agreement."""

    ours: Callable[[], list[float]]
    theirs: Callable[[], list[float]]
    exact: bool = True


def _schedule(fn, make_scheduler, lr0: float, steps: int, exact: bool = True, **kwargs) -> Run:
    """An epoch-based schedule: ``fn(t, lr0, **kwargs)`` for t = 0..steps vs torch's scheduler."""
    return Run(lambda: [fn(t, lr0, **kwargs) for t in range(steps + 1)],
               partial(torch_lrs, make_scheduler, lr0, steps), exact)


def _step(lr0, step_size, gamma, steps):
    return _schedule(L.step_lr, lambda o: S.StepLR(o, step_size, gamma), lr0, steps,
                     step_size=step_size, gamma=gamma)


def _multistep(lr0, milestones, gamma, steps):
    return _schedule(L.multistep_lr, lambda o: S.MultiStepLR(o, milestones, gamma), lr0, steps,
                     milestones=milestones, gamma=gamma)


def _exponential(lr0, gamma, steps):
    return _schedule(L.exponential_lr, lambda o: S.ExponentialLR(o, gamma), lr0, steps, gamma=gamma)


def _cosine(lr_max, t_max, lr_min, steps):
    return _schedule(L.cosine_annealing_lr, lambda o: S.CosineAnnealingLR(o, t_max, lr_min), lr_max, steps,
                     exact=False, t_max=t_max, lr_min=lr_min)


def _warmup(lr0, warmup_epochs, steps):
    return _schedule(L.linear_warmup_lr, lambda o: S.LambdaLR(o, warmup_lambda(warmup_epochs)), lr0, steps,
                     warmup_epochs=warmup_epochs)


def _plateau(seed: int) -> Run:
    """A seeded random configuration; every fifth one has negative, NaN and infinite metrics."""
    sample = plateau_sample(TorchDraw(seed, edge=seed % 5 == 0), min_len=100, max_len=250)
    return Run(lambda: L.reduce_lr_on_plateau(*sample.args, **sample.kwargs),
               lambda: torch_plateau_lrs(*sample.args, **sample.kwargs))


RUNS = [
    *(pytest.param(_step(*a), id=f"step_lr{a}") for a in [
        (0.1, 30, 0.1, 300), (0.5, 7, 0.5, 200), (1.0, 1, 0.9, 200), (0.05, 3, 0.3, 150), (1.0, 10, 1.5, 120),
        (0.0, 5, 0.1, 100)]),
    *(pytest.param(_multistep(*a), id=f"multistep_lr{a}") for a in [
        (0.05, [30, 80], 0.1, 150), (0.1, [0, 5, 6, 100], 0.5, 150), (0.3, [], 0.1, 100),
        (1.0, [150], 0.7, 200), (0.2, list(range(1, 120, 3)), 0.9, 130)]),
    *(pytest.param(_exponential(*a), id=f"exponential_lr{a}") for a in [
        (0.1, 0.95, 300), (0.3, 0.99, 200), (1.0, 0.5, 1200), (0.01, 1.01, 150), (0.7, 1.0, 100)]),
    *(pytest.param(_cosine(*a), id=f"cosine_annealing_lr{a}") for a in [
        (0.1, 10, 0.0, 300), (0.1, 7, 0.001, 200), (1.0, 1, 0.5, 100), (0.05, 50, 1e-4, 250),
        (1.0, 3, 0.0, 400), (0.01, 20, 0.1, 120), (2.0, 100, 0.0, 150)]),
    *(pytest.param(_warmup(*a), id=f"linear_warmup_lr{a}") for a in [
        (0.1, 5, 100), (1.0, 0, 100), (0.3, 1, 100), (0.01, 37, 150)]),
    *(pytest.param(_plateau(seed), id=f"reduce_lr_on_plateau-seed{seed}") for seed in range(60)),
]


@pytest.mark.parametrize("run", RUNS)
def test_trajectory_matches_torch(run: Run):
    ours, theirs = run.ours(), run.theirs()
    assert len(ours) == len(theirs) >= 100
    if run.exact:
        assert ours == theirs, next(f"first difference at {i}: {a!r} vs {b!r}"
                                    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b)
    else:
        # Closed form vs torch's recursion: errors accumulate, ~1e-13 of the largest lr after 400 steps.
        scale = max(map(abs, theirs))
        f64 = partial(torch.tensor, dtype=torch.float64)
        torch.testing.assert_close(f64(ours), f64(theirs), rtol=1e-12, atol=1e-12 * scale)


def test_plateau_runs_reduce():
    """The random configurations do reduce the lr (often several times), not just keep it flat."""
    runs = [p.values[0] for p in RUNS if p.id.startswith("reduce_lr_on_plateau")]
    reductions = [sum(a > b for a, b in itertools.pairwise(run.ours())) for run in runs]
    assert sum(r > 0 for r in reductions) >= len(reductions) // 2
    assert max(reductions) >= 5


@pytest.mark.parametrize(("closed_form", "ours", "make_scheduler"), [
    pytest.param(lambda t: 0.1 * 0.1 ** (t // 30), lambda t: L.step_lr(t, 0.1, 30),
                 lambda o: S.StepLR(o, 30, 0.1), id="step_lr"),
    pytest.param(lambda t: 0.1 * 0.1 ** sum(m <= t for m in (10, 20, 30, 40)),
                 lambda t: L.multistep_lr(t, 0.1, [10, 20, 30, 40]),
                 lambda o: S.MultiStepLR(o, [10, 20, 30, 40], 0.1), id="multistep_lr"),
    pytest.param(lambda t: 0.1 * 0.95**t, lambda t: L.exponential_lr(t, 0.1, 0.95),
                 lambda o: S.ExponentialLR(o, 0.95), id="exponential_lr"),
])
def test_chained_products_needed_for_bit_exactness(closed_form, ours, make_scheduler):
    """Why dlref multiplies step by step: one power (lr0 * gamma**k) is not what torch computes."""
    theirs = torch_lrs(make_scheduler, 0.1, 150)
    assert [ours(t) for t in range(151)] == theirs
    assert [closed_form(t) for t in range(151)] != theirs
    assert all(math.isclose(closed_form(t), lr, rel_tol=1e-14) for t, lr in enumerate(theirs))


@pytest.mark.parametrize("t_max", [1, 4, 25])
def test_cosine_rises_again_after_t_max(t_max):
    """Past T_max the lr climbs back along the cosine (period 2 T_max) in torch and in dlref."""
    lr_max, lr_min = 0.1, 0.001
    theirs = torch_lrs(lambda o: S.CosineAnnealingLR(o, t_max, lr_min), lr_max, 4 * t_max)
    for t in range(4 * t_max + 1):
        ours = L.cosine_annealing_lr(t, lr_max, t_max, lr_min)
        mirrored = 2 * t_max - t if t <= 2 * t_max else t - 2 * t_max  # cos is even and 2π-periodic
        mirror = L.cosine_annealing_lr(mirrored, lr_max, t_max, lr_min)
        assert math.isclose(ours, theirs[t], rel_tol=1e-12)
        assert math.isclose(ours, mirror, rel_tol=1e-12)
    assert math.isclose(theirs[2 * t_max], lr_max, rel_tol=1e-12) and math.isclose(theirs[t_max], lr_min)
