"""Figures of the chapter テンソル / Tensors: shapes, storage and strides, copies and views, stack vs cat.

Every value, shape and stride drawn here is read from real tensors (so a figure cannot disagree with torch);
labels are code or shapes, so one SVG serves both languages.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import FancyArrowPatch, Rectangle

from . import figure

BLUE, ORANGE, GREY, GREEN = "#c6dbef", "#fdd0a2", "#eeeeee", "#c7e9c0"
EDGE = "#333333"


def _canvas(width: float, height: float) -> tuple[plt.Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _cell(ax, x: float, y: float, text: str = "", color: str = BLUE, size: float = 1.0, fontsize: int = 9) -> None:
    ax.add_patch(Rectangle((x, y), size, size, facecolor=color, edgecolor=EDGE, lw=0.8))
    if text:
        ax.text(x + size / 2, y + size / 2, text, ha="center", va="center", fontsize=fontsize)


def _grid(ax, x: float, y: float, values, color: str = BLUE, size: float = 1.0, fontsize: int = 9) -> None:
    """Draw a 2-D table of strings with its top-left corner at (x, y)."""
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            _cell(ax, x + j * size, y - (i + 1) * size, v, color, size, fontsize)


def _block(ax, x: float, y: float, depth: int, rows: int, cols: int, color: str = BLUE, labels=None) -> None:
    """A 3-D block: ``depth`` grids of rows x cols, each shifted up-right (the back one drawn first)."""
    for d in reversed(range(depth)):
        text = labels[d] if labels is not None else [[""] * cols for _ in range(rows)]
        _grid(ax, x + 0.45 * d, y + 0.45 * d, text, color)


def _arrow(ax, start, end, rad: float = 0.0, color: str = EDGE, **kw) -> None:
    ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                 mutation_scale=10, color=color, lw=1.0, **kw))


def _fmt(t: torch.Tensor) -> list[list[str]]:
    return [[f"{v:g}" for v in row] for row in t.tolist()]


@figure("orders")
def orders() -> plt.Figure:
    """Scalar, vector, matrix, 3-D and 4-D tensors with their ndim and shape."""
    examples = [torch.tensor(3.0), torch.zeros(4), torch.zeros(3, 4), torch.zeros(3, 3, 4), torch.zeros(2, 3, 3, 4)]
    fig, ax = _canvas(10.5, 3.2)
    x = 0.0
    for t in examples:
        if t.ndim == 0:
            _cell(ax, x, -1, "3")
            width = 1
        elif t.ndim == 1:
            _grid(ax, x, 0, [[""] * t.shape[0]])
            width = t.shape[0]
        elif t.ndim == 2:
            _grid(ax, x, 0, [[""] * t.shape[1]] * t.shape[0])
            width = t.shape[1]
        elif t.ndim == 3:
            _block(ax, x, 0, *t.shape)
            width = t.shape[2] + 0.45 * (t.shape[0] - 1)
        else:
            for n in range(t.shape[0]):
                _block(ax, x + n * 5.6, 0, *t.shape[1:], color=[BLUE, ORANGE][n % 2])
            width = 5.6 * (t.shape[0] - 1) + t.shape[3] + 0.45 * (t.shape[1] - 1)
        ax.text(x + width / 2, -4.2, f"ndim = {t.ndim}\nshape {tuple(t.shape)}", ha="center", va="top", fontsize=9)
        x += width + 1.4
    ax.text(x - 1.4 - (5.6 + 4 + 0.9) / 2, 2.2, "(N, C, H, W)", ha="center", fontsize=9)
    ax.set_xlim(-0.3, x - 1.0)
    ax.set_ylim(-5.6, 2.8)
    return fig


@figure("strides")
def strides() -> plt.Figure:
    """One storage, two views: x = arange(6).view(2, 3) and its transpose, with the order each reads memory."""
    x = torch.arange(6).view(2, 3)
    y = x.t()
    storage = x.flatten().tolist()  # x is contiguous: its storage in memory order
    fig, ax = _canvas(9.0, 5.4)
    views = [("x", x, 0.0), ("y = x.t()", y, 5.0)]
    for name, t, x0 in views:
        _grid(ax, x0, 0, _fmt(t), BLUE if t.is_contiguous() else ORANGE)
        ax.text(x0, 0.35, f"{name}: shape {tuple(t.shape)}, stride {t.stride()}", fontsize=9)
        ax.text(x0, -t.shape[0] - 0.55, f"is_contiguous() = {t.is_contiguous()}", fontsize=9, va="top")
    for row, (name, t, _) in enumerate(views):
        y0 = -6.4 - 2.3 * row
        ax.text(-0.2, y0 + 0.5, "storage", ha="right", va="center", fontsize=9)
        _grid(ax, 0, y0 + 1, [[str(v) for v in storage]], GREY)
        offsets = [i * t.stride(0) + j * t.stride(1) for i in range(t.shape[0]) for j in range(t.shape[1])]
        for a, b in zip(offsets, offsets[1:]):  # the order in which a row-major walk over t reads the storage
            _arrow(ax, (a + 0.5, y0 + 1.0), (b + 0.5, y0 + 1.0), rad=-0.5 if b > a else 0.5,
                   color="#2171b5" if t.is_contiguous() else "#d94801")
        ax.text(6.3, y0 + 0.5, f"{name.split(' ')[0]}: offsets {offsets}", va="center", fontsize=9)
    ax.set_xlim(-1.4, 12.6)
    ax.set_ylim(-8.9, 1.0)
    return fig


@figure("size-vs-data")
def size_vs_data() -> plt.Figure:
    """torch.Tensor(2, 3, 4) reads its arguments as a shape; torch.Tensor([2, 3, 4]) as data."""
    by_size, by_data = torch.Tensor(2, 3, 4), torch.Tensor([2, 3, 4])
    fig, ax = _canvas(8.0, 3.0)
    blank = [[""] * by_size.shape[2]] * by_size.shape[1]
    _block(ax, 0, 0, *by_size.shape, color=GREY, labels=[[["?"] * by_size.shape[2]] * by_size.shape[1], blank])
    ax.text(2.2, 1.3, "torch.Tensor(2, 3, 4)", ha="center", fontsize=10, family="monospace")
    ax.text(2.2, -3.9, f"shape {tuple(by_size.shape)}", ha="center", va="top", fontsize=9)
    _grid(ax, 7.0, -1.0, [[f"{v:g}." for v in by_data.tolist()]])
    ax.text(8.5, 1.3, "torch.Tensor([2, 3, 4])", ha="center", fontsize=10, family="monospace")
    ax.text(8.5, -3.9, f"shape {tuple(by_data.shape)}, {by_data.dtype}", ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.3, 11.0)
    ax.set_ylim(-4.8, 1.9)
    return fig


@figure("add-inplace")
def add_inplace() -> plt.Figure:
    """t.add(1) returns a new tensor and leaves t alone; t.add_(1) overwrites t's memory."""
    t = torch.tensor([1.0, 2.0, 3.0])
    u = t.add(1)
    fig, ax = _canvas(8.6, 2.8)
    _grid(ax, 0, 0, [_fmt(t[None])[0]])
    ax.text(1.5, 0.35, "t", ha="center", fontsize=10, family="monospace")
    _arrow(ax, (3.2, -0.5), (4.8, -0.5))
    ax.text(4.0, -0.2, "u = t.add(1)", ha="center", fontsize=9, family="monospace")
    _grid(ax, 5.0, 0, [_fmt(t[None])[0]])
    _grid(ax, 8.4, 0, [_fmt(u[None])[0]], GREEN)
    ax.text(6.5, 0.35, "t", ha="center", fontsize=9, family="monospace")
    ax.text(9.9, 0.35, "u", ha="center", fontsize=9, family="monospace")
    ptr = t.data_ptr()
    t.add_(1)
    assert t.data_ptr() == ptr
    _grid(ax, 0, -2.0, [_fmt(torch.tensor([[1.0, 2.0, 3.0]]))[0]])
    ax.text(1.5, -1.65, "t", ha="center", fontsize=10, family="monospace")
    _arrow(ax, (3.2, -2.5), (4.8, -2.5))
    ax.text(4.0, -2.2, "t.add_(1)", ha="center", fontsize=9, family="monospace")
    _grid(ax, 5.0, -2.0, [_fmt(t[None])[0]], ORANGE)
    ax.text(6.5, -1.65, "t", ha="center", fontsize=9, family="monospace")
    ax.set_xlim(-0.2, 11.6)
    ax.set_ylim(-3.2, 0.8)
    return fig


@figure("numpy-sharing")
def numpy_sharing() -> plt.Figure:
    """torch.from_numpy(a) shares a's memory (a later write shows through); torch.tensor(a) copies it."""
    a = np.zeros(3)
    shared, copied = torch.from_numpy(a), torch.tensor(a)
    a[0] = 5.0
    fig, ax = _canvas(8.6, 3.0)
    _grid(ax, 0, 0, [[f"{v:g}" for v in a.tolist()]], GREY)
    ax.text(1.5, 0.35, "a = np.zeros(3); a[0] = 5", ha="center", fontsize=9, family="monospace")
    _grid(ax, 5.0, 1.2, [[f"{v:g}" for v in shared.tolist()]], GREY)
    ax.text(8.3, 0.7, "torch.from_numpy(a)", va="center", fontsize=9, family="monospace")
    _grid(ax, 5.0, -1.2, [[f"{v:g}" for v in copied.tolist()]], GREEN)
    ax.text(8.3, -1.7, "torch.tensor(a)", va="center", fontsize=9, family="monospace")
    _arrow(ax, (3.1, -0.4), (4.9, 0.6), rad=-0.2)
    _arrow(ax, (3.1, -0.6), (4.9, -1.6), rad=0.2, linestyle="--")
    ax.set_xlim(-0.2, 13.6)
    ax.set_ylim(-2.6, 1.6)
    return fig


@figure("stack-cat")
def stack_cat() -> plt.Figure:
    """Two (2, 3) tensors A and B: stack(dim=0) adds an axis, cat(dim=0) and cat(dim=1) lengthen one."""
    A = torch.arange(1, 7).view(2, 3)
    B = torch.arange(7, 13).view(2, 3)
    color = {v: BLUE for v in A.flatten().tolist()} | {v: ORANGE for v in B.flatten().tolist()}

    def colored(ax, x, y, t):
        for i, row in enumerate(t.tolist()):
            for j, v in enumerate(row):
                _cell(ax, x + j, y - i - 1, str(v), color[v])

    fig, ax = _canvas(10.5, 3.6)
    colored(ax, 0, 0, A)
    ax.text(1.5, 0.35, "A (2, 3)", ha="center", fontsize=9)
    colored(ax, 0, -3, B)
    ax.text(1.5, -2.65, "B (2, 3)", ha="center", fontsize=9)
    s = torch.stack((A, B), dim=0)
    ax.add_patch(Rectangle((4.6, -5.0), 4.6, 5.6, facecolor="none", edgecolor=EDGE, lw=1.6))
    for d in range(s.shape[0]):
        colored(ax, 5.4, -2.7 * d, s[d])
        ax.text(5.2, -2.7 * d - 1.0, f"[{d}]", ha="right", va="center", fontsize=8)
    ax.text(6.9, 0.85, f"stack dim=0 {tuple(s.shape)}", ha="center", fontsize=9)
    c0 = torch.cat((A, B), dim=0)
    colored(ax, 10.5, 0.5, c0)
    ax.text(12.0, 0.85, f"cat dim=0 {tuple(c0.shape)}", ha="center", fontsize=9)
    c1 = torch.cat((A, B), dim=1)
    colored(ax, 15.5, -0.5, c1)
    ax.text(18.5, -0.15, f"cat dim=1 {tuple(c1.shape)}", ha="center", fontsize=9)
    ax.set_xlim(-0.2, 21.7)
    ax.set_ylim(-5.2, 1.9)
    return fig
