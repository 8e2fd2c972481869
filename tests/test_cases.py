"""Every dlref function against its torch counterpart, driven by the one table in ``dlref.cases``.

Parametrised over case x dtype; the device comes from the ``device`` fixture (CPU here, CUDA in the GPU
workflow). Inputs: the fixed seeded battery of ``python -m dlref verify`` plus hypothesis draws.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import HypothesisDraw

from dlref.cases import (
    CASES,
    EDGE_SEED,
    Sample,
    TorchDraw,
    battery,
    compare,
    gradient_check,
    gradients_vs_torch,
    run_both,
    tolerances,
)

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
    assert result.ok, (f"{case.name}: {result.message} (max abs {result.max_abs:.3g}, rel {result.max_rel:.3g}) "
                       f"on {sample!r}")
    if case.exact:
        assert result.bit_exact, f"{case.name}: expected bit-exact agreement, max abs diff {result.max_abs:.3g}"


@pytest.mark.parametrize(("case", "dtype"), by_dtype)
def test_battery_matches_torch(case, dtype, device):
    """The fixed battery (also used by ``python -m dlref verify``), including extreme inputs."""
    for sample in battery(case, dtype, device):
        _check(case, sample, dtype)


@pytest.mark.parametrize(("case", "dtype"), by_dtype)
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(data=st.data())
def test_property_matches_torch(case, dtype, device, data):
    """Hypothesis-drawn shapes and values, derandomised so CI is reproducible."""
    _check(case, case.make(HypothesisDraw(data, dtype, device)), dtype)


@pytest.mark.parametrize("case", with_grad)
def test_gradcheck(case, device):
    """Finite differences agree with dlref's autograd graph (float64)."""
    for seed in range(2):
        assert gradient_check(case, case.make(TorchDraw(seed, torch.float64, device)))


@pytest.mark.parametrize("case", with_grad)
def test_gradients_match_torch(case, device):
    """Gradients through dlref equal gradients through the torch counterpart, extremes included."""
    for seed, edge in [(0, False), (1, False), (EDGE_SEED, True)]:
        if edge and not case.edge:
            continue
        ours, theirs = gradients_vs_torch(case, case.make(TorchDraw(seed, torch.float64, device, edge=edge)))
        for a, b in zip(ours, theirs):
            assert a is not None and b is not None
            assert torch.isfinite(a).all(), f"{case.name}: non-finite gradient"
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


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
