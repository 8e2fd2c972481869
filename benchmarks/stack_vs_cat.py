"""torch.stack vs torch.cat: time and memory for the same output bytes.

The notes had a table "stack 1.2 ms ± 15 µs, cat 850 µs ± 10 µs; stack uses more memory (it creates a new
dimension)", with no sizes and no machine. ``torch.stack(ts, dim)`` is
``torch.cat([t.unsqueeze(dim) for t in ts], dim)``; ``unsqueeze`` is a view (no copy), so both calls write
the same bytes into one new tensor. This script measures, for a few input sizes:

- the time of one call. On the CPU: the CPU time of the calling thread (``time.thread_time``) with one
  intra-op thread, minimum over 7 rounds, so that other processes on a shared machine do not inflate it.
  On CUDA: the wall-clock median of ``torch.utils.benchmark`` (which synchronises the device);
- the memory each call allocates (``torch.profiler`` with ``profile_memory=True``: the ``CPU Mem`` /
  ``CUDA Mem`` of the top-level op, everything it calls included).

Run: ``python benchmarks/stack_vs_cat.py`` (``--device cuda`` on a GPU machine). It prints a Markdown table and
the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch
from machine import cpu_model
from torch.profiler import ProfilerActivity, profile
from torch.utils import benchmark

ROUNDS = 7
CASES = [  # (number of tensors, shape of each)
    (2, (2, 3)),
    (2, (32, 64, 64)),
    (64, (3, 224, 224)),
    (1000, (256,)),
]


def machine(device: torch.device) -> str:
    cpu = cpu_model()
    gpu = f", GPU {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""
    return (f"{cpu}, {os.cpu_count()} cores{gpu}; torch {torch.__version__}, "
            f"Python {platform.python_version()}, {platform.system()}")


def cpu_time(fn, min_time: float = 0.2) -> float:
    """Seconds of CPU time of this thread per call of ``fn``: minimum over ROUNDS rounds."""
    fn()
    calls = 1
    while True:  # calls per round: enough for min_time of CPU time
        start = time.thread_time()
        for _ in range(calls):
            fn()
        if time.thread_time() - start >= min_time / 10:
            break
        calls *= 2
    calls = max(1, int(calls * min_time / max(time.thread_time() - start, 1e-9)))
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.thread_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.thread_time() - start) / calls)
    return best


def wall_time(fn) -> float:
    timer = benchmark.Timer(stmt="fn()", globals={"fn": fn})
    return timer.blocked_autorange(min_run_time=1.0).median


def allocated(fn, device: torch.device) -> int:
    """Bytes allocated by the top-level op of ``fn()`` (the op and everything it calls)."""
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities, profile_memory=True) as prof:
        fn()
    attr = "device_memory_usage" if device.type == "cuda" else "cpu_memory_usage"
    return max(getattr(e, attr) for e in prof.key_averages() if e.key in ("aten::stack", "aten::cat"))


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    device = torch.device(parser.parse_args().device)
    if device.type == "cpu":
        torch.set_num_threads(1)
    measure = cpu_time if device.type == "cpu" else wall_time
    torch.manual_seed(0)
    what = "CPU time per call, 1 thread, min of 7 rounds" if device.type == "cpu" else "wall-clock median"
    print(f"machine: {machine(device)}; device {device}; {what}")
    print("| inputs | output bytes | stack (dim=0) | cat (dim=0) | stack/cat | stack allocates | cat allocates |")
    print("|---|---|---|---|---|---|---|")
    for n, shape in CASES:
        ts = [torch.randn(shape, device=device) for _ in range(n)]

        def stack(ts=ts):
            return torch.stack(ts, dim=0)

        def cat(ts=ts):
            return torch.cat(ts, dim=0)

        assert torch.equal(stack().flatten(), cat().flatten())  # the same bytes, in the same order
        s, c = measure(stack), measure(cat)
        print(f"| {n} × {tuple(shape)} | {stack().nbytes:,} B | {us(s)} | {us(c)} | {s / c:.2f} "
              f"| {allocated(stack, device):,} B | {allocated(cat, device):,} B |")


if __name__ == "__main__":
    main()
