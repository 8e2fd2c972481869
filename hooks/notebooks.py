"""Notebooks: jupytext percent sources in both languages -> executed .ipynb, once per code content.

Sources are ``docs/notebooks/<name>.<lang>.py`` (reviewable in diffs, no outputs committed). The code
cells of the two languages must be identical; they are executed once (nbclient) and the outputs are merged
into each language's notebook. The execution cache key is the code cells plus the dlref sources plus the
torch and Python versions, so a change to dlref or to torch re-executes the notebooks: a page never shows
outputs of code that no longer exists. The execution cache lives in ``.cache/``; the merged notebooks are
written beside their sources
only when their content changes (so ``mkdocs serve`` does not rebuild in a loop).
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import platform
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("ja", "en")
TIMEOUT_S = 300


def sources(src_dir: Path) -> dict[str, dict[str, Path]]:
    """``{name: {lang: path}}`` for every notebook source."""
    found: dict[str, dict[str, Path]] = {}
    for path in sorted(src_dir.glob("*.py")):
        stem, _, lang = path.stem.rpartition(".")
        if lang not in LANGS:
            raise ValueError(f"{path}: notebook sources are named <name>.<lang>.py with lang in {LANGS}")
        found.setdefault(stem, {})[lang] = path
    for name, by_lang in found.items():
        missing = set(LANGS) - set(by_lang)
        if missing:
            raise ValueError(f"notebook {name!r} has no {', '.join(sorted(missing))} version")
    return found


def read(path: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def code_cells(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def execution_key(code: list[str]) -> str:
    import torch

    h = hashlib.sha256(json.dumps(code).encode())
    for p in sorted((ROOT / "dlref").rglob("*.py")):
        h.update(p.read_bytes())
    h.update(f"{torch.__version__}|{platform.python_version()}|{sys.platform}".encode())
    return h.hexdigest()[:20]


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel (one intra-op thread: small models run faster and timings vary less)."""
    nb = copy.deepcopy(nb)
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # inherited by the kernel process
    NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def merge_outputs(target: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``target``'s cells with ``executed``'s outputs; figures get the alt text of ``target``'s language.

    A code cell that draws a figure carries its alt text in its metadata (``# %% alt="..."`` in the jupytext
    source, in that source's language); its PNG outputs become ``<img alt=...>``. A figure without alt text
    is an error.
    """
    out = copy.deepcopy(target)
    done = [c for c in executed.cells if c.cell_type == "code"]
    for i, (cell, ran) in enumerate(zip([c for c in out.cells if c.cell_type == "code"], done)):
        cell.outputs, cell.execution_count = copy.deepcopy(ran.outputs), ran.execution_count
        for output in cell.outputs:
            png = output.get("data", {}).get("image/png")
            if png is None:
                continue
            alt = cell.metadata.get("alt")
            if not alt:
                raise ValueError(f"code cell {i + 1} draws a figure but has no alt text: "
                                 f'start it with `# %% alt="..."` in each language')
            output["data"] = {"text/html": f'<img src="data:image/png;base64,{png.strip()}" alt="{html.escape(alt)}">'}
    return out


_memo: dict[tuple, None] = {}


def build(src_dir: Path, cache: Path) -> None:
    """Write each language's executed notebook beside its source: ``<name>.<lang>.ipynb`` (git-ignored)."""
    found = sources(src_dir) if src_dir.exists() else {}
    state = tuple((p, p.stat().st_mtime_ns) for by_lang in found.values() for p in by_lang.values())
    dlref_state = tuple(p.stat().st_mtime_ns for p in sorted((ROOT / "dlref").rglob("*.py")))
    if (state, dlref_state) in _memo:
        return
    for name, by_lang in found.items():
        nbs = {lang: read(path) for lang, path in by_lang.items()}
        code = {lang: code_cells(nb) for lang, nb in nbs.items()}
        if code["ja"] != code["en"]:
            raise ValueError(f"notebook {name!r}: the code cells of the ja and en versions differ")
        key = execution_key(code["ja"])
        executed_path = cache / f"{name}-{key}.ipynb"
        if executed_path.exists():
            executed = nbformat.read(executed_path, as_version=4)
        else:
            print(f"dlref: executing notebook {name} (key {key})", file=sys.stderr)
            executed = execute(nbs["ja"], src_dir)
            executed_path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(executed, executed_path)
        for lang, nb in nbs.items():
            try:
                merged = merge_outputs(nb, executed)
            except ValueError as exc:
                raise ValueError(f"notebook {by_lang[lang].name}: {exc}") from None
            text = nbformat.writes(merged).encode()
            target = src_dir / f"{name}.{lang}.ipynb"
            if not target.exists() or target.read_bytes() != text:
                target.write_bytes(text)
    for stale in list(src_dir.glob("*.ipynb")) if src_dir.exists() else []:
        if stale.name.rsplit(".", 2)[0] not in found:
            stale.unlink()
    _memo[(state, dlref_state)] = None
