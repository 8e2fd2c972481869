"""The notebooks (docs/notebooks/<name>.<lang>.py, jupytext): same code in both languages, and every cell runs.

Each notebook is executed here with nbclient (a failing cell fails the test) and must finish within
``LIMIT_S`` seconds; the executed notebook is stored in the build's cache (``hooks/notebooks.py``), keyed by
the code, dlref and the torch version, so the next site build shows exactly these outputs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))
import notebooks  # noqa: E402

SRC = ROOT / "docs" / "notebooks"
CACHE = ROOT / ".cache" / "notebooks"
LIMIT_S = 60
NAMES = sorted(notebooks.sources(SRC))


@pytest.mark.parametrize("name", NAMES)
def test_both_languages_have_the_same_code(name):
    by_lang = notebooks.sources(SRC)[name]
    code = {lang: notebooks.code_cells(notebooks.read(path)) for lang, path in by_lang.items()}
    assert code["ja"] == code["en"], "the code cells of the ja and en versions differ"
    prose = {lang: [c.source for c in notebooks.read(p).cells if c.cell_type == "markdown"]
             for lang, p in by_lang.items()}
    assert len(prose["ja"]) == len(prose["en"]), "the two languages have a different number of Markdown cells"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name):
    nb = notebooks.read(notebooks.sources(SRC)[name]["ja"])
    start = time.perf_counter()
    executed = notebooks.execute(nb, SRC)  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - start
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert elapsed < LIMIT_S, f"{name} took {elapsed:.1f} s (limit {LIMIT_S} s)"
    key = notebooks.execution_key(notebooks.code_cells(nb))
    CACHE.mkdir(parents=True, exist_ok=True)
    nbformat.write(executed, CACHE / f"{name}-{key}.ipynb")
    print(f"{name}: executed in {elapsed:.1f} s")


def test_figures_get_the_alt_text_of_their_language_and_are_required():
    cell = nbformat.v4.new_code_cell("plot()", metadata={"alt": "損失の曲線"})
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()")])
    executed.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    merged = notebooks.merge_outputs(nbformat.v4.new_notebook(cells=[cell]), executed)
    expected = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="損失の曲線">'
    assert merged.cells[0].outputs[0]["data"] == {"text/html": expected}
    del cell.metadata["alt"]
    with pytest.raises(ValueError, match="no alt text"):
        notebooks.merge_outputs(nbformat.v4.new_notebook(cells=[cell]), executed)


def test_execution_key_changes_with_the_code_dlref_and_torch(monkeypatch, tmp_path):
    """The stale-output guard: outputs are reused only for the same code, dlref sources and torch version."""
    import shutil

    import torch

    code = ["import dlref", "print(1)"]
    key = notebooks.execution_key(code)
    assert notebooks.execution_key(code) == key
    assert notebooks.execution_key([*code, "print(2)"]) != key
    monkeypatch.setattr(torch, "__version__", "0.0.0-other")
    assert notebooks.execution_key(code) != key
    monkeypatch.undo()
    fake_root = tmp_path / "root"
    shutil.copytree(ROOT / "dlref", fake_root / "dlref", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(notebooks, "ROOT", fake_root)
    assert notebooks.execution_key(code) == key
    with open(fake_root / "dlref" / "activations.py", "a") as fh:
        fh.write("\n# a change\n")
    assert notebooks.execution_key(code) != key
