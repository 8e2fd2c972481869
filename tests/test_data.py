"""Iteration counts on a full grid of small sizes and on sizes too large for float arithmetic."""

from __future__ import annotations

import pytest
from torch.utils.data import DataLoader

from dlref.data import iterations_per_epoch, total_iterations


@pytest.mark.parametrize("drop_last", [False, True])
def test_every_small_size_matches_dataloader(drop_last):
    """Every N in [1, 60] and B in [1, 70] (B < N, B = N and B > N), against ``len(DataLoader)``."""
    for n in range(1, 61):
        for b in range(1, 71):
            expected = len(DataLoader(range(n), batch_size=b, drop_last=drop_last))
            assert iterations_per_epoch(n, b, drop_last) == expected, (n, b)
            assert total_iterations(n, b, 3, drop_last) == 3 * expected, (n, b)


@pytest.mark.parametrize(("n", "b"), [(2**53 + 1, 1), (2**53 + 1, 2), (10**18 + 7, 10**9), (3 * 2**60, 7)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_exact_beyond_float_precision(n, b, drop_last):
    """Integer arithmetic stays exact where ``math.ceil(n / b)`` would round (N > 2**53)."""
    expected = len(DataLoader(range(n), batch_size=b, drop_last=drop_last))
    assert iterations_per_epoch(n, b, drop_last) == expected
    assert total_iterations(n, b, 1000, drop_last) == 1000 * expected
