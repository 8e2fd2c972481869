"""BCEWithLogitsLoss vs sigmoid + BCELoss: time of one forward and backward pass.

The notes call ``nn.BCEWithLogitsLoss`` "sigmoid + BCELoss combined in an efficient implementation". Its main
advantage is numerical (see the chapter Loss functions: no clamp at 100, no vanishing gradient at large logits);
this script measures the speed part of the claim. For a few sizes of logits it times, with
``torch.utils.benchmark`` (which synchronises CUDA), the median of ``loss(x, y).backward()`` for

- ``nn.BCEWithLogitsLoss()(x, y)`` (one fused op), and
- ``nn.BCELoss()(torch.sigmoid(x), y)`` (two ops, the sigmoid output kept for the backward pass),

in 7 alternating rounds (a shared machine is noisy), and prints them with the machine.

Run: ``python benchmarks/bce_with_logits.py`` (add ``--device cuda`` on a GPU machine; ``--threads 1`` gives
steadier CPU numbers on a loaded machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics

import torch
from machine import cpu_model
from torch import nn
from torch.utils import benchmark

ROUNDS = 7
SHAPES = [(64, 10), (1024, 100), (16384, 100), (65536, 256)]
STMTS = {
    "BCEWithLogitsLoss": "nn.BCEWithLogitsLoss()(x, y).backward()",
    "sigmoid + BCELoss": "nn.BCELoss()(torch.sigmoid(x), y).backward()",
}


def machine(device: torch.device) -> str:
    cpu = cpu_model()
    gpu = f", GPU {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""
    return (f"{cpu} ({os.cpu_count()} cores, torch.get_num_threads()={torch.get_num_threads()}){gpu}; "
            f"torch {torch.__version__}, Python {platform.python_version()}, {platform.system()}")


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    args = parser.parse_args()
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"machine: {machine(device)}; device {device}")
    print(f"forward + backward, float32, median of {ROUNDS} rounds; ratio: median (min–max over the rounds)")
    print("| logits | BCEWithLogitsLoss | sigmoid + BCELoss | (sigmoid + BCELoss) / BCEWithLogitsLoss |")
    print("|---|---|---|---|")
    for shape in SHAPES:
        x = torch.randn(shape, device=device).mul_(3).requires_grad_(True)
        y = (torch.rand(shape, device=device) > 0.5).float()
        torch.testing.assert_close(nn.BCEWithLogitsLoss()(x, y), nn.BCELoss()(torch.sigmoid(x), y))
        rounds: dict[str, list[float]] = {name: [] for name in STMTS}
        for _ in range(ROUNDS):  # alternate, so that load from other processes hits both alike
            for name, stmt in STMTS.items():
                timer = benchmark.Timer(stmt=stmt, globals={"torch": torch, "nn": nn, "x": x, "y": y})
                rounds[name].append(timer.blocked_autorange(min_run_time=0.2).median)
        fused, split = (statistics.median(rounds[name]) for name in STMTS)
        ratios = sorted(b / a for a, b in zip(*rounds.values()))
        print(f"| {shape[0]} × {shape[1]} | {us(fused)} | {us(split)} "
              f"| {statistics.median(ratios):.2f} ({ratios[0]:.2f}–{ratios[-1]:.2f}) |")


if __name__ == "__main__":
    main()
