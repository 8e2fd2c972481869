"""Figures of the site, generated at build time from dlref (never committed as images).

Each ``hooks/figures/<chapter>.py`` defines functions decorated with ``@figure("<name>")`` that return a
matplotlib figure; a page includes it as ``![alt](figures/<chapter>/<name>.svg)``. Labels are written in
math or language-neutral form so that one SVG serves both languages; alt text is on the page.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import pkgutil
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

REGISTRY: dict[str, Callable[[], plt.Figure]] = {}
_HERE = Path(__file__).parent


def figure(name: str) -> Callable:
    """Register a figure function under ``<chapter>/<name>.svg`` (chapter = module name)."""

    def register(fn: Callable[[], plt.Figure]) -> Callable[[], plt.Figure]:
        chapter = fn.__module__.rsplit(".", 1)[-1].replace("_", "-")
        REGISTRY[f"{chapter}/{name}.svg"] = fn
        return fn

    return register


def load_all() -> dict[str, Callable[[], plt.Figure]]:
    for info in pkgutil.iter_modules([str(_HERE)]):
        importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY


def style() -> None:
    plt.rcParams.update({
        "figure.figsize": (5.2, 3.2),
        "figure.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "dlref",  # reproducible ids
        "svg.fonttype": "path",  # no font needed in the browser
        "font.size": 10,
    })


def render(name: str) -> bytes:
    style()
    fig = REGISTRY[name]()
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


def source_hash(extra: list[Path]) -> str:
    """Hash of the figure code and of everything it draws from (dlref)."""
    h = hashlib.sha256()
    for p in sorted([*_HERE.glob("*.py"), *extra]):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]
