"""Unit tests of the MkDocs hooks' pure parts (the build itself is exercised by tests/e2e)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hooks"))
import main
import mathrender
import verification


@pytest.mark.parametrize(("html", "expected"), [
    ("<p>関数に通して\n次の層へ</p>", "<p>関数に通して次の層へ</p>"),
    ("<p>通して\n<strong>次</strong></p>", "<p>通して<strong>次</strong></p>"),
    ("<p>日本語。\nEnglish text\nhere</p>", "<p>日本語。\nEnglish text\nhere</p>"),
    ("<pre><code>コード\nです</code></pre>", "<pre><code>コード\nです</code></pre>"),
])
def test_japanese_line_breaks_are_joined_outside_code(html, expected):
    assert main.join_cjk_lines(html) == expected


def test_verification_table_and_status():
    data = {"torch": "2.13.0", "device_name": "CPU", "python": "3.11", "date": "today", "passed": 2, "failed": 0,
            "rows": [{"function": "dlref.activations.relu", "torch_api": "torch.nn.ReLU()", "dtype": d,
                      "max_abs_err": 0.0, "max_rel_err": 0.0, "bit_exact": True, "gradients": g, "passed": True,
                      "message": "", "anchor": "verify-activations-relu"} for d, g in (("float32", "-"),
                                                                                       ("float64", "checked"))]}
    table = verification.table(data, "en")
    assert table.count('<a id="verify-activations-relu"></a>') == 1  # one anchor per function
    assert "| float64 | 0 | 0 | yes | checked | pass |" in table
    html = '<h2 id="dlref.activations.relu" class="doc doc-heading">relu</h2>'
    out = verification.annotate(html, data, "ja", "../../verification/")
    assert 'data-status="pass"' in out and 'href="../../verification/#verify-activations-relu"' in out
    data["rows"][1]["passed"] = False
    assert 'data-status="fail"' in verification.annotate(html, data, "en", "x/")


def test_absolute_language_alternates_become_relative():
    html = '<link rel="alternate" href="/en/" hreflang="en"><a href="/" hreflang="ja" class="md-select__link">'
    assert main.relative_alternates(html, "") == ('<link rel="alternate" href="en/" hreflang="en">'
                                                  '<a href="./" hreflang="ja" class="md-select__link">')
    assert 'href="../"' in main.relative_alternates(html, "en/")


def test_code_is_kept_out_of_the_search_index():
    api = '<details class="mkdocstrings-source"><pre>code</pre>'
    expected = '<details data-search-exclude class="mkdocstrings-source"><pre>code</pre>'
    assert main.exclude_code_from_search(api) == expected
    notebook = '<div class="jp-Notebook"><div class="jp-InputArea"><pre>x = 1</pre></div><pre>out</pre>'
    assert main.exclude_code_from_search(notebook).count("<pre data-search-exclude>") == 2


@pytest.mark.skipif(mathrender.node() is None, reason="build-time math needs Node.js (the browser typesets instead)")
def test_formulas_are_typeset_at_build_time():
    page = ('<span class="arithmatex">\\(x^2\\)</span><div class="arithmatex">\\[\\frac{1}{2}\\]</div>'
            '<span class="arithmatex">\\(\\notacommand{x}\\)</span>')
    out, done, left = mathrender.render(page)
    assert (done, left) == (2, 1)  # the unknown command is left to the browser, which reports it
    assert out.count('data-typeset="1"') == 2 and 'class="katex-display"' in out and "\\notacommand" in out


def test_without_node_formulas_are_left_for_the_browser(monkeypatch):
    monkeypatch.setattr(mathrender, "node", lambda: None)
    page = '<span class="arithmatex">\\(x\\)</span>'
    assert mathrender.render(page) == (page, 0, 1)
