"""Speed of every dlref function against its torch counterpart, at realistic sizes (CPU by default).

    python benchmarks/speed.py [--device cpu|cuda] [--json PATH]

Prints, per function, the median time of dlref and of torch (``torch.utils.benchmark``, blocked autorange) and
the ratio dlref/torch. The torch counterpart is the one of the table of cases (``dlref.cases``), so both sides
compute the same thing; only the inputs are larger here. Goal: median ratio <= 3, none above 10 — except where
the formula itself prescribes a slower algorithm (see ``EXPECTED_SLOW``).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

import torch
from torch.utils import benchmark

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dlref.cases import BY_NAME, Sample

# Where the ratio is large by construction, not by accident.
EXPECTED_SLOW = {
    "linalg.matmul": "the contract writes C_ij = sum_k A_ik B_kj as a broadcast product and a sum (O(mnp) memory), "
                     "torch.mm calls a blocked BLAS kernel",
    "autograd.numerical_grad": "central differences call f twice per element; autograd needs one backward pass",
    "autograd.chain_rule": "a product of a few small tensors: both sides take microseconds, overhead dominates",
}


def sizes(device: torch.device) -> dict[str, Sample]:
    """Realistic inputs per function (float32)."""
    g = torch.Generator().manual_seed(0)

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g) * scale).to(device)

    def rand(*shape, low=0.0, high=1.0):
        return (low + (high - low) * torch.rand(*shape, generator=g)).to(device)

    def ints(high, *shape):
        return torch.randint(0, high, shape, generator=g).to(device)

    n = 1_000_000
    x, y = randn(n), randn(n)
    logits, target = randn(10_000, 100), ints(100, 10_000)
    p = rand(n, low=0.01, high=0.99)
    t01 = (rand(n) > 0.5).float()
    param, grad = randn(n), randn(n)
    state = rand(n, low=0.1, high=1.0)
    images = randn(8, 16, 32, 32)
    conv_w, conv_b = randn(32, 16, 3, 3, scale=0.1), randn(32)
    seq, h0 = randn(50, 32, 64), randn(32, 128)
    w_ih, w_hh, b_ih, b_hh = randn(128, 64, scale=0.1), randn(128, 128, scale=0.1), randn(128), randn(128)
    bn_x = randn(64, 64, 16, 16)
    c = 64
    samples = {
        "activations.sigmoid": Sample(x), "activations.sigmoid_derivative": Sample(x),
        "activations.tanh": Sample(x), "activations.tanh_derivative": Sample(x),
        "activations.relu": Sample(x), "activations.relu_derivative": Sample(x),
        "activations.softmax": Sample(logits, dim=-1), "activations.log_softmax": Sample(logits, dim=-1),
        "activations.softmax_cross_entropy_grad": Sample(logits, target),
        "init.fan_in_and_fan_out": Sample((256, 128, 3, 3)),
        "init.kaiming_normal_std": Sample(1152), "init.kaiming_uniform_bound": Sample(1152),
        "init.xavier_normal_std": Sample(1152, 2304), "init.xavier_uniform_bound": Sample(1152, 2304),
        "init.kaiming_normal": Sample((1000, 1000), generator=torch.Generator().manual_seed(1)),
        "init.kaiming_uniform": Sample((1000, 1000), generator=torch.Generator().manual_seed(1)),
        "init.xavier_normal": Sample((1000, 1000), generator=torch.Generator().manual_seed(1)),
        "init.xavier_uniform": Sample((1000, 1000), generator=torch.Generator().manual_seed(1)),
        "losses.cross_entropy": Sample(logits, target),
        "losses.binary_cross_entropy": Sample(p, t01),
        "losses.binary_cross_entropy_with_logits": Sample(x, t01),
        "losses.l1_loss": Sample(x, y), "losses.mse_loss": Sample(x, y),
        "losses.huber_loss": Sample(x, y), "losses.smooth_l1_loss": Sample(x, y),
        "losses.triplet_margin_loss": Sample(randn(4096, 128), randn(4096, 128), randn(4096, 128)),
        "losses.sum_squared_error": Sample(x, y),
        "optim.ema": Sample(randn(100, 10_000), 0.9),
        "optim.sgd_step": Sample(param, grad, 0.01),
        "optim.momentum_step": Sample(param, grad, randn(n), 0.01, 0.9),
        "optim.adagrad_step": Sample(param, grad, state, 0.01),
        "optim.rmsprop_step": Sample(param, grad, state, 0.01, 0.99),
        "optim.adam_step": Sample(param, grad, randn(n), state, 10),
        "optim.clip_grad_norm": Sample([randn(1000, 100) for _ in range(10)], 1.0),
        "lr_scheduler.step_lr": Sample(100, 0.1, 30), "lr_scheduler.multistep_lr": Sample(100, 0.1, [30, 60, 90]),
        "lr_scheduler.exponential_lr": Sample(100, 0.1, 0.95),
        "lr_scheduler.cosine_annealing_lr": Sample(100, 0.1, 50),
        "lr_scheduler.linear_warmup_lr": Sample(100, 0.1, 10),
        "lr_scheduler.reduce_lr_on_plateau": Sample([1.0 / (1 + i % 17) for i in range(100)], 0.1),
        "regularization.dropout": Sample(x, 0.5, generator=torch.Generator().manual_seed(2)),
        "regularization.batch_norm": Sample(bn_x, rand(c) + 0.5, randn(c), randn(c), rand(c) + 0.5),
        "cnn.conv2d_output_size": Sample(32, 3, 1, 1),
        "cnn.conv2d": Sample(images, conv_w, conv_b, 1, 1),
        "cnn.max_pool2d": Sample(images, 2), "cnn.avg_pool2d": Sample(images, 2),
        "rnn.rnn_cell": Sample(seq[0], h0, w_ih, w_hh, b_ih, b_hh),
        "rnn.rnn": Sample(seq, h0, w_ih, w_hh, b_ih, b_hh),
        "rnn.embedding": Sample(ints(10_000, 32, 50), randn(10_000, 128)),
        "layers.linear": Sample(randn(1024, 512), randn(512, 512, scale=0.05), randn(512)),
        "linalg.matmul": Sample(randn(128, 128), randn(128, 128)),
        "linalg.hadamard": Sample(x, y),
        "linalg.slope_through_origin": Sample(x, 2 * x + 0.1 * y),
        "linalg.matvec_derivative": Sample(x),
        "autograd.numerical_grad": Sample(lambda v: torch.sin(v).sum(), randn(100).double()),
        "autograd.chain_rule": Sample(*[rand(1) for _ in range(5)]),
        "data.iterations_per_epoch": Sample(60_000, 64), "data.total_iterations": Sample(60_000, 64, 10),
    }
    return samples


def time_call(fn, sample: Sample, device: torch.device) -> float:
    args, kwargs = sample.fresh()
    sync = "torch.cuda.synchronize()" if device.type == "cuda" else ""
    timer = benchmark.Timer(stmt=f"fn(*args, **kwargs); {sync}", globals={"fn": fn, "args": args, "kwargs": kwargs,
                                                                        "torch": torch})
    return timer.blocked_autorange(min_run_time=0.2).median


def run(device: str = "cpu") -> list[dict]:
    dev = torch.device(device)
    rows = []
    for name, sample in sizes(dev).items():
        case = BY_NAME.get(name)
        if case is None:
            continue
        ours = time_call(case.fn, sample, dev)  # inputs do not require grad: no graph is built
        theirs = time_call(case.torch_fn, sample, dev)
        rows.append({"function": f"dlref.{name}", "dlref_s": ours, "torch_s": theirs, "ratio": ours / theirs,
                     "expected_slow": EXPECTED_SLOW.get(name, "")})
    missing = sorted(set(BY_NAME) - set(sizes(dev)))
    if missing:
        print(f"no benchmark input for: {', '.join(missing)}", file=sys.stderr)
    return rows


def machine() -> str:
    return (f"{platform.machine()} {platform.processor() or ''} · {torch.get_num_threads()} threads · "
            f"torch {torch.__version__} · Python {platform.python_version()}").replace("  ", " ")


def report(rows: list[dict]) -> str:
    lines = [f"{'function':48s} {'dlref':>10s} {'torch':>10s} {'ratio':>7s}"]
    for r in rows:
        flag = "  (by construction)" if r["expected_slow"] else ("  <-- above 10" if r["ratio"] > 10 else "")
        lines.append(f"{r['function']:48s} {r['dlref_s'] * 1e3:8.3f}ms {r['torch_s'] * 1e3:8.3f}ms "
                     f"{r['ratio']:7.2f}{flag}")
    ratios = [r["ratio"] for r in rows]
    regular = [r["ratio"] for r in rows if not r["expected_slow"]]
    lines.append(f"median ratio {statistics.median(ratios):.2f} (all {len(ratios)}), "
                 f"{statistics.median(regular):.2f} (without the {len(ratios) - len(regular)} slow by construction); "
                 f"max {max(regular):.2f} without them")
    lines.append(f"machine: {machine()}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = run(args.device)
    print(report(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
