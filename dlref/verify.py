"""``python -m dlref verify``: every public function against its torch counterpart, on this machine.

The battery is the table of cases of :mod:`dlref.cases` (the same one the test suite runs): for each case
and dtype, the seeded samples of :func:`dlref.cases.battery` (extremes included), the largest absolute and
relative error, whether the results are bit-identical, and — in float64 — ``gradcheck`` plus a comparison of
the gradients with torch's.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import sys
import time
from dataclasses import asdict, dataclass

import torch

__all__ = ["Row", "main", "run"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class Row:
    """One line of the report."""

    function: str
    torch_api: str
    dtype: str
    samples: int
    max_abs_err: float
    max_rel_err: float
    bit_exact: bool
    expected_exact: bool
    gradients: str  # "checked", "failed" or "-" (not differentiable / not checked in this dtype)
    passed: bool
    message: str = ""

    @property
    def anchor(self) -> str:
        return "verify-" + self.function.removeprefix("dlref.").replace(".", "-").replace("_", "-")


def _gradients(case, samples) -> tuple[str, str]:
    from dlref.cases import gradient_check, gradients_vs_torch

    if not case.grad:
        return "-", ""
    try:
        if not gradient_check(case, samples[0]):
            return "failed", "gradcheck failed"
        for sample in samples[:2]:
            ours, theirs = gradients_vs_torch(case, sample)
            for a, b in zip(ours, theirs):
                torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)
    except Exception as exc:  # report, do not crash the run
        return "failed", f"gradients: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return "checked", ""


def check(case, dtype: torch.dtype | None, device: torch.device) -> Row:
    """Run one case in one dtype on one device."""
    from dlref.cases import battery, compare, run_both, tolerances

    rtol, atol = tolerances(case, dtype)
    samples = battery(case, dtype, device)
    max_abs = max_rel = 0.0
    exact, ok, message = True, True, ""
    try:
        for sample in samples:
            result = compare(*run_both(case, sample), rtol, atol)
            max_abs, max_rel = max(max_abs, result.max_abs), max(max_rel, result.max_rel)
            exact &= result.bit_exact
            if not result.ok:
                ok, message = False, result.message
                break
    except Exception as exc:
        ok, exact, message = False, False, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    if ok and case.exact and not exact:
        ok, message = False, "expected bit-exact agreement"
    grads = "-"
    if ok and dtype in (torch.float64, None) and case.grad:
        grads, grad_message = _gradients(case, samples)
        if grads == "failed":
            ok, message = False, grad_message
    return Row(case.qualname, case.torch_api, str(dtype).removeprefix("torch.") if dtype else "-",
               len(samples), max_abs, max_rel, bool(exact), case.exact, grads, ok, message)


def run(device: str = "cpu", dtypes: tuple[str, ...] = ("float32", "float64"), progress=None) -> list[Row]:
    """Verify every case; ``progress(i, n, label)`` is called before each check."""
    from dlref.cases import CASES

    dev = torch.device(device)
    wanted = [_DTYPES[d] for d in dtypes]
    jobs = [(case, dt) for case in CASES for dt in case.dtypes if dt is None or dt in wanted]
    # functions of plain numbers run once, whatever dtypes were asked for
    rows = []
    for i, (case, dt) in enumerate(jobs, 1):
        if progress:
            progress(i, len(jobs), f"{case.qualname} [{str(dt).removeprefix('torch.') if dt else '-'}]")
        rows.append(check(case, dt, dev))
    return rows


def device_name(device: str) -> str:
    dev = torch.device(device)
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return f"CPU ({platform.machine()}, {torch.get_num_threads()} threads)"


def environment(device: str, dtypes: tuple[str, ...]) -> dict:
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": device,
        "device_name": device_name(device),
        "dtypes": list(dtypes),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _fmt(x: float) -> str:
    return "0" if x == 0 else f"{x:.1e}"


def table(rows: list[Row]) -> str:
    head = ("function", "torch API (arguments that agree)", "dtype", "max abs err", "max rel err", "bit-exact",
            "gradients", "result")
    body = [(r.function, r.torch_api, r.dtype, _fmt(r.max_abs_err), _fmt(r.max_rel_err),
             "yes" if r.bit_exact else "no", r.gradients, "pass" if r.passed else f"FAIL: {r.message}") for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    widths[1] = min(widths[1], 60)
    lines = ["  ".join(str(c)[:w].ljust(w) for c, w in zip(line, widths)).rstrip() for line in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlref verify",
                                     description="Check every dlref function against its torch counterpart.")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--dtype", choices=sorted(_DTYPES), action="append",
                        help="float32 and/or float64 (repeatable; default: both)")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    dtypes = tuple(args.dtype or ("float32", "float64"))

    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"error: --device cuda was asked for, but CUDA is not available here "
              f"(torch {torch.__version__}, built with CUDA: {torch.version.cuda or 'no'}). "
              f"Run with --device cpu, or on a machine with an NVIDIA GPU and a CUDA build of torch.",
              file=sys.stderr)
        return 2

    def progress(i: int, n: int, label: str) -> None:
        if not args.quiet:
            print(f"[{i:3d}/{n}] {label}", file=sys.stderr, flush=True)

    if args.device == "cuda":
        torch.backends.fp32_precision = "ieee"  # no TF32 in float32 matmuls/convolutions (torch 2.13 default: tf32)
    start = time.perf_counter()
    rows = run(args.device, dtypes, progress)
    elapsed = time.perf_counter() - start
    env = environment(args.device, dtypes)
    failed = [r for r in rows if not r.passed]

    print(table(rows))
    print()
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed")
    print(f"torch {env['torch']} | device {env['device_name']} | dtypes {', '.join(dtypes)} | {env['date']} | "
          f"{elapsed:.1f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({**env, "seconds": round(elapsed, 2), "passed": len(rows) - len(failed),
                       "failed": len(failed), "rows": [asdict(r) | {"anchor": r.anchor} for r in rows]},
                      fh, indent=1)
    return 1 if failed else 0
