"""The table of cases: every public dlref function, its torch counterpart and its inputs.

One source of truth for the test suite (``tests/test_cases.py``) and for ``python -m dlref verify``.
Each module of dlref has a module of cases here; :data:`CASES` joins them.
"""

from __future__ import annotations

import importlib

from dlref.cases._core import (
    BATTERY_SEEDS,
    EDGE_SEED,
    Bad,
    Case,
    Draw,
    Sample,
    TorchDraw,
    battery,
    compare,
    gradient_check,
    gradients_vs_torch,
    run_both,
    tolerances,
)

MODULES = (
    "activations",
    "init",
    "losses",
    "optim",
    "lr_scheduler",
    "regularization",
    "cnn",
    "rnn",
    "layers",
    "linalg",
    "autograd",
    "data",
)


def _load() -> list[Case]:
    return [case for name in MODULES for case in importlib.import_module(f"dlref.cases.{name}").CASES]


CASES: list[Case] = _load()
BY_NAME: dict[str, Case] = {c.name: c for c in CASES}

__all__ = ["BATTERY_SEEDS", "BY_NAME", "CASES", "EDGE_SEED", "MODULES", "Bad", "Case", "Draw", "Sample", "TorchDraw",
           "battery", "compare", "gradient_check", "gradients_vs_torch", "run_both", "tolerances"]
