"""Command line: ``python -m dlref verify [--device cpu|cuda] [--dtype float32|float64] [--json PATH]``."""

from __future__ import annotations

import sys

USAGE = "usage: python -m dlref verify [--device cpu|cuda] [--dtype float32|float64] [--json PATH] [--quiet]"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] != "verify":
        print(f"unknown command {argv[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    from dlref.verify import main as verify

    return verify(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
