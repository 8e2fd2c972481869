"""MkDocs hooks of the dlref site.

What the plugins do not do by themselves, with mkdocs-static-i18n building each language in turn
(see the shared toolchain notes):

- ``on_config``: mkdocstrings reads the theme language *before* i18n switches it; set its locale to the
  language being built, so API pages get section titles in their own language. Register ``.ipynb`` as a
  page extension, otherwise i18n publishes notebooks as raw JSON.
- ``on_pre_build``: i18n re-runs mkdocstrings' ``on_config``, which adds its stylesheet again: de-duplicate.
  Render the figures from dlref and execute the notebooks (both cached in ``.cache/``) into git-ignored
  files under ``docs/`` *before* MkDocs scans it, so i18n sorts them like any other file. A file is
  written only when its content changes, so ``mkdocs serve`` does not rebuild in a loop.
- ``on_page_markdown``: fill the verification page with the table of ``python -m dlref verify`` (run once per
  state of dlref and torch, cached).
- ``on_page_content``: keep source listings and notebook code out of the search index; on Japanese pages,
  remove the line breaks of wrapped source lines between two Japanese characters (browsers show them as
  spaces).
- ``on_post_page``: typeset every formula with KaTeX at build time (``hooks/mathrender.py``; the browser
  only finishes what the build could not). On API pages, put each function's verification status under its
  heading, linked to its row, and translate the labels mkdocstrings leaves in English.
- ``on_post_build``: write empty sitemap stubs where Material looks for them beside each language alternate.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import mkdocs.utils
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
sys.path.insert(0, str(ROOT / "hooks"))

import figures  # noqa: E402
import mathrender  # noqa: E402
import notebooks  # noqa: E402
import verification  # noqa: E402

log = get_plugin_logger("dlref")


def _language(config: MkDocsConfig) -> str:
    i18n = config.plugins.get("i18n")
    return (i18n.current_language or i18n.default_language) if i18n else config.theme["language"]


@event_priority(100)  # before mkdocstrings (0) and i18n (-100)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    mkdocstrings = config.plugins.get("mkdocstrings")
    if mkdocstrings is not None:
        mkdocstrings.config.locale = _language(config)
    if ".ipynb" not in mkdocs.utils.markdown_extensions:
        mkdocs.utils.markdown_extensions = (*mkdocs.utils.markdown_extensions, ".ipynb")
    return config


def on_pre_build(config: MkDocsConfig) -> None:
    seen: set[str] = set()
    config.extra_css[:] = [c for c in config.extra_css if not (str(c) in seen or seen.add(str(c)))]
    docs = Path(config.docs_dir)
    _render_figures(docs / "figures")
    notebooks.build(docs / "notebooks", CACHE / "notebooks")


def write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


_rendered: set[str] = set()


def _render_figures(out: Path) -> None:
    """Render every registered figure into docs/figures/ (git-ignored), once per source state."""
    figures.load_all()
    key = figures.source_hash(sorted((ROOT / "dlref").rglob("*.py")))
    if key in _rendered:
        return
    cache = CACHE / "figures" / key
    for name in sorted(figures.REGISTRY):
        cached = cache / name
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(figures.render(name))
        write_if_changed(out / name, cached.read_bytes())
    for stale in list(out.rglob("*.svg")) if out.exists() else []:
        if stale.relative_to(out).as_posix() not in figures.REGISTRY:
            stale.unlink()
    _rendered.add(key)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **kwargs) -> str:
    if verification.MARKER in markdown:
        data = verification.report(CACHE / "verify")
        markdown = markdown.replace(verification.MARKER, verification.table(data, _language(config)))
    return markdown


_JA_LABELS = {
    '<b class="doc doc-backlink-type">Referenced by:</b>': '<b class="doc doc-backlink-type">ノートでの参照箇所:</b>',
    "<summary>See Also</summary>": "<summary>関連項目</summary>",
}


_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t]*\\n[ \\t]*(?=(?:<(?:strong|em|b|i|a)\\b[^>]*>)*[{_CJK}])")
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S)


def join_cjk_lines(html: str) -> str:
    """Drop a line break between two Japanese characters (a wrapped source line): browsers show it as a space."""
    parts = _PRE.split(html)
    return "".join(p if i % 2 else _CJK_BREAK.sub("", p) for i, p in enumerate(parts))


_SEARCH_EXCLUDE = re.compile(r'<(details class="mkdocstrings-source")')
_NOTEBOOK_PRE = re.compile(r"<pre\b")


def exclude_code_from_search(html: str) -> str:
    """Keep the API pages' source listings and the notebooks' code and outputs out of the search index: they
    are most of its bytes (downloaded by every first visit) and add nothing the prose does not say.
    (Material's search parser ends an exclusion at the first closing tag of the same name, so the attribute
    goes on elements that do not nest: ``details`` and ``pre``.)"""
    html = _SEARCH_EXCLUDE.sub(lambda m: "<" + m[1].replace(" class=", " data-search-exclude class=", 1), html)
    if "jp-Notebook" in html:
        html = _NOTEBOOK_PRE.sub("<pre data-search-exclude", html)
    return html


def on_page_content(html: str, page: Page, config: MkDocsConfig, **kwargs) -> str:
    html = exclude_code_from_search(html)
    return join_cjk_lines(html) if _language(config) == "ja" else html


_ABSOLUTE_ALTERNATE = re.compile(r'(<(?:link|a)\b[^>]*?\bhref=")(/[^"]*)("[^>]*\bhreflang=)')


def relative_alternates(output: str, page_url: str) -> str:
    """i18n writes the home page's language alternates as site-absolute paths ("/", "/en/"), which break when
    the site is served under a sub-path; make them relative like every other page's."""
    def relative(m: re.Match) -> str:
        url = get_relative_url(m[2].lstrip("/") or ".", page_url)
        return m[1] + (url if url.endswith("/") else url + "/") + m[3]

    return _ABSOLUTE_ALTERNATE.sub(relative, output)


_math_counts = [0, 0]


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    output = relative_alternates(output, page.url)
    output, done, left = mathrender.render(output)
    _math_counts[0] += done
    _math_counts[1] += left
    if not page.file.src_uri.startswith("api/"):
        return output
    lang = _language(config)
    href = get_relative_url("verification/", page.url)
    output = verification.annotate(output, verification.report(CACHE / "verify"), lang, href)
    if lang == "ja":
        for en, ja in _JA_LABELS.items():
            output = output.replace(en, ja)
    return output


def on_post_build(config: MkDocsConfig) -> None:
    """Empty sitemaps where Material looks for one beside each language alternate (else: 404s)."""
    log.info(f"formulas typeset at build time: {_math_counts[0]}; left to the browser: {_math_counts[1]}"
             + ("" if mathrender.node() else " (no node on this machine)"))
    _math_counts[:] = [0, 0]
    site = Path(config.site_dir)
    stub = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n'
    for index in site.rglob("index.html"):
        sitemap = index.parent / "sitemap.xml"
        if not sitemap.exists():
            sitemap.write_text(stub, encoding="utf-8")
