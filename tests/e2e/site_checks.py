"""What the browser tests check on a page, as plain functions (also used by benchmarks/site.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def page_paths() -> list[str]:
    """Site paths of every page in both languages (from the sources, so the list exists at collection)."""
    stems = sorted({p.relative_to(DOCS).as_posix().rsplit(".", 2)[0] for p in DOCS.rglob("*.ja.md")
                    if "assets" not in p.parts})
    stems += sorted(f"notebooks/{p.name.rsplit('.', 2)[0]}" for p in (DOCS / "notebooks").glob("*.ja.py"))
    paths = []
    for stem in stems:
        path = "" if stem == "index" else f"{stem}/"
        paths += [path, f"en/{path}"]
    return paths


def counterpart(path: str) -> str:
    return path.removeprefix("en/") if path.startswith("en/") else f"en/{path}"


@dataclass
class PageReport:
    url: str
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0  # decoded (uncompressed) bytes of every response
    transferred: int = 0  # bytes over the wire (gzip where the server compresses), Resource Timing API
    largest: tuple[int, str] = (0, "")
    typeset_ms: float | None = None
    formulas: int = 0


def inspect(context, url: str, *, base: str) -> PageReport:
    """Load ``url``; report console errors, failed or foreign requests, untypeset math, sizes and timing."""
    report = PageReport(url)
    page = context.new_page()
    sizes: dict[str, int] = {}

    def on_response(resp):
        if resp.status >= 400:
            report.problems.append(f"HTTP {resp.status} for {resp.url}")
        try:
            body = resp.body() if resp.status < 300 else b""
        except Exception:
            body = b""
        sizes[resp.url] = len(body)

    def on_request(req):
        host = urlparse(req.url).hostname
        if req.url.split(":")[0] in ("http", "https", "ws", "wss") and host != "127.0.0.1":
            report.problems.append(f"request to a foreign host: {req.url}")

    page.on("console", lambda m: m.type == "error" and report.problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: report.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: report.problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("request", on_request)
    page.on("response", on_response)
    try:
        page.goto(url, wait_until="load")
        try:
            page.wait_for_function("document.documentElement.dataset.mathTypeset === '1'", timeout=10_000)
        except Exception:
            report.problems.append("math was never typeset (math.js did not finish)")
        page.wait_for_load_state("networkidle")
        state = page.evaluate("""() => {
            const raw = [...document.querySelectorAll('.arithmatex')].filter(e => !e.querySelector('.katex'));
            const md = [...document.querySelectorAll('.md-content .jp-RenderedMarkdown, .md-content .md-typeset > p, .md-content li, .md-content td')];
            const leftover = md.filter(e => !e.closest('pre, code') && /(\\$\\$|\\\\\\(|\\\\\\[|\\$[^$\\s][^$]*\\$)/.test(
                [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('')));
            const mark = performance.getEntriesByName('dlref-math-typeset')[0];
            return {raw: raw.map(e => e.textContent.slice(0, 60)), leftover: leftover.map(e => e.textContent.slice(0, 60)),
                    katex: document.querySelectorAll('.katex').length, errors: document.querySelectorAll('.katex-error').length,
                    typeset: mark ? mark.startTime : null};
        }""")
        if state["raw"]:
            report.problems.append(f"{len(state['raw'])} formula(s) left as raw TeX, e.g. {state['raw'][0]!r}")
        if state["leftover"]:
            report.problems.append(f"raw TeX delimiters in text, e.g. {state['leftover'][0]!r}")
        if state["errors"]:
            report.problems.append(f"{state['errors']} KaTeX error(s)")
        report.formulas, report.typeset_ms = state["katex"], state["typeset"]
        report.transferred = int(page.evaluate(
            "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".reduce((n, e) => n + (e.transferSize || 0), 0)"))
        images = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        for src in images:
            report.problems.append(f"image not loaded: {src}")
        alts = page.evaluate("[...document.querySelectorAll('.md-content img')].filter(i => !i.alt.trim()).map(i => i.src)")
        for src in alts:
            report.problems.append(f"image without alt text: {src}")
    finally:
        page.close()
    report.requests = len(sizes)
    report.bytes = sum(sizes.values())
    if sizes:
        biggest = max(sizes.items(), key=lambda kv: kv[1])
        report.largest = (biggest[1], biggest[0].removeprefix(base))
    return report


def alternate_href(context, url: str, lang: str) -> str | None:
    page = context.new_page()
    page.goto(url)
    href = page.evaluate(f"(() => {{ const a = document.querySelector('a.md-select__link[hreflang=\"{lang}\"]');"
                         f" return a ? a.href : null; }})()")
    page.close()
    return href


def same_page(a: str, b: str) -> bool:
    return urljoin(a, ".").rstrip("/") + "/" == urljoin(b, ".").rstrip("/") + "/" or a.rstrip("/") == b.rstrip("/")
