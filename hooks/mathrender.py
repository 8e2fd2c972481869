r"""Typeset the formulas of a page at build time with KaTeX (Node.js), so readers wait for no JavaScript.

pymdownx.arithmatex (generic mode) leaves ``<span class="arithmatex">\(…\)</span>`` and
``<div class="arithmatex">\[…\]</div>``; each is replaced by KaTeX's HTML and marked ``data-typeset`` so
``math.js`` leaves it alone. Without ``node`` on the build machine, or for a formula KaTeX cannot parse,
the page keeps the raw TeX and ``math.js`` typesets it in the browser (it loads KaTeX only then).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("katex_render.js")
ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)


def node() -> str | None:
    return shutil.which("node")


def _tex(raw: str) -> str:
    tex = html.unescape(raw).strip()
    if tex[:2] in ("\\(", "\\[") and tex[-2:] in ("\\)", "\\]"):
        tex = tex[2:-2]
    return tex.strip()


def render(page_html: str) -> tuple[str, int, int]:
    """Return the page with its formulas typeset, and the counts (typeset, left to the browser)."""
    found = list(ARITHMATEX.finditer(page_html))
    if not found or node() is None:
        return page_html, 0, len(found)
    jobs = [[_tex(m[2]), m[1] == "div"] for m in found]
    proc = subprocess.run([node(), str(SCRIPT)], input=json.dumps(jobs), capture_output=True, text=True,
                          timeout=120, check=True)
    rendered = json.loads(proc.stdout)
    out, pos, done = [], 0, 0
    for m, result in zip(found, rendered):
        out.append(page_html[pos:m.start()])
        if result is None:
            out.append(m[0])
        else:
            out.append(f'<{m[1]} class="arithmatex" data-typeset="1">{result}</{m[1]}>')
            done += 1
        pos = m.end()
    out.append(page_html[pos:])
    return "".join(out), done, len(found) - done
