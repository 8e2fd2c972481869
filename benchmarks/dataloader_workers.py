"""DataLoader: time per epoch against ``num_workers``, for I/O-bound and CPU-bound samples.

The notes recommended "half the number of physical cores" for ``num_workers``. What helps depends on where
a sample's time goes. This script loads one epoch of 256 samples (batch size 16) from two synthetic datasets:

- ``io``:  each ``__getitem__`` sleeps 4 ms (waiting for a disk or the network; the CPU is idle);
- ``cpu``: each ``__getitem__`` spends about 4 ms of pure-Python work on the CPU (decoding, augmentation).

For ``num_workers`` in 0, 1, 2, 4, 8 it prints the median time of the second and later epochs (workers kept
alive with ``persistent_workers=True``, so process start-up is not counted) and the time of the first epoch
(which includes starting the worker processes), with the machine.

Run: ``python benchmarks/dataloader_workers.py``.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
import warnings

import torch
from machine import cpu_model
from torch.utils.data import DataLoader, Dataset

N_SAMPLES, BATCH_SIZE, WORK_S = 256, 16, 0.004
WORKERS = (0, 1, 2, 4, 8)
EPOCHS = 4


class Synthetic(Dataset):
    """``N_SAMPLES`` samples of shape (64,); each costs ``WORK_S`` seconds of sleep (io) or of CPU (cpu)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.spin = 1
        if kind == "cpu":  # calibrate a pure-Python loop to WORK_S seconds
            start = time.perf_counter()
            self._burn(200_000)
            self.spin = max(1, int(200_000 * WORK_S / (time.perf_counter() - start)))

    @staticmethod
    def _burn(n: int) -> int:
        total = 0
        for i in range(n):
            total += i * i
        return total

    def __len__(self) -> int:
        return N_SAMPLES

    def __getitem__(self, index: int) -> torch.Tensor:
        if self.kind == "io":
            time.sleep(WORK_S)
        else:
            self._burn(self.spin)
        return torch.full((64,), float(index))


def epoch_times(dataset: Dataset, num_workers: int) -> tuple[float, float]:
    loader = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, num_workers=num_workers,
                        persistent_workers=num_workers > 0)
    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        for _batch in loader:
            pass
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:])


def machine() -> str:
    cpu = cpu_model()
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"{cpu} ({os.cpu_count()} logical cores{load}); torch {torch.__version__}, "
            f"Python {platform.python_version()}, {platform.system()}")


def main() -> None:
    # torch warns when num_workers exceeds its suggested maximum (the number of usable cores); we want that case.
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    print(f"machine: {machine()}")  # the load average tells whether other processes shared the cores
    print(f"{N_SAMPLES} samples, batch size {BATCH_SIZE}, {WORK_S * 1e3:.0f} ms per sample; "
          f"sequential lower bound {N_SAMPLES * WORK_S:.2f} s per epoch\n")
    print("| kind | num_workers | first epoch (s) | later epochs, median (s) | speed-up vs 0 |")
    print("|---|---|---|---|---|")
    for kind in ("io", "cpu"):
        dataset = Synthetic(kind)
        base = None
        for w in WORKERS:
            first, later = epoch_times(dataset, w)
            base = base or later
            print(f"| {kind} | {w} | {first:.2f} | {later:.2f} | {base / later:.1f}x |")


if __name__ == "__main__":
    main()
