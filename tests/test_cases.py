"""Every dlref function against its torch counterpart, driven by the one table in ``dlref.cases``.

Parametrised over case x dtype; the device comes from the ``device`` fixture (CPU here, CUDA in the GPU
workflow). Inputs: the fixed seeded battery of ``python -m dlref verify`` plus hypothesis draws.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlref.cases import CASES, Sample, TorchDraw, compare, run_both, tolerances
from strategies import HypothesisDraw

SEEDS = range(4)

by_dtype = [
    pytest.param(case, dtype, id=f"{case.name}-{str(dtype).removeprefix('torch.')}")
    for case in CASES
    for dtype in case.dtypes
]
with_grad = [pytest.param(case, id=case.name) for case in CASES if case.grad]
with_bad = [
    pytest.param(case, bad, id=f"{case.name}-{bad.why}") for case in CASES if case.bad for bad in case.bad()
]


def _check(case, sample: Sample, dtype) -> None:
    ours, theirs = run_both(case, sample)
    rtol, atol = tolerances(case, dtype)
    result = compare(ours, theirs, rtol, atol)
    assert result.ok, f"{case.name}: {result.message} (max abs {result.max_abs:.3g}, rel {result.max_rel:.3g}) on {sample!r}"
    if case.exact:
        assert result.bit_exact, f"{case.name}: expected bit-exact agreement, max abs diff {result.max_abs:.3g}"


@pytest.mark.parametrize(("case", "dtype"), by_dtype)
def test_battery_matches_torch(case, dtype, device):
    """The fixed battery (also used by ``python -m dlref verify``), including extreme inputs."""
    for seed in SEEDS:
        _check(case, case.make(TorchDraw(seed, dtype or torch.float64, device)), dtype)
    if case.edge:
        _check(case, case.make(TorchDraw(100, dtype or torch.float64, device, edge=True)), dtype)


@pytest.mark.parametrize(("case", "dtype"), by_dtype)
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(data=st.data())
def test_property_matches_torch(case, dtype, device, data):
    """Hypothesis-drawn shapes and values, derandomised so CI is reproducible."""
    _check(case, case.make(HypothesisDraw(data, dtype, device)), dtype)


def _grad_inputs(case, sample: Sample):
    args, kwargs = sample.fresh()
    idx = [i for i in case.grad if isinstance(i, int)]
    names = [n for n in case.grad if isinstance(n, str)]
    inputs = [args[i] for i in idx] + [kwargs[n] for n in names]

    def call(*tensors):
        a, k = list(args), dict(kwargs)
        for i, t in zip(idx, tensors):
            a[i] = t
        for n, t in zip(names, tensors[len(idx):]):
            k[n] = t
        return a, k

    return [t.detach().requires_grad_(True) for t in inputs], call


@pytest.mark.parametrize("case", with_grad)
def test_gradcheck(case, device):
    """Finite differences agree with dlref's autograd graph (float64)."""
    for seed in range(2):
        sample = case.make(TorchDraw(seed, torch.float64, device))
        inputs, call = _grad_inputs(case, sample)

        def f(*tensors):
            a, k = call(*tensors)
            return case.fn(*a, **k)

        assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("case", with_grad)
def test_gradients_match_torch(case, device):
    """Gradients through dlref equal gradients through the torch counterpart, extremes included."""
    for seed, edge in [(0, False), (1, False), (100, True)]:
        if edge and not case.edge:
            continue
        sample = case.make(TorchDraw(seed, torch.float64, device, edge=edge))
        grads = []
        for fn in (case.fn, case.torch_fn):
            inputs, call = _grad_inputs(case, sample)
            a, k = call(*inputs)
            out = fn(*a, **k)
            out = out[0] if isinstance(out, tuple) else out
            weights = torch.linspace(0.5, 1.5, out.numel(), dtype=out.dtype, device=out.device).reshape(out.shape)
            grads.append(torch.autograd.grad((out * weights).sum(), inputs, allow_unused=True))
        for ours, theirs in zip(*grads):
            assert ours is not None and theirs is not None
            assert torch.isfinite(ours).all(), f"{case.name}: non-finite gradient"
            torch.testing.assert_close(ours, theirs, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(("case", "dtype"), by_dtype)
def test_inputs_untouched(case, dtype, device):
    """dlref functions are pure: they never modify their arguments."""
    sample = case.make(TorchDraw(0, dtype or torch.float64, device))
    before = [t.detach().clone() for t in sample.tensors()]
    case.fn(*sample.args, **sample.kwargs)
    for b, t in zip(before, sample.tensors()):
        assert torch.equal(b, t.detach()), f"{case.name} modified an input in place"


@pytest.mark.parametrize(("case", "bad"), with_bad)
def test_bad_input_raises(case, bad):
    args, kwargs = bad.sample.fresh()
    with pytest.raises(bad.exc) as info:
        case.fn(*args, **kwargs)
    assert bad.match in str(info.value), f"message {str(info.value)!r} should mention {bad.match!r}"
