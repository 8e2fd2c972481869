"""The verification page and the status of each API entry, from one run of ``dlref.verify`` at build time.

The run (CPU, float32 and float64) is cached in ``.cache/verify/`` under a key made of the dlref sources
(cases included) and the torch version, so a change to either re-runs it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- dlref:verification-table -->"

TEXT = {
    "ja": {
        "head": ("関数", "照合した torch API（一致させる引数）", "dtype", "最大絶対誤差", "最大相対誤差", "ビット一致",
                 "勾配", "結果"),
        "yes": "はい", "no": "いいえ", "checked": "検査済み", "pass": "合格", "fail": "不合格",
        "env": "torch {torch} · {device_name} · Python {python} · {date} · {n} 件（{passed} 合格、{failed} 不合格）",
        "status_ok": "検証済み", "status_fail": "検証に不合格", "row": "検証表の行",
        "status_detail": "{dtype}: 最大相対誤差 {rel}{exact}", "exact": "、ビット一致",
    },
    "en": {
        "head": ("function", "torch API (arguments that agree)", "dtype", "max abs err", "max rel err", "bit-exact",
                 "gradients", "result"),
        "yes": "yes", "no": "no", "checked": "checked", "pass": "pass", "fail": "FAIL",
        "env": "torch {torch} · {device_name} · Python {python} · {date} · {n} checks ({passed} passed, "
               "{failed} failed)",
        "status_ok": "Verified", "status_fail": "Verification failed", "row": "row in the verification table",
        "status_detail": "{dtype}: max rel err {rel}{exact}", "exact": ", bit-exact",
    },
}


def _key() -> str:
    import torch

    h = hashlib.sha256(torch.__version__.encode())
    for p in sorted((ROOT / "dlref").rglob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:20]


_memo: dict[str, dict] = {}


def report(cache: Path) -> dict:
    """The report of ``python -m dlref verify`` for CPU, float32 and float64 (cached)."""
    key = _key()
    if key in _memo:
        return _memo[key]
    path = cache / f"{key}.json"
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    else:
        from dataclasses import asdict

        from dlref import verify

        rows = verify.run("cpu", ("float32", "float64"))
        env = verify.environment("cpu", ("float32", "float64"))
        data = {**env, "passed": sum(r.passed for r in rows), "failed": sum(not r.passed for r in rows),
                "rows": [asdict(r) | {"anchor": r.anchor} for r in rows]}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    _memo[key] = data
    return data


def _num(x: float) -> str:
    return "0" if x == 0 else f"{x:.1e}"


def table(data: dict, lang: str) -> str:
    t = TEXT[lang]
    lines = [t["env"].format(n=len(data["rows"]), **data), "",
             "| " + " | ".join(t["head"]) + " |", "|" + "---|" * len(t["head"])]
    seen: set[str] = set()
    for r in data["rows"]:
        anchor = "" if r["anchor"] in seen else f'<a id="{r["anchor"]}"></a>'
        seen.add(r["anchor"])
        name = f'{anchor}[`{r["function"]}`][{r["function"]}]'
        grads = t["checked"] if r["gradients"] == "checked" else r["gradients"]
        result = t["pass"] if r["passed"] else f'**{t["fail"]}**: {r["message"]}'
        api = r["torch_api"].replace("|", "\\|")
        lines.append(f'| {name} | `{api}` | {r["dtype"]} | {_num(r["max_abs_err"])} | {_num(r["max_rel_err"])} | '
                     f'{t["yes"] if r["bit_exact"] else t["no"]} | {grads} | {result} |')
    return "\n".join(lines)


def status_html(data: dict, function: str, lang: str, href: str) -> str:
    """A line under an API heading: verified or not, the errors per dtype, a link to the row."""
    t = TEXT[lang]
    rows = [r for r in data["rows"] if r["function"] == function]
    if not rows:
        return ""
    ok = all(r["passed"] for r in rows)
    details = "; ".join(t["status_detail"].format(dtype=r["dtype"], rel=_num(r["max_rel_err"]),
                                                  exact=t["exact"] if r["bit_exact"] else "") for r in rows)
    icon = "✅" if ok else "❌"
    label = t["status_ok"] if ok else t["status_fail"]
    return (f'<p class="dlref-status" data-status="{"pass" if ok else "fail"}">{icon} <strong>{label}</strong> '
            f'({details}) — <a href="{href}#{rows[0]["anchor"]}">{t["row"]}</a></p>')


HEADING = re.compile(r'(<h2 id="(dlref\.[\w.]+)" class="doc doc-heading">.*?</h2>)', re.S)


def annotate(html: str, data: dict, lang: str, verification_href: str) -> str:
    def add(m: re.Match) -> str:
        return m.group(1) + status_html(data, m.group(2), lang, verification_href)

    return HEADING.sub(add, html)
