"""Hypothesis as an input source for the table of cases (see ``dlref.cases._core.Draw``)."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from dlref.cases import Draw


class HypothesisDraw(Draw):
    """Draws every number through hypothesis, so failures shrink and replay."""

    def __init__(self, data: st.DataObject, dtype: torch.dtype | None, device: torch.device) -> None:
        self._data = data
        self.dtype, self.device = dtype or torch.float64, device
        self.edge = data.draw(st.booleans(), label="edge")

    def int(self, low: int, high: int) -> int:
        return self._data.draw(st.integers(low, high))

    def float(self, low: float, high: float) -> float:
        return self._data.draw(st.floats(low, high, allow_nan=False))

    def _values(self, n: int, low: float, high: float) -> list[float]:
        width = 32 if self.dtype == torch.float32 else 64
        if width == 32:  # hypothesis needs float32-exact bounds: round them inwards
            low32, high32 = np.float32(low), np.float32(high)
            low = float(np.nextafter(low32, np.float32(np.inf)) if low32 < low else low32)
            high = float(np.nextafter(high32, np.float32(-np.inf)) if high32 > high else high32)
        element = st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)
        return self._data.draw(st.lists(element, min_size=n, max_size=n))
