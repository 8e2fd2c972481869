"""Figures of the chapter CNN: image channels, the sliding kernel, padding and stride, output sizes, pooling.

Every number drawn in a grid is computed by dlref.cnn (convolution, pooling, output size).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle

from dlref import cnn as C

from . import figure

BLUE, ORANGE, GREEN, GREY = "#4c72b0", "#dd8452", "#55a868", "#d9d9d9"


def _grid(ax, values: list[list[float]], x0: float, y0: float, *, fmt: str = "{:g}", shade=None,
          fontsize: int = 9, cell: float = 1.0) -> None:
    """Draw a matrix of numbers with its top-left corner at (x0, y0); y grows upwards, rows go down."""
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            face = shade(r, c) if shade else "white"
            ax.add_patch(Rectangle((x0 + c * cell, y0 - (r + 1) * cell), cell, cell, facecolor=face,
                                   edgecolor="#555555", lw=0.8))
            ax.text(x0 + (c + 0.5) * cell, y0 - (r + 0.5) * cell, fmt.format(v), ha="center", va="center",
                    fontsize=fontsize)


def _frame(ax, x0: float, y0: float, r: int, c: int, h: int, w: int, color: str, lw: float = 2.5) -> None:
    """Outline the h×w block whose top-left cell is (r, c) of a grid drawn at (x0, y0)."""
    ax.add_patch(Rectangle((x0 + c, y0 - r - h), w, h, fill=False, edgecolor=color, lw=lw, zorder=5))


def _finish(ax, xlim, ylim) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


@figure("channels")
def channels() -> plt.Figure:
    """A binary image (1 channel, 0/1), a grayscale image (1 channel, 0–255) and an RGB image split into R, G, B."""
    yy, xx = torch.meshgrid(torch.arange(8), torch.arange(8), indexing="ij")
    binary = ((xx - 3.5) ** 2 + (yy - 3.5) ** 2 < 9).int()  # a disc of ones
    gray = (xx * 255 // 7).int()  # a horizontal ramp 0 … 255
    rgb = torch.stack([xx * 255 // 7, yy * 255 // 7, (14 - xx - yy) * 255 // 14]).int()  # (C, H, W)
    fig, axes = plt.subplots(1, 6, figsize=(9.0, 2.2))
    panels = [
        (binary.tolist(), "gray", (0, 1), "binary\n$C=1$, $\\{0, 1\\}$"),
        (gray.tolist(), "gray", (0, 255), "grayscale\n$C=1$, $[0, 255]$"),
        (rgb.permute(1, 2, 0).tolist(), None, None, "RGB\n$C=3$"),
        *[(rgb[k].tolist(), LinearSegmentedColormap.from_list(name, ["black", color]), (0, 255), f"{name} channel")
          for k, (name, color) in enumerate([("R", "red"), ("G", "lime"), ("B", "blue")])],  # 0 black, 255 full
    ]
    for ax, (img, cmap, lim, title) in zip(axes, panels):
        if cmap is None:
            ax.imshow([[[v / 255 for v in px] for px in row] for row in img])
        else:
            ax.imshow(img, cmap=cmap, vmin=lim[0], vmax=lim[1])
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    axes[2].annotate("", xy=(1.25, 0.5), xytext=(1.05, 0.5), xycoords="axes fraction",
                     arrowprops={"arrowstyle": "->", "lw": 1.2})
    return fig


# A 5×5 input and a 3×3 kernel shared by the convolution figures.
X5 = torch.tensor([[1, 2, 0, 1, 3],
                   [0, 1, 3, 2, 1],
                   [2, 0, 1, 0, 2],
                   [1, 3, 2, 1, 0],
                   [0, 1, 0, 2, 1]], dtype=torch.float64)
K3 = torch.tensor([[1, 0, -1],
                   [1, 0, -1],
                   [1, 0, -1]], dtype=torch.float64)


@figure("conv-sliding")
def conv_sliding() -> plt.Figure:
    """The kernel at two positions of a 5×5 input and the output entries they give (cross-correlation)."""
    y = C.conv2d(X5[None, None], K3[None, None])[0, 0]
    fig, ax = plt.subplots(figsize=(7.6, 2.9))
    colors = [(0, 0, BLUE), (1, 2, ORANGE)]  # two kernel positions: (row, column) of the window

    def shade_x(r, c):
        for (pr, pc, col) in colors:
            if pr <= r < pr + 3 and pc <= c < pc + 3:
                return {BLUE: "#dbe4f3", ORANGE: "#f8e0cf"}[col]
        return "white"

    _grid(ax, X5.int().tolist(), 0, 5, shade=shade_x)
    for pr, pc, col in colors:
        _frame(ax, 0, 5, pr, pc, 3, 3, col)
    ax.text(2.5, 5.4, "input $x$ ($5 \\times 5$)", ha="center", fontsize=10)
    ax.text(6.0, 2.5, "$\\star$", ha="center", va="center", fontsize=18)
    _grid(ax, K3.int().tolist(), 7, 4)
    ax.text(8.5, 4.4, "kernel $K$ ($3 \\times 3$)", ha="center", fontsize=10)
    ax.text(11.0, 2.5, "$=$", ha="center", va="center", fontsize=18)

    def shade_y(r, c):
        return {(0, 0): "#dbe4f3", (1, 2): "#f8e0cf"}.get((r, c), "white")

    _grid(ax, y.int().tolist(), 12, 4, shade=shade_y)
    for pr, pc, col in colors:
        _frame(ax, 12, 4, pr, pc, 1, 1, col)
    ax.text(13.5, 4.4, "output $y$ ($3 \\times 3$)", ha="center", fontsize=10)
    ax.text(8.0, -0.6, r"$y_{h,w} = \sum_{i,j} K_{i,j}\, x_{h+i,\, w+j}$  (no kernel flip)", ha="center",
            fontsize=10)
    _finish(ax, (-0.3, 15.3), (-1.0, 5.9))
    return fig


@figure("padding-stride")
def padding_stride() -> plt.Figure:
    """Output sizes of a 3×3 kernel on a 5×5 input: no padding, zero padding 1, padding 1 with stride 2."""
    settings = [(0, 1), (1, 1), (1, 2)]  # (P, S)
    fig, axes = plt.subplots(1, 3, figsize=(9.0, 3.4))
    for ax, (p, s) in zip(axes, settings):
        n = C.conv2d_output_size(5, 3, stride=s, padding=p)
        size = 5 + 2 * p

        def shade(r, c, p=p, size=size):
            inside = p <= r < size - p and p <= c < size - p
            return "white" if inside else GREY

        padded = torch.zeros(size, size, dtype=torch.int64)
        padded[p:p + 5, p:p + 5] = X5.int()
        _grid(ax, padded.tolist(), 0, size, shade=shade, fontsize=8)
        starts = [k * s for k in range(n)]
        for col, (r, c) in zip([BLUE, ORANGE], [(starts[0], starts[0]), (starts[0], starts[1])]):
            _frame(ax, 0, size, r, c, 3, 3, col)
        ax.set_title(f"$P={p}$, $S={s}$: $5 \\times 5 \\to {n} \\times {n}$", fontsize=10)
        _finish(ax, (-0.2, 7.2), (-0.2, 7.2))
    return fig


@figure("output-size")
def output_size() -> plt.Figure:
    """Output side N of a 32-pixel input against the kernel size, for padding 0 or ⌊F/2⌋ and stride 1 or 2."""
    w = 32
    ks = list(range(1, 12, 2))
    fig, ax = plt.subplots()
    for p_rule, s, marker, label in [
        (lambda f: 0, 1, "o-", "$P=0$, $S=1$"),
        (lambda f: f // 2, 1, "s-", r"$P=\lfloor F/2 \rfloor$, $S=1$"),
        (lambda f: 0, 2, "^--", "$P=0$, $S=2$"),
        (lambda f: f // 2, 2, "v--", r"$P=\lfloor F/2 \rfloor$, $S=2$"),
    ]:
        ax.plot(ks, [C.conv2d_output_size(w, f, stride=s, padding=p_rule(f)) for f in ks], marker, label=label)
    ax.set_xticks(ks)
    ax.set_xlabel("kernel size $F$")
    ax.set_ylabel("output size $N$ ($W = 32$)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return fig


X4 = torch.tensor([[1, 3, 2, 1],
                   [4, 6, 5, 0],
                   [3, 1, 1, 2],
                   [0, 2, 7, 4]], dtype=torch.float64)


@figure("pooling")
def pooling() -> plt.Figure:
    """2×2 max pooling and average pooling (stride 2) of the same 4×4 input."""
    quad = ["#dbe4f3", "#f8e0cf", "#dcefe0", "#eeeeee"]

    def shade(r, c, k=1):
        return quad[(r // k) * 2 + (c // k)]

    mx = C.max_pool2d(X4[None, None], 2)[0, 0]
    av = C.avg_pool2d(X4[None, None], 2)[0, 0]
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    _grid(ax, X4.int().tolist(), 0, 4, shade=lambda r, c: shade(r, c, 2))
    ax.text(2.0, 4.35, "input ($4 \\times 4$)", ha="center", fontsize=10)
    _grid(ax, mx.tolist(), 7, 4.5, shade=shade, fmt="{:g}")
    ax.text(8.0, 4.85, "max pooling", ha="center", fontsize=10)
    _grid(ax, av.tolist(), 7, 1.5, shade=shade, fmt="{:g}")
    ax.text(8.0, 1.85, "average pooling", ha="center", fontsize=10)
    for yy in (3.5, 0.5):
        ax.annotate("", xy=(6.6, yy), xytext=(4.4, 2.0 + (yy - 2.0) * 0.5), arrowprops={"arrowstyle": "->"})
    ax.text(5.4, 2.0, "$2 \\times 2$\n$S=2$", ha="center", va="center", fontsize=9)
    _finish(ax, (-0.3, 9.5), (-0.8, 5.3))
    return fig


@figure("architecture")
def architecture() -> plt.Figure:
    """A small CNN: (conv → ReLU → pool) twice, then flatten and a fully connected layer; shapes from dlref."""
    c, side = 3, 32
    stages = [(f"${c} \\times {side} \\times {side}$", "input", c, side)]
    for c_out in (16, 32):
        side = C.conv2d_output_size(side, 3, padding=1)  # 3×3 convolution, padding 1: same size
        stages.append((f"${c_out} \\times {side} \\times {side}$", "conv 3×3\n+ ReLU", c_out, side))
        side = C.conv2d_output_size(side, 2, stride=2)  # 2×2 max pooling: half
        stages.append((f"${c_out} \\times {side} \\times {side}$", "max pool\n2×2", c_out, side))
    fig, ax = plt.subplots(figsize=(9.0, 2.8))
    x = 0.0
    for label, op, ch, sd in stages:
        h = 0.6 + 1.8 * sd / 32  # drawn height ∝ spatial side
        layers = min(6, max(1, ch // 6))  # a few sheets suggest the channels
        for k in range(layers):
            ax.add_patch(Rectangle((x + 0.12 * k, -h / 2 + 0.12 * k), 0.5, h, facecolor="#dbe4f3",
                                   edgecolor="#4c72b0", lw=0.8))
        ax.text(x + 0.5, -1.55, label, ha="center", fontsize=8)
        ax.text(x + 0.5, 1.55, op, ha="center", va="bottom", fontsize=8)
        x += 1.6
    flat = stages[-1][2] * stages[-1][3] ** 2
    for top, bottom, height in [("flatten", f"${flat}$", 1.8), ("fully connected", "$10$ classes", 1.0)]:
        ax.add_patch(Rectangle((x, -height / 2), 0.3, height, facecolor="#f8e0cf", edgecolor=ORANGE, lw=0.8))
        ax.text(x + 0.15, -1.55, bottom, ha="center", fontsize=8)
        ax.text(x + 0.15, 1.55, top, ha="center", va="bottom", fontsize=8)
        x += 1.6
    for k in range(len(stages) + 1):
        ax.annotate("", xy=(1.6 * (k + 1) - 0.08, 0), xytext=(1.6 * k + 1.05, 0), arrowprops={"arrowstyle": "->"})
    _finish(ax, (-0.3, x - 0.9), (-1.9, 2.2))
    return fig
