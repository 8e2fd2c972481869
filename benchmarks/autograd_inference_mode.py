"""Forward pass with autograd on, under ``torch.no_grad()`` and under ``torch.inference_mode()``.

Used by the chapter 自動微分 / Automatic differentiation. The model is the notes' example,
``nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))``, on the CPU with one thread. The
three modes are timed in interleaved rounds and the fastest round is kept (the least disturbed by other
processes); the table gives microseconds per forward pass, the machine and its load.

    python benchmarks/autograd_inference_mode.py
"""

from __future__ import annotations

import contextlib
import os
import platform
import time

import torch
from torch import nn

ROUNDS = 30


def per_call(model: nn.Module, x: torch.Tensor, ctx, calls: int) -> float:
    """Seconds per forward pass, averaged over ``calls`` passes."""
    with ctx():
        start = time.perf_counter()
        for _ in range(calls):
            model(x)
        return (time.perf_counter() - start) / calls


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    modes = {"autograd on": contextlib.nullcontext, "torch.no_grad()": torch.no_grad,
             "torch.inference_mode()": torch.inference_mode}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
          f"(load average {load:.1f}), 1 torch thread, torch {torch.__version__}")
    print(f"{'batch':>5}  " + "  ".join(f"{name:>22}" for name in modes) + "   inference_mode / autograd on")
    for batch, calls in ((1, 2000), (64, 200), (1024, 20)):
        x = torch.randn(batch, 784)
        best = dict.fromkeys(modes, float("inf"))
        for _ in range(ROUNDS):  # interleaved rounds; keep each mode's fastest
            for name, ctx in modes.items():
                best[name] = min(best[name], per_call(model, x, ctx, calls))
        ratio = best["torch.inference_mode()"] / best["autograd on"]
        print(f"{batch:>5}  " + "  ".join(f"{best[n] * 1e6:>19.1f} µs" for n in modes) + f"   {ratio:>29.2f}")


if __name__ == "__main__":
    main()
