"""``aomaas scan PATH``: index and mine a local checkout, print the ranked opportunities.

The committed HEAD is scanned; uncommitted changes are left out and said so.
Each opportunity shows its number, kept per repository (``aomaas fix`` takes it).

With ``--owner-files DIR`` (a local checkout of the owner's ``.github``
repository) the findings of a missing community file that the owner's files
already provide are left out, and stderr says which and why.

Exit status: 0 when nothing at or above ``--fail-on`` was found (always 0
without it), 1 otherwise, 2 on a usage or repository error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from aomaas.engine.findings import PRIORITY_RANK, OpportunityType, Priority
from aomaas.errors import AomaasError

# Each format is rendered by ``aomaas.engine.reports.RENDERERS[format]`` (imported when the
# command runs, so that other commands do not pay for the engine at start-up).
FORMATS = ("table", "json", "sarif")


def _types(value: str) -> list[OpportunityType]:
    try:
        return [OpportunityType(v.strip()) for v in value.split(",") if v.strip()]
    except ValueError:
        choices = ", ".join(t.value for t in OpportunityType)
        raise argparse.ArgumentTypeError(
            f"unknown type in {value!r} (choose from {choices})"
        ) from None


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def add_owner_files(parser: argparse.ArgumentParser) -> None:
    """Add ``--owner-files DIR`` (``scan`` and ``fix`` share it)."""
    parser.add_argument(
        "--owner-files",
        type=Path,
        default=None,
        metavar="DIR",
        help="a local checkout of the owner's .github repository: its SECURITY.md and "
        "CONTRIBUTING.md (where GitHub reads them) count for this repository, as on GitHub",
    )


def add_parser(subparsers: Any) -> None:
    """Register ``scan`` on an argparse sub-parser collection."""
    parser = subparsers.add_parser(
        "scan",
        help="index and mine a local git checkout",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    configure(parser)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the scan arguments to ``parser`` (sets ``func`` to :func:`run`)."""
    parser.add_argument(
        "path",
        type=Path,
        help="a git checkout (its committed HEAD is scanned, not uncommitted changes)",
    )
    parser.add_argument(
        "--types",
        nargs="+",
        type=_types,
        default=None,
        metavar="TYPE",
        help="opportunity types (space or comma separated): "
        + ", ".join(t.value for t in OpportunityType),
    )
    parser.add_argument("--max", type=_positive, default=None, metavar="N", help="show at most N")
    parser.add_argument("--format", choices=sorted(FORMATS), default="table")
    parser.add_argument(
        "--fail-on",
        choices=[p.value for p in Priority],
        default=None,
        metavar="PRIORITY",
        help="exit 1 if anything at or above this priority is found",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_owner_files(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the scan described by ``args``; print the report on stdout; return the exit status."""
    types = [t for group in args.types for t in group] if args.types else None

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"aomaas: {message}", file=sys.stderr, flush=True)

    from aomaas.engine import reports
    from aomaas.engine.recipes.covered import owner_checkout_facts
    from aomaas.engine.scan import scan

    try:
        community = owner_checkout_facts(args.owner_files) if args.owner_files else None
        report = scan(
            args.path, types=types, max_results=args.max, progress=progress, community=community
        )
    except AomaasError as exc:
        print(f"aomaas scan: error: {exc.detail}", file=sys.stderr)
        return 2
    if report.uncommitted:
        print(f"aomaas scan: warning: scanned {report.scanned()}", file=sys.stderr)
    if community is not None:
        found = ", ".join(community.owner_files) or "none of the files GitHub reads there"
        progress(f"the owner's files in {args.owner_files}: {found}")
    for item in report.left_out:
        finding = item.finding
        progress(f"left out #{report.number(finding)} ({finding.rule}): {item.reason}")
    sys.stdout.write(reports.RENDERERS[args.format](report))
    if args.fail_on is None:
        return 0
    threshold = PRIORITY_RANK[Priority(args.fail_on)]
    return 1 if any(PRIORITY_RANK[f.priority] <= threshold for f in report.findings) else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m aomaas.commands.scan PATH ...``."""
    parser = argparse.ArgumentParser(
        prog="aomaas scan", description=__doc__.splitlines()[0] if __doc__ else None
    )
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
