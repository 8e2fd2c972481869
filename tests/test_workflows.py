"""The GitHub Actions workflows parse and keep their promises (triggers, runners, permissions)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"


def load(name: str) -> dict:
    wf = yaml.safe_load((WORKFLOWS / name).read_text())
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads the key `on` as True
    return wf


@pytest.mark.parametrize("name", ["ci.yml", "gpu.yml"])
def test_parses_with_read_only_token_and_runs_the_ci_script(name):
    wf = load(name)
    assert wf["permissions"] == {"contents": "read"}
    runs = [s.get("run", "") for job in wf["jobs"].values() for s in job.get("steps", [])]
    assert any(".ci/" in r for r in runs)


def test_ci_runs_on_hosted_runner_and_publishes_only_from_main():
    wf = load("ci.yml")
    assert set(wf["on"]) >= {"push", "pull_request"}
    assert wf["jobs"]["test"]["runs-on"] == "ubuntu-latest"
    assert any("bash .ci/run" in s.get("run", "") for s in wf["jobs"]["test"]["steps"])
    deploy = wf["jobs"]["deploy"]
    assert "refs/heads/main" in deploy["if"] and deploy["needs"] == "test"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_gpu_runs_on_self_hosted_gpu_and_never_for_forks():
    wf = load("gpu.yml")
    job = wf["jobs"]["gpu"]
    assert job["runs-on"] == ["self-hosted", "linux", "x64", "gpu"]
    assert set(wf["on"]) == {"push", "workflow_dispatch", "pull_request"}
    assert wf["on"]["push"] == {"branches": ["main"]}
    assert wf["on"]["pull_request"] == {"types": ["labeled"]}  # a maintainer's label, never on open/sync
    assert "pull_request_target" not in wf["on"]
    cond = " ".join(job["if"].split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in cond  # no forks
    assert "github.event.label.name == 'run-gpu'" in cond
    assert job["env"]["DLREF_DEVICE"] == "cuda"
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "pytest -m gpu" in runs and "dlref verify --device cuda" in runs
