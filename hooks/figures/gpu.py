"""Figures of the chapter GPU / CUDA: how a tensor travels from host memory to the GPU."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from . import figure

HOST, GPU, PAGEABLE, PINNED = "#f0f0f0", "#e5f5e0", "#c6dbef", "#fdd0a2"


def _box(ax, x, y, w, h, color, text="", **kw) -> None:
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.15",
                                facecolor=color, edgecolor="#333333", lw=1.0))
    if text:
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=9, **kw)


def _arrow(ax, start, end, text, dy=0.18, color="#333333", style="-") -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, lw=1.3,
                                 linestyle=style))
    ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + dy, text, ha="center", va="bottom", fontsize=8,
            family="monospace")


@figure("transfer")
def transfer() -> plt.Figure:
    """Pageable memory is first copied into a pinned staging buffer; pinned memory goes to the GPU directly."""
    fig, ax = plt.subplots(figsize=(8.8, 4.2))
    ax.set_aspect("equal")
    ax.axis("off")
    _box(ax, 0.0, 0.0, 6.2, 4.4, HOST)
    ax.text(0.2, 4.15, "host (CPU) RAM", va="top", fontsize=9)
    _box(ax, 8.2, 0.0, 3.2, 4.4, GPU)
    ax.text(8.4, 4.15, "GPU memory", va="top", fontsize=9)
    # path 1: pageable -> staging -> GPU
    _box(ax, 0.4, 2.4, 1.9, 1.0, PAGEABLE, "x\n(pageable)")
    _box(ax, 3.9, 2.4, 1.9, 1.0, PINNED, "staging\n(pinned)")
    _box(ax, 8.8, 2.4, 2.0, 1.0, GPU, "x_gpu")
    _arrow(ax, (2.35, 2.9), (3.85, 2.9), "CPU copy")
    _arrow(ax, (5.85, 2.9), (8.75, 2.9), "DMA (PCIe)")
    ax.text(5.7, 4.75, 'x.to("cuda")', ha="center", fontsize=9, family="monospace")
    # path 2: pinned -> GPU
    _box(ax, 0.4, 0.5, 1.9, 1.0, PINNED, "xp\n(pinned)")
    _box(ax, 8.8, 0.5, 2.0, 1.0, GPU, "xp_gpu")
    _arrow(ax, (2.35, 1.0), (8.75, 1.0), "DMA (PCIe), async")
    ax.text(5.7, -0.35, 'xp = x.pin_memory();  xp.to("cuda", non_blocking=True)', ha="center", fontsize=9,
            family="monospace")
    ax.set_xlim(-0.2, 11.6)
    ax.set_ylim(-0.7, 5.1)
    return fig
