"""Host-to-GPU copies from pageable vs pinned memory (needs CUDA; says so and exits otherwise).

The notes claimed "pin_memory=True makes CPU→GPU transfers about 2x faster". This script measures, for a few
sizes, the time of ``x.to("cuda")`` from ordinary (pageable) memory and from pinned (page-locked) memory,
blocking and with ``non_blocking=True``: the copy as the GPU sees it (CUDA events around it, read after
synchronising) and how long the calling CPU thread is blocked. It prints a Markdown table, the bandwidth
and the machine.

Run on a machine with an NVIDIA GPU: ``python benchmarks/pin_memory.py``.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

import torch
from machine import cpu_model

SIZES_MIB = [1, 16, 256]
REPEATS = 20


def machine() -> str:
    cpu = cpu_model()
    return (f"{cpu}, {os.cpu_count()} cores, GPU {torch.cuda.get_device_name()}; torch {torch.__version__}, "
            f"CUDA {torch.version.cuda}, Python {platform.python_version()}, {platform.system()}")


def copy_ms(x: torch.Tensor, non_blocking: bool) -> tuple[float, float]:
    """Medians over REPEATS of one host-to-device copy of ``x``, in milliseconds.

    Returns (copy, host): the copy as the GPU sees it (CUDA events around it) and how long the calling CPU
    thread is blocked in ``x.to(...)`` (wall clock until the call returns).
    """
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    x.to("cuda", non_blocking=non_blocking)  # warm-up (allocator, context)
    torch.cuda.synchronize()
    copy, host = [], []
    for _ in range(REPEATS):
        start.record()
        t0 = time.perf_counter()
        x.to("cuda", non_blocking=non_blocking)
        host.append((time.perf_counter() - t0) * 1e3)
        end.record()
        torch.cuda.synchronize()
        copy.append(start.elapsed_time(end))
    return statistics.median(copy), statistics.median(host)


def main() -> int:
    if not torch.cuda.is_available():
        print("CUDA is not available on this machine: nothing measured (this benchmark needs an NVIDIA GPU).")
        return 0
    print(f"machine: {machine()}; median of {REPEATS} copies, CUDA events")
    print("copy = GPU time of the copy (CUDA events); host = how long the CPU thread waits in x.to(...)")
    print("| size | pageable: copy / host | pinned: copy / host | pinned, non_blocking: copy / host "
          "| speed-up of the copy, pinned vs pageable | pinned bandwidth |")
    print("|---|---|---|---|---|---|")
    for mib in SIZES_MIB:
        pageable = torch.empty(mib * 2**20, dtype=torch.uint8).fill_(1)
        pinned = pageable.pin_memory()
        page, pin, pin_async = (copy_ms(pageable, False), copy_ms(pinned, False), copy_ms(pinned, True))
        gbps = mib * 2**20 / (pin[0] / 1e3) / 1e9
        cells = " | ".join(f"{c:.3f} / {h:.3f} ms" for c, h in (page, pin, pin_async))
        print(f"| {mib} MiB | {cells} | {page[0] / pin[0]:.2f}x | {gbps:.1f} GB/s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
