"""One report of what a reader and a contributor wait for, measured on this machine.

    python benchmarks/run.py [--skip-cold] [--skip-tests] [--skip-speed] [--json PATH]

- site build: cold (no caches: figures, notebooks and the verification run are recomputed) and warm
  ``mkdocs build --strict`` wall time, pages per language;
- test suite: wall time of the README's test command (``bash .ci/test``);
- reading: for every page, in headless Chromium on a first visit (empty cache), the time from navigation to the
  last formula typeset (Performance API mark set by ``docs/assets/javascripts/math.js``), bytes transferred
  (gzip, as GitHub Pages serves the site; the uncompressed size too), the largest asset, and requests to any
  host but 127.0.0.1 (goals: <= 300 ms, < 1 MB, 0);
- dlref vs torch speed ratios (``benchmarks/speed.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from machine import cpu_model  # noqa: E402


def machine() -> str:
    cpu = cpu_model()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else 0
    return f"{cpu} · {os.cpu_count()} cores · {mem:.0f} GiB · {platform.system()} · Python {platform.python_version()}"


def build(site: Path, *, cold: bool) -> float:
    if cold:
        shutil.rmtree(ROOT / ".cache", ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=ROOT,
                   check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def test_suite() -> float:
    start = time.perf_counter()
    subprocess.run(["bash", ".ci/test", "-q"], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def reading(site: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright
    from site_checks import inspect, page_paths

    from conftest import CHROMIUM_FLAGS, chromium_path, serve, stop

    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            for path in page_paths():
                context = browser.new_context()  # a first visit: nothing cached
                r = inspect(context, base + path, base=base)
                context.close()
                rows.append({"page": "/" + path, "typeset_ms": r.typeset_ms, "bytes": r.bytes,
                             "transferred": r.transferred,
                             "largest": r.largest, "formulas": r.formulas, "problems": r.problems,
                             "foreign": [p for p in r.problems if "foreign host" in p]})
            browser.close()
    finally:
        stop(server)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    out: dict = {"machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        if not args.skip_cold:
            out["build_cold_s"] = build(site, cold=True)
        out["build_warm_s"] = build(site, cold=False)
        out["pages"] = {"ja": sum(1 for p in site.rglob("index.html") if not p.relative_to(site).parts[0] == "en"),
                        "en": sum(1 for _ in (site / "en").rglob("index.html"))}
        out["reading"] = reading(site)
    if not args.skip_tests:
        out["tests_s"] = test_suite()
    if not args.skip_speed:
        import speed

        out["speed"] = speed.run("cpu")

    print(f"machine: {out['machine']}")
    if "build_cold_s" in out:
        print(f"site build, cold (no caches): {out['build_cold_s']:.1f} s")
    print(f"site build, warm: {out['build_warm_s']:.1f} s · pages: {out['pages']['ja']} ja, {out['pages']['en']} en")
    if "tests_s" in out:
        print(f"test suite (bash .ci/test): {out['tests_s']:.1f} s")
    print()
    print(f"{'page':40s} {'typeset':>9s} {'gzip':>9s} {'raw':>9s}  largest asset (raw)")
    for r in out["reading"]:
        t = f"{r['typeset_ms']:.0f} ms" if r["typeset_ms"] is not None else "-"
        largest = f"{r['largest'][1]} ({r['largest'][0] / 1024:.0f} KB)"
        print(f"{r['page']:40s} {t:>9s} {r['transferred'] / 1024:6.0f} KB {r['bytes'] / 1024:6.0f} KB  {largest}")
    times = [r["typeset_ms"] for r in out["reading"] if r["typeset_ms"] is not None]
    sizes = [r["transferred"] for r in out["reading"]]
    raw = [r["bytes"] for r in out["reading"]]
    print(f"typeset: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms (goal <= 300 ms) · "
          f"first-visit transfer (gzip): max {max(sizes) / 1024:.0f} KB (goal < 1024 KB; uncompressed max "
          f"{max(raw) / 1024:.0f} KB) · "
          f"third-party requests: {sum(len(r['foreign']) for r in out['reading'])} (goal 0)")
    if "speed" in out:
        import speed

        print()
        print(speed.report(out["speed"]))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
