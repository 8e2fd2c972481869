"""The built site as a reader uses it (headless Chromium)."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from site_checks import counterpart, inspect, page_paths, same_page

from conftest import ARTIFACTS, serve, stop

PATHS = page_paths()


@pytest.mark.parametrize("path", PATHS)
def test_page_loads_clean_and_typesets_all_math(context, base_url, path):
    report = inspect(context, base_url + path, base=base_url)
    assert not report.problems, "\n".join(report.problems)


@pytest.mark.parametrize("path", PATHS)
def test_language_switcher_goes_to_the_same_page(context, base_url, path):
    other = "ja" if path.startswith("en/") else "en"
    page = context.new_page()
    page.goto(base_url + path)
    href = page.evaluate(f"document.querySelector('a.md-select__link[hreflang=\"{other}\"]')?.href ?? null")
    assert href, "no language switcher link"
    page.goto(href)
    assert same_page(page.url, base_url + counterpart(path)), f"{href} -> {page.url}"
    assert page.evaluate("document.documentElement.lang") == other
    page.close()


def _search(context, base_url, start: str, query: str) -> list[str]:
    page = context.new_page()
    page.goto(base_url + start)
    page.click("label.md-search__icon, .md-search__input", timeout=5000)
    page.fill(".md-search__input", query)
    page.keyboard.press("End")  # Material searches on keyup
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    links = page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.href)")
    page.close()
    return [urlparse(h).path for h in links]


@pytest.mark.parametrize(("start", "query", "expected"), [
    ("", "シグモイド", {"/activations/"}),
    ("", "勾配消失", {"/activations/", "/rnn/"}),  # both chapters treat it; either is right
    ("", "ドロップアウト", {"/regularization/"}),
    ("en/", "sigmoid", {"/en/activations/"}),
    ("en/", "vanishing gradients", {"/en/activations/", "/en/rnn/"}),
    ("en/", "dropout", {"/en/regularization/"}),
])
def test_search_finds_the_right_chapter_first_in_the_page_language(context, base_url, start, query, expected):
    results = _search(context, base_url, start, query)
    assert results, f"no results for {query!r}"
    assert results[0] in expected, f"{query!r}: first result {results[0]}, all: {results[:5]}"
    own = [r.startswith("/en/") == start.startswith("en/") for r in results]
    assert own == sorted(own, reverse=True), f"results of the other language come first: {results}"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.dlref: list[str] = []
        self.ids: set[str] = set()
        self.backlinks: list[str] = []
        self._in_backlinks = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        classes = (a.get("class") or "").split()
        if tag == "a" and "dlref-link" in classes:
            self.dlref.append(a["href"])
        if "doc-backlinks" in classes:
            self._in_backlinks = 1
        if self._in_backlinks and tag == "a" and "href" in a:
            self.backlinks.append(a["href"])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_formula_link_lands_on_its_api_entry_in_the_same_language(site_dir):
    checked = 0
    for html in site_dir.rglob("index.html"):
        rel = html.parent.relative_to(site_dir).as_posix()
        links = _parse(html).dlref
        for href in links:
            target = urlparse(urljoin(f"http://x/{rel}/", href))
            assert target.fragment.startswith("dlref."), href
            assert target.path.startswith("/en/") == rel.startswith("en"), f"{rel}: {href} changes language"
            page = site_dir / target.path.strip("/") / "index.html"
            assert page.exists(), f"{rel}: {href} -> missing page"
            assert target.fragment in _parse(page).ids, f"{rel}: {href} -> no entry {target.fragment}"
            checked += 1
    assert checked > 0


def test_api_entries_link_back_to_the_notes_that_cite_them(site_dir):
    for lang_prefix in ("", "en/"):
        cited = {}
        for html in (site_dir / lang_prefix).glob("*/index.html"):
            if html.parent.name in ("api", "en"):
                continue
            for href in _parse(html).dlref:
                cited.setdefault(href.split("#")[1], set()).add(html.parent.name)
        for api in (site_dir / lang_prefix / "api").glob("*/index.html"):
            text = api.read_text(encoding="utf-8")
            for ident in [i for i in cited if i.startswith(f"dlref.{api.parent.name}.")]:
                start = text.index(f'id="{ident}"')
                end = text.find('<h2 id="dlref.', start + 1)
                entry = text[start:end if end > 0 else None]
                for chapter in cited[ident]:
                    assert f"../../{chapter}/#" in entry, f"{lang_prefix}api/{api.parent.name}: {ident} lacks a link back to {chapter}"


def test_formula_link_click_lands_on_visible_entry(context, base_url):
    for start in ("activations/", "en/activations/"):
        page = context.new_page()
        page.goto(base_url + start)
        link = page.locator("a.dlref-link").first
        ident = link.get_attribute("href").split("#")[1]
        link.click()
        page.wait_for_load_state("load")
        assert page.url.split("#")[1] == ident
        assert page.locator(f"[id='{ident}']").is_visible()
        status = page.locator(f"[id='{ident}'] + p.dlref-status, [id='{ident}'] ~ p.dlref-status").first
        assert status.get_attribute("data-status") == "pass"
        page.close()


def test_dark_mode_toggle_copy_button_and_screenshots(context, base_url):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    ARTIFACTS.mkdir(exist_ok=True)
    for lang, path in (("ja", "activations/"), ("en", "en/activations/")):
        page = context.new_page()
        page.goto(base_url + path)
        page.wait_for_function("document.documentElement.dataset.mathTypeset === '1'")
        before = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        page.locator("form[data-md-component=palette] label:visible").first.click()
        after = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert {before, after} == {"default", "slate"}, (before, after)
        block = page.locator(".md-typeset pre").first
        block.hover()
        block.locator("xpath=ancestor::div[contains(@class, 'highlight')][1]").locator("button[data-md-type=copy]").first.click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.strip() and copied.strip() in block.inner_text().strip()
        page.screenshot(path=str(ARTIFACTS / f"activations-{lang}.png"), full_page=False)
        page.close()


def test_a_broken_build_fails_these_checks(context, site_dir, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(site_dir, broken)
    (broken / "assets" / "vendor" / "katex" / "katex.min.js").unlink()  # the browser's math library is gone
    page = broken / "en" / "activations" / "index.html"
    html = page.read_text(encoding="utf-8")
    # a formula the build did not typeset (as on a machine without Node.js) and a third-party image
    html = html.replace("</article>", '<p><span class="arithmatex">\\(x^2\\)</span></p></article>', 1)
    html = html.replace("</body>", '<img src="https://cdn.example.invalid/x.png" alt="x"></body>', 1)
    page.write_text(html, encoding="utf-8")
    server = serve(broken)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        report = inspect(context, base + "en/activations/", base=base)
    finally:
        stop(server)
    text = "\n".join(report.problems)
    assert "HTTP 404" in text and "katex.min.js" in text
    assert "foreign host" in text
    assert re.search(r"formula\(s\) left as raw TeX|never typeset", text)


EXTERNAL = re.compile(r"""(?:<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|<source[^>]+src=|url\()\s*["']?(https?:)?//""",
                      re.I)


def test_no_page_or_stylesheet_references_an_absolute_url(site_dir):
    """No script, stylesheet, font or image is loaded from another host (everything ships with the site)."""
    offenders = []
    for path in [*site_dir.rglob("*.html"), *site_dir.rglob("*.css")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in EXTERNAL.finditer(text):
            tag = text[max(0, m.start() - 10):m.end() + 60]
            if 'rel="alternate"' in tag or "rel=alternate" in tag:
                continue
            offenders.append(f"{path.relative_to(site_dir)}: {text[m.start():m.end() + 60]!r}")
    assert not offenders, "\n".join(offenders[:20])
