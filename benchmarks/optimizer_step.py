"""Time of one ``optimizer.step()`` and the memory of the optimizer state, for the optimizers the notes compare.

The notes' table said "SGD: memory-efficient", "Adam: uses more memory" and "Adadelta: high computational
cost", with no numbers. This script measures, for the parameters of a small MLP (about 1.06 million
floats, float32):

- the optimizer state after one step, in floats per parameter float (``state`` tensors except ``step``);
- the time of one ``step()`` (gradients fixed, the same for every optimizer): on the CPU the CPU time of the
  calling thread (``time.thread_time``) with one intra-op thread, minimum over 7 rounds, so that other
  processes on a shared machine do not inflate it; on CUDA the wall-clock median of ``torch.utils.benchmark``;
- for scale, the time of one forward and backward pass of the same model on a batch of 128, measured the
  same way.

Every optimizer runs with torch's defaults (on the CPU that is the single-tensor ``for`` loop; on CUDA the
``foreach`` implementation). Run: ``python benchmarks/optimizer_step.py`` (``--device cuda`` on a GPU machine).
It prints a Markdown table and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch
from machine import cpu_model
from torch import nn
from torch.utils import benchmark

ROUNDS = 7
BATCH = 128
OPTIMIZERS = {
    "SGD": lambda p: torch.optim.SGD(p, lr=0.01),
    "SGD (momentum=0.9)": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    "Adam": lambda p: torch.optim.Adam(p),
    "Adam (amsgrad=True)": lambda p: torch.optim.Adam(p, amsgrad=True),
    "AdamW": lambda p: torch.optim.AdamW(p),
    "RMSprop": lambda p: torch.optim.RMSprop(p),
    "Adagrad": lambda p: torch.optim.Adagrad(p),
    "Adadelta": lambda p: torch.optim.Adadelta(p),
}


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


def model(device: torch.device) -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 256), nn.ReLU(), nn.Linear(256, 10))
    net = net.to(device)
    for p in net.parameters():
        p.grad = torch.randn_like(p) * 1e-3
    return net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    device = torch.device(parser.parse_args().device)
    if device.type == "cpu":
        torch.set_num_threads(1)
    measure = cpu_time if device.type == "cpu" else wall_time
    what = "CPU time per step, 1 thread, min of 7 rounds" if device.type == "cpu" else "wall-clock median"
    print(f"machine: {machine(device)}; device {device}; {what}")
    n = sum(p.numel() for p in model(device).parameters())
    print(f"parameters: {n:,} floats (float32)")
    net, x, y = model(device), torch.randn(BATCH, 784, device=device), torch.randint(0, 10, (BATCH,), device=device)

    def forward_backward():
        net.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()

    print(f"forward + backward, batch {BATCH}: {measure(forward_backward) * 1e3:.2f} ms")
    print("| optimizer | state tensors per parameter | state floats / parameter floats | step time | vs SGD |")
    print("|---|---|---|---|---|")
    base = None
    for name, make in OPTIMIZERS.items():
        net = model(device)
        opt = make(net.parameters())
        opt.step()
        first = opt.state[next(iter(net.parameters()))]
        keys = sorted(k for k in first if k != "step")
        floats = sum(v.numel() for s in opt.state.values() for k, v in s.items() if k != "step")
        t = measure(opt.step)
        base = base or t
        print(f"| {name} | {', '.join(f'`{k}`' for k in keys) or '—'} | {floats / n:.0f} "
              f"| {t * 1e3:.2f} ms | {t / base:.1f} |")


if __name__ == "__main__":
    main()
