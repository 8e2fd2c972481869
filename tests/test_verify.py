"""``python -m dlref verify``: output and exit status on success, on a wrong function, without CUDA."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
import torch

import dlref.cases
from dlref.__main__ import main

ACTIVATIONS = [c for c in dlref.cases.CASES if c.module == "activations"]


@pytest.fixture
def few_cases(monkeypatch):
    monkeypatch.setattr(dlref.cases, "CASES", ACTIVATIONS)


def test_success_prints_table_and_environment(few_cases, capsys, tmp_path):
    report = tmp_path / "report.json"
    assert main(["verify", "--dtype", "float64", "--json", str(report)]) == 0
    out, err = capsys.readouterr()
    assert "dlref.activations.softmax" in out and "torch.nn.Softmax(dim=dim)" in out
    assert f"{len(ACTIVATIONS)} passed, 0 failed" in out
    assert f"torch {torch.__version__}" in out and "dtypes float64" in out
    assert f"[  1/{len(ACTIVATIONS)}]" in err  # progress
    data = json.loads(report.read_text())
    assert data["failed"] == 0 and data["torch"] == torch.__version__
    relu = next(r for r in data["rows"] if r["function"] == "dlref.activations.relu")
    assert relu["bit_exact"] and relu["gradients"] == "checked" and relu["anchor"] == "verify-activations-relu"


def test_a_wrong_function_fails(monkeypatch, capsys):
    case = next(c for c in ACTIVATIONS if c.name == "activations.sigmoid")
    wrong = dataclasses.replace(case, fn=lambda x: 1 / (1 + torch.exp(x)))  # sign error: σ(−x)
    monkeypatch.setattr(dlref.cases, "CASES", [wrong])
    assert main(["verify", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: values differ" in out and "0 passed, 2 failed" in out


def test_a_wrong_gradient_fails(monkeypatch, capsys):
    case = next(c for c in ACTIVATIONS if c.name == "activations.relu")

    def relu_without_gradient(x):
        return case.fn(x.detach())

    monkeypatch.setattr(dlref.cases, "CASES", [dataclasses.replace(case, fn=relu_without_gradient)])
    assert main(["verify", "--quiet", "--dtype", "float64"]) == 1
    assert "FAIL: gradients" in capsys.readouterr().out


def test_missing_cuda_is_a_clear_message(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["verify", "--device", "cuda"]) == 2
    captured = capsys.readouterr()
    assert "CUDA is not available" in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


def test_usage_and_unknown_command(capsys):
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert "usage: python -m dlref verify" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_module_entry_point_without_cuda():
    proc = subprocess.run([sys.executable, "-m", "dlref", "verify", "--device", "cuda"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "CUDA is not available" in proc.stderr and "Traceback" not in proc.stderr
