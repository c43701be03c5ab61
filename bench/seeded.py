"""Seeded-defect benchmark: inject known defects, then mine → fix → prove, and count.

For each project of the corpus (the source distributions of the index-and-mine
benchmark, in ``bench/.cache/sdists``; downloaded with ``pip download`` when
missing) the benchmark extracts the sources into a fresh git repository,
injects defects of every supported rule family at random places (a fixed
seed), commits them as the base, mines the whole repository, and runs the
real fix pipeline (rule-based plan, recipe, patch guard, commit, proof with
the repository's tests in the sandbox when they can run) on every injected
defect the miners found.

Printed: recall (found / injected), fix rate (proven / found), fixes that broke
a test (caught by the proof; a proven fix that broke one would be a bug), per
family and in total.

    .venv/bin/python bench/seeded.py [--per-family 2] [--projects click,attrs] [--seed 7]
        [--install-deps] [--no-tests]
"""

from __future__ import annotations

import argparse
import ast
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aomaas.engine.findings import Finding, members
from aomaas.engine.implementer import Identity, ImplementSettings, implement
from aomaas.engine.index import build_index
from aomaas.engine.miners import mine
from aomaas.engine.miners.rules import prefix_matches
from aomaas.engine.miners.signal import CURATED, NEEDS_EVIDENCE
from aomaas.engine.planner import make_plan
from aomaas.engine.testenv import SuiteSettings
from aomaas.engine.validator import ValidationSettings

CACHE = Path(__file__).resolve().parent / ".cache"
CORPUS = {
    "requests": ("requests", "2.32.3"),
    "flask": ("flask", "3.0.3"),
    "click": ("click", "8.1.7"),
    "attrs": ("attrs", "24.2.0"),
    "django": ("Django", "5.1.4"),
}
BOT = Identity("aomaas[bot]", "aomaas-bot@example.org")

# Each seed is a top-level definition with exactly one defect of its family.
SEEDS: dict[str, str] = {
    "ruff:S113": '''def {name}(url):
    """Fetch a page (seeded)."""
    import requests

    return requests.get(url)
''',
    "ruff:S506": '''def {name}(text):
    """Parse YAML (seeded)."""
    import yaml

    return yaml.load(text, Loader=yaml.Loader)
''',
    "ruff:S324": '''def {name}(data):
    """Checksum (seeded)."""
    import hashlib

    return hashlib.md5(data).hexdigest()
''',
    "ruff:S306": '''def {name}():
    """Scratch file name (seeded)."""
    import tempfile

    return tempfile.mktemp(suffix=".tmp")
''',
    "ruff:F401": '''def {name}():
    """Unused import (seeded)."""
    import colorsys

    return 1
''',
    "ruff:UP008": '''class {Name}(dict):
    """A mapping (seeded)."""

    def copy(self):
        """Copy it."""
        return super({Name}, self).copy()
''',
    "ruff:E711": '''def {name}(value):
    """Missing check (seeded)."""
    return value == None
''',
    "ruff:PERF102": '''def {name}(mapping):
    """Key lengths (seeded)."""
    total = 0
    for key, _ in mapping.items():
        total += len(key)
    return total
''',
    "ruff:C401": '''def {name}(items):
    """Distinct items (seeded)."""
    return set(item for item in items)
''',
    "ruff:B011": '''def {name}(flag):
    """Unreachable (seeded)."""
    if flag:
        assert False, "unreachable"
    return flag
''',
}
_SKIP = ("test", "tests", "docs", "doc", "examples", "example", "scripts", "migrations", "_vendor")


@dataclass
class Seeded:
    """One injected defect and where it lives."""

    rule: str
    path: str
    name: str
    span: tuple[int, int] = (0, 0)


def sdist(project: str) -> Path:
    """The cached sdist of ``project`` (downloaded with pip when missing)."""
    name, version = CORPUS[project]
    folder = CACHE / "sdists"
    found = sorted(folder.glob(f"{name}-{version}.tar.gz")) + sorted(
        folder.glob(f"{name.lower()}-{version}.tar.gz")
    )
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"{name}=={version}",
            "-d",
            str(folder),
        ],
        check=True,
    )
    return sdist(project)


def git(root: Path, *args: str) -> str:
    """Run git with a fixed identity."""
    command = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org", *args]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=True).stdout


def checkout(project: str, where: Path) -> Path:
    """Extract the sdist into ``where`` and make it a git repository."""
    with tarfile.open(sdist(project)) as archive:
        archive.extractall(where, filter="data")
    root = next(p for p in where.iterdir() if p.is_dir())
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sources")
    return root


def candidates(root: Path) -> list[str]:
    """Package modules a defect may go into (no tests, docs, vendored code, __init__)."""
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if path.name.startswith(("__", "test_", "conftest")) or set(rel.parts[:-1]) & set(_SKIP):
            continue
        if path.name in ("setup.py", "conf.py") or len(rel.parts) < 2:
            continue
        files.append(rel.as_posix())
    return files


def insertion_lines(text: str) -> list[int]:
    """0-based line numbers before which a top-level definition may be inserted."""
    tree = ast.parse(text)
    lines = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines.append(first - 1)
    return lines


def must_select(code: str) -> bool:
    """Whether a seeded rule is reported only where the repository selects it: style
    outside the curated set, or a curated rule whose seed carries no evidence."""
    curated = any(prefix_matches(prefix, code) for prefix in CURATED)
    return not curated or code in NEEDS_EVIDENCE


def select_seeded(root: Path) -> None:
    """Make the repository select the seeded rules that are not reported whatever the
    configuration, as a maintainer who opted into them would (a root ``ruff.toml`` that
    extends the project's own ruff configuration)."""
    codes = sorted(rule.split(":", 1)[1] for rule in SEEDS if must_select(rule.split(":", 1)[1]))
    if (root / "ruff.toml").exists() or (root / ".ruff.toml").exists():
        raise SystemExit(f"{root.name} has its own ruff.toml: extend it by hand")
    pyproject = root / "pyproject.toml"
    extend = (
        'extend = "pyproject.toml"\n'
        if pyproject.exists() and "[tool.ruff" in pyproject.read_text(encoding="utf-8")
        else ""
    )
    selection = ", ".join(f'"{code}"' for code in codes)
    (root / "ruff.toml").write_text(f"{extend}[lint]\nextend-select = [{selection}]\n")


def inject(root: Path, per_family: int, rng: random.Random) -> list[Seeded]:
    """Insert ``per_family`` seeds of each family at random places; remove licence files."""
    files = candidates(root)
    seeded: list[Seeded] = []
    counter = 0
    for rule, template in SEEDS.items():
        for _ in range(per_family):
            for _attempt in range(20):
                rel = rng.choice(files)
                text = (root / rel).read_text(encoding="utf-8")
                places = insertion_lines(text)
                if places:
                    break
            counter += 1
            name = f"_aomaas_seed_{counter}"
            code = template.format(name=name, Name=f"AomaasSeed{counter}")
            lines = text.splitlines(keepends=True)
            at = rng.choice(places)
            lines[at:at] = [code + "\n\n"]
            (root / rel).write_text("".join(lines), encoding="utf-8")
            seeded.append(
                Seeded(rule, rel, name if "{name}" in template else f"AomaasSeed{counter}")
            )
    select_seeded(root)
    licences = build_index(root, git(root, "rev-parse", "HEAD").strip()).docs.get("license", [])
    for rel in licences:
        (root / rel).unlink()
    if licences:
        seeded.append(Seeded("repo:missing-license", "LICENSE", ""))
    for item in seeded:
        if item.name:
            item.span = _span(root / item.path, item.name)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "seeded defects")
    return seeded


def _span(path: Path, name: str) -> tuple[int, int]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if getattr(node, "name", None) == name:
            return node.lineno, node.end_lineno or node.lineno
    raise LookupError(name)


def matches(item: Seeded, finding: Finding) -> bool:
    """Whether ``finding`` is the miners' report of the injected defect ``item``."""
    if finding.rule != item.rule:
        return False
    if not item.name:
        return True
    return finding.location == item.path and item.span[0] <= (finding.line or 0) <= item.span[1]


def run_project(project: str, args: argparse.Namespace, totals: Counter[str]) -> None:
    """Seed, mine, fix and prove one project; add its counts to ``totals``."""
    rng = random.Random(f"{args.seed}:{project}")
    with tempfile.TemporaryDirectory(prefix=f"aomaas-seeded-{project}-") as scratch:
        root = checkout(project, Path(scratch))
        seeded = inject(root, args.per_family, rng)
        base = git(root, "rev-parse", "HEAD").strip()
        started = time.perf_counter()
        # a grouped opportunity stands for each of its places: the seed is one of them
        findings = [m for f in mine(root, build_index(root, base)) for m in members(f)]
        suite = SuiteSettings(
            cache_dir=args.cache,
            timeout=args.test_timeout,
            memory_mb=2048,
            install_dependencies=args.install_deps,
        )
        settings = ImplementSettings(
            validation=ValidationSettings(suite, run_tests=not args.no_tests)
        )
        for number, item in enumerate(seeded, 1):
            family = item.rule
            totals[f"injected|{family}"] += 1
            found = next((f for f in findings if matches(item, f)), None)
            if found is None:
                print(f"  {project}: MISSED {family} in {item.path}:{item.span}")
                continue
            totals[f"found|{family}"] += 1
            plan = make_plan(found)  # the seeded place alone, not its whole group
            result = implement(root, base, found, plan, f"seeded/{number}", BOT, settings)
            tests = (
                next((c for c in result.report.checks if c.name == "tests"), None)
                if result.report
                else None
            )
            if tests is not None and tests.outcome == "failed":
                totals[f"broke|{family}"] += 1
            if tests is not None and tests.outcome == "passed":
                totals[f"tested|{family}"] += 1
            elif tests is not None and number == 1:
                print(f"  {project}: {tests.detail[:400]}")
            if result.success:
                totals[f"proven|{family}"] += 1
            else:
                print(
                    f"  {project}: NOT PROVEN {family} in {found.location}:{found.line}: {result.message[:300]}"
                )
        print(f"{project}: {len(seeded)} injected, {time.perf_counter() - started:.1f} s")


def report(totals: Counter[str]) -> None:
    """Print the table and the totals."""
    families = sorted({key.split("|", 1)[1] for key in totals})
    print(
        f"\n{'family':24} {'injected':>8} {'found':>6} {'proven':>6} {'tests ran':>9} {'broke':>5}"
    )
    for family in [*families, "TOTAL"]:

        def value(kind: str, family: str = family) -> int:
            if family == "TOTAL":
                return sum(v for k, v in totals.items() if k.startswith(kind + "|"))
            return totals[f"{kind}|{family}"]

        print(
            f"{family:24} {value('injected'):>8} {value('found'):>6} {value('proven'):>6} "
            f"{value('tested'):>9} {value('broke'):>5}"
        )
    injected = sum(v for k, v in totals.items() if k.startswith("injected|"))
    found = sum(v for k, v in totals.items() if k.startswith("found|"))
    proven = sum(v for k, v in totals.items() if k.startswith("proven|"))
    broke = sum(v for k, v in totals.items() if k.startswith("broke|"))
    print(f"\nrecall {found}/{injected} = {100 * found / max(injected, 1):.1f} %")
    print(f"fix rate {proven}/{found} = {100 * proven / max(found, 1):.1f} %")
    print(
        f"fixes that broke a test: {broke} (caught by the proof, no branch made); "
        "proven fixes that broke a test: 0 by construction"
    )


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", default=",".join(CORPUS))
    parser.add_argument("--per-family", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-tests", action="store_true")
    parser.add_argument(
        "--install-deps",
        action="store_true",
        help="let a sandboxed pip install declared dependencies (wheels, PyPI)",
    )
    parser.add_argument("--test-timeout", type=float, default=600)
    parser.add_argument("--cache", type=Path, default=CACHE / "seeded-env")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    totals: Counter[str] = Counter()
    for project in args.projects.split(","):
        run_project(project, args, totals)
    report(totals)


if __name__ == "__main__":
    main()
