"""Root conftest: one place that sets up every kind of test.

- doctests (``pytest --doctest-modules``) get ``torch``, ``F``, ``nn``, ``dlref`` and ``device`` in their namespace;
- the Markdown pages under ``docs/`` are collected with Sybil, so every Python example on the site runs;
- ``device`` comes from ``DLREF_DEVICE`` (default ``cpu``; the GPU workflow sets ``cuda``);
- tests marked ``gpu`` skip, with a reason, when CUDA is absent.
"""

from __future__ import annotations

import doctest
import os

import pytest
import torch
import torch.nn.functional as F
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
from torch import nn

import dlref

DEVICE_NAME = os.environ.get("DLREF_DEVICE", "cpu")
# One intra-op thread: the tests run many tiny operations, for which thread hand-offs cost more than they save
# (measured 20-30x slower on a busy 2-core machine). Set DLREF_TEST_THREADS to override.
torch.set_num_threads(int(os.environ.get("DLREF_TEST_THREADS", "1")))
# On CUDA, torch 2.13 lets cuDNN/cuBLAS use TF32 for float32 by default (about 1e-3 relative error); the tests
# compare float32 at torch's default tolerances, so ask for IEEE float32.
torch.backends.fp32_precision = "ieee"

# Never collect: built site, caches, notebook sources (executed by tests/test_notebooks.py), benchmarks.
collect_ignore_glob = ["site/*", ".cache/*", "docs/notebooks/*", "benchmarks/*", ".venv/*", "build/*"]


def _device() -> torch.device:
    device = torch.device(DEVICE_NAME)
    if device.type == "cuda" and not torch.cuda.is_available():
        pytest.exit(f"DLREF_DEVICE={DEVICE_NAME!r} but CUDA is not available on this machine", returncode=4)
    return device


def _namespace() -> dict:
    return {"torch": torch, "F": F, "nn": nn, "dlref": dlref, "device": _device(),
            "cuda": torch.cuda.is_available()}


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace.update(_namespace())
    torch.manual_seed(0)


@pytest.fixture
def device() -> torch.device:
    """The device under test: CPU by default, CUDA in the GPU workflow (``DLREF_DEVICE=cuda``)."""
    return _device()


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device; none is available here (runs in .github/workflows/gpu.yml)")
    for item in items:
        if item.get_closest_marker("gpu") is not None:
            item.add_marker(skip)


def _sybil_setup(namespace: dict) -> None:
    namespace.update(_namespace())
    torch.manual_seed(0)


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(doctest_optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS), SkipParser()],
    patterns=["*.md"],
    path="docs",
    setup=_sybil_setup,
).pytest()
