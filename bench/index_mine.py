"""Benchmark: index and mine real projects, against ruff and a bare tree-sitter parse loop.

Usage: ``.venv/bin/python bench/index_mine.py [NAME ...]``

Downloads pinned source distributions from the package index once into
``bench/.cache`` (``pip download --no-deps --no-binary :all:``), unpacks each
into a git repository, then measures for each project, in the same run:

* cold index (``build_index`` from scratch) and an incremental index after a
  commit changing 10 Python files;
* mining (all types) and the analyzers alone (the same ruff command, output
  discarded);
* baselines: ``ruff check --no-cache --select ALL --exit-zero --output-format
  concise .`` with its output discarded (``--isolated`` so the enclosing
  project's configuration does not exclude the corpus), and a one-core loop
  parsing every Python file once with the index's parser;
* counts of findings per type, and whether two mining runs give identical
  fingerprints. Peak memory (this process and its children) is printed last.

Each time is the fastest of RUNS runs; what is compared is run in turns (cold
index, parse loop and ruff; analyzers and mining), so that the load of a shared
machine hits both sides of a ratio alike.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ruff import find_ruff_bin

from aomaas.engine.findings import OpportunityType
from aomaas.engine.index import RepoIndex, build_index
from aomaas.engine.index.parsing import parser_for
from aomaas.engine.miners import mine, python_files
from aomaas.engine.miners.ruffrun import ruff_command, ruff_setup
from aomaas.engine.miners.rules import ruff_selection
from aomaas.engine.workspace import head_commit, safe_read

CORPUS = {
    "requests": "2.32.3",
    "flask": "3.0.3",
    "click": "8.1.7",
    "attrs": "24.2.0",
    "django": "5.1.4",
}
CACHE = Path(__file__).resolve().parent / ".cache"
GIT_IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@aomaas.invalid"]
RUNS = 5
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` (bench-only identity)."""
    done = subprocess.run(
        ["git", *GIT_IDENTITY, *args],
        cwd=root,
        env=GIT_ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def prepare(name: str, version: str) -> Path:
    """Download, unpack and commit one project (cached); return the tree."""
    sdists = CACHE / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    archive = next(
        (p for p in sdists.iterdir() if p.name.lower().startswith(f"{name}-{version}".lower())),
        None,
    )
    if archive is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                str(sdists),
                f"{name}=={version}",
            ],
            check=True,
        )
        archive = next(
            p for p in sdists.iterdir() if p.name.lower().startswith(f"{name}-{version}".lower())
        )
    tree = CACHE / "trees" / archive.name.removesuffix(".tar.gz")
    if not (tree / ".git").is_dir():
        tree.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(tree.parent, filter="data")
        git(tree, "init", "-q", "-b", "main")
        git(tree, "add", "-A")
        git(tree, "commit", "-q", "-m", f"{name} {version} sdist")
    git(tree, "reset", "-q", "--hard", git(tree, "rev-list", "--max-parents=0", "HEAD").strip())
    return tree


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def best(function, *args, runs: int = RUNS):  # type: ignore[no-untyped-def]
    """(fastest seconds, last result) over ``runs`` calls: the machine is shared and noisy."""
    results = [timed(function, *args) for _ in range(runs)]
    return min(t for t, _ in results), results[-1][1]


def interleaved(functions: list[Callable[[], object]], runs: int = RUNS) -> list[float]:
    """Fastest time of each function, run in turns (A B C A B C ...) so load drifts hit all alike."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(runs):
        for slot, function in enumerate(functions):
            times[slot].append(timed(function)[0])
    return [min(slot) for slot in times]


def change_files(tree: Path, index: RepoIndex, count: int = 10) -> None:
    """Commit a change to ``count`` Python files (appending a function)."""
    for i, path in enumerate(
        index.paths("python")[:: max(1, len(index.paths("python")) // count)][:count]
    ):
        with open(tree / path, "a") as handle:
            handle.write(f"\n\ndef _bench_added_{i}():\n    return {i}\n")
    git(tree, "commit", "-q", "-am", "bench: change files")


def parse_loop(tree: Path, index: RepoIndex) -> None:
    """One core, the index's parser, every Python file read and parsed once."""
    parser = parser_for("python")
    for path in index.paths("python", status=None):
        data = safe_read(tree, path)
        if data is not None:
            parser.parse(data)


def ruff_all(tree: Path) -> None:
    """The issue's ruff baseline, output discarded."""
    command = [
        find_ruff_bin(),
        "check",
        "--no-cache",
        "--select",
        "ALL",
        "--exit-zero",
        "--output-format",
        "concise",
        "--isolated",
        ".",
    ]
    subprocess.run(
        command, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )


def analyzers_alone(tree: Path, index: RepoIndex) -> None:
    """The exact ruff command mining runs, output discarded."""
    setup = ruff_setup(index)
    command = [
        *ruff_command(ruff_selection(set(OpportunityType)), setup, setup.isolated),
        "--",
        *python_files(index),
    ]
    subprocess.run(
        command, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )


def bench(name: str, version: str) -> dict[str, object]:
    """All figures for one project."""
    tree = prepare(name, version)
    commit = head_commit(tree)
    build_index(tree, commit)  # warm the page cache and imports once
    index = build_index(tree, commit)
    cold, parse, ruff_baseline = interleaved(
        [lambda: build_index(tree, commit), lambda: parse_loop(tree, index), lambda: ruff_all(tree)]
    )
    analyzers, mining = interleaved(
        [lambda: analyzers_alone(tree, index), lambda: mine(tree, index)]
    )
    findings = mine(tree, index)
    again = mine(tree, index)
    change_files(tree, index)
    incremental, updated = best(build_index, tree, head_commit(tree), index)
    git(tree, "reset", "-q", "--hard", commit)
    return {
        "project": f"{name} {version}",
        "files": index.stats["files"],
        "python_files": len(index.paths("python", status=None)),
        "lines": index.stats["lines"],
        "python_lines": index.stats["languages"].get("python", {}).get("lines", 0),
        "cold_index_s": round(cold, 3),
        "incremental_s": round(incremental, 3),
        "incremental_files_read": updated.stats["files_read"],
        "mine_s": round(mining, 3),
        "analyzers_alone_s": round(analyzers, 3),
        "ruff_all_s": round(ruff_baseline, 3),
        "parse_loop_s": round(parse, 3),
        "cold_vs_ruff_all": round(cold / ruff_baseline, 2),
        "cold_vs_parse_loop": round(cold / parse, 2),
        "mine_vs_analyzers": round(mining / analyzers, 2),
        "incremental_vs_cold": round(incremental / cold, 3),
        "findings": len(findings),
        "by_type": dict(sorted(Counter(str(f.type) for f in findings).items())),
        "fingerprints_stable": sorted(f.fingerprint for f in findings)
        == sorted(f.fingerprint for f in again),
    }


def main() -> int:
    """Run the benchmark for the named projects (all by default) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", choices=[[], *CORPUS], default=[])
    names = parser.parse_args().names or list(CORPUS)
    rows = [bench(name, CORPUS[name]) for name in names]
    columns = [
        "project",
        "files",
        "python_files",
        "python_lines",
        "cold_index_s",
        "incremental_s",
        "incremental_files_read",
        "mine_s",
        "analyzers_alone_s",
        "ruff_all_s",
        "parse_loop_s",
        "cold_vs_ruff_all",
        "cold_vs_parse_loop",
        "mine_vs_analyzers",
        "incremental_vs_cold",
        "findings",
        "fingerprints_stable",
    ]
    for row in rows:
        print("\n".join(f"{c:>24}: {row[c]}" for c in columns))
        print(f"{'by_type':>24}: {row['by_type']}\n")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: this process {own:.0f} MiB, largest child process {children:.0f} MiB")
    (CACHE / "results.json").write_text(
        json.dumps({"rows": rows, "peak_mib": [own, children]}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
