"""Real-world benchmark: what ``aomaas scan`` and ``aomaas fix`` give on real repositories.

The corpus is ``bench/realworld_corpus.toml``: public GitHub repositories at pinned
commits, with their test command and their own lint and format gates. Only that list
lives here: bring the repositories with the ``fetch`` tool and give the bench the
folder the mirrors are in (``<owner>+<name>/repo``, ``<owner>+<name>``,
``<owner>/<name>`` or ``<name>``, each a git repository holding the pinned commit).

For each repository it checks out the pinned commit into the scratch folder and
prints: scan time, findings by type, the precision of the top 10 against
``bench/realworld_labels.toml`` (unlabelled top-10 fingerprints are listed, ready to
label), the fixes tried on the fixable findings of the top 30 (``aomaas fix``), how
many were claimed and at which proof level, and an independent check the bench runs
itself on each claimed fix: the repository's tests in a virtualenv the bench makes
(before and after), the repository's own lint and format gates on the changed files
(before and after), and a rescan (the finding gone, nothing new). The diff of each
claimed fix is written to the scratch folder, to be judged in
``bench/realworld_verdicts.toml``. Totals and the goals of issue 11 follow, and a
JSON file with everything.

Where a corpus entry's ``org_github`` names the owner's ``.github`` repository
("pallets/.github (SECURITY.md, CONTRIBUTING.md)") and the mirrors folder holds it
(``<owner>+.github/repo`` and the other layouts above), its default HEAD is checked
out into the scratch folder and given to every ``aomaas scan`` and ``aomaas fix`` as
``--owner-files``, as GitHub shows those files for every repository of the owner;
the per-repository output says whether the owner's files were used or not found.

    .venv/bin/python bench/realworld.py MIRRORS SCRATCH [--repos flask,click]
        [--no-fix] [--max-fixes N] [--no-tests] [--json FILE] [--held-back-sample N]

With ``--held-back-sample N`` it also lists the findings the signal policy holds back
(``aomaas.engine.miners.mine(held_back=...)``, in-process), with the reason, draws a
seeded stratified sample of N of them (every reason and every repository represented,
security and bug patterns weighed more than style), writes it to
``SCRATCH/heldback-sample.toml`` ready to label, and counts the worth-it labels of
``bench/realworld_heldback_labels.toml``: what the policy throws away that a maintainer
would have wanted (recall).

Not part of CI: it needs the network (pip) and takes minutes per repository with fixes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aomaas.engine.findings import Finding
from aomaas.engine.index import build_index
from aomaas.engine.miners import mine

HERE = Path(__file__).resolve().parent
CORPUS_FILE = HERE / "realworld_corpus.toml"
LABELS_FILE = HERE / "realworld_labels.toml"
VERDICTS_FILE = HERE / "realworld_verdicts.toml"
HELD_BACK_LABELS_FILE = HERE / "realworld_heldback_labels.toml"
HELD_BACK_SEED = 11
#: How much more a held-back finding of each class weighs in the sample than style.
CLASS_WEIGHT = {"security": 4.0, "bug-pattern": 4.0, "style": 1.0, "docstring": 0.5}
_SECURITY, _BUG = re.compile(r"^S\d"), re.compile(r"^(B\d|F\d|PLE\d|E9)")
WORTH, NOISE = "worth it", "noise"
MERGEABLE = "mergeable"
TOP, FIX_WINDOW = 10, 30
SCAN_TIMEOUT, FIX_TIMEOUT, TEST_TIMEOUT, INSTALL_TIMEOUT = 600, 1800, 1200, 1200
QUIET_ENV = {
    "NO_COLOR": "1",
    "PY_COLORS": "0",
    "FORCE_COLOR": "",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
_UNITTEST_LINE = re.compile(
    r"^(\w+) \(([\w.]+)\)(?:\n[^\n]*)? \.\.\. "
    r"(ok|FAIL|ERROR|skipped|expected failure|unexpected success)",
    re.MULTILINE,
)


# -- data ---------------------------------------------------------------------------------


@dataclass
class TestRun:
    """One run of a repository's tests, counted from JUnit XML (pytest) or verbose unittest."""

    ran: bool = False  # the command ran and reported at least one test
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # failures and errors (collection included)
    skipped: int = 0
    seconds: float = 0.0
    detail: str = ""

    def summary(self) -> str:
        """``N passed, M failed, K skipped`` or why nothing ran."""
        if not self.ran:
            return f"did not run ({self.detail})"
        return f"{len(self.passed)} passed, {len(self.failed)} failed, {self.skipped} skipped"


@dataclass
class FixResult:
    """One ``aomaas fix`` and the bench's own check of it."""

    fingerprint: str
    rule: str
    location: str
    exit_code: int = -1
    seconds: float = 0.0
    claimed: bool = False
    level: str = "not proven"  # proven | checked, tests not run | not proven
    message: str = ""
    log: str = ""  # aomaas fix's whole output
    proof: list[str] = field(default_factory=list)
    proof_tests_passed: int | None = None  # "N passed" in aomaas's own tests check, if said
    changed: list[str] = field(default_factory=list)
    diff_file: str = ""
    diff_sha: str = ""
    gates: dict[str, str] = field(default_factory=dict)  # gate -> "before N, after M"
    gates_ok: bool | None = None
    tests_after: str = ""
    tests_ok: bool | None = None  # None: the repository's tests cannot run here
    broken: list[str] = field(default_factory=list)
    gone: bool | None = None
    new: list[str] = field(default_factory=list)
    verdict: str = ""

    @property
    def independently_ok(self) -> bool:
        """Gates clean, nothing broken, the finding gone and nothing new."""
        return (
            bool(self.gates_ok) and self.tests_ok is not False and bool(self.gone) and not self.new
        )


@dataclass
class RepoResult:
    """Everything measured on one repository."""

    name: str
    repo: str
    commit: str
    error: str = ""
    owner_files: str = ""  # the owner's .github: used at which commit, or not found
    left_out: list[dict[str, Any]] = field(default_factory=list)  # what they cover
    scan_seconds: float = 0.0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    top: list[dict[str, Any]] = field(default_factory=list)  # rank, fingerprint, rule, label
    worth_reported: int = 0
    worth_labelled: int = 0
    fixable_top30: int = 0
    tests_before: str = ""
    tests_can_run: bool | None = None
    fixes: list[FixResult] = field(default_factory=list)
    held_back: list[dict[str, Any]] = field(default_factory=list)  # with --held-back-sample

    def labelled(self) -> list[dict[str, Any]]:
        """The top-10 entries that carry a label."""
        return [t for t in self.top if t["label"]]


# -- small helpers ------------------------------------------------------------------------


def run(
    cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; a timeout becomes exit status 124 with what was captured."""
    full_env = {**os.environ, **QUIET_ENV, **(env or {})}
    try:
        return subprocess.run(
            cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        return subprocess.CompletedProcess(cmd, 124, out, f"timed out after {timeout:.0f} s")


def git(cwd: Path, *args: str) -> str:
    """``git args`` in ``cwd``; its stdout, stripped; raises on failure."""
    done = run(["git", *args], cwd, 300)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def load_toml(path: Path, key: str) -> list[dict[str, Any]]:
    """The array of tables ``key`` of a TOML file (empty when the file is absent)."""
    if not path.exists():
        return []
    with path.open("rb") as fh:
        return list(tomllib.load(fh).get(key, []))


def toml_string(value: str) -> str:
    """A TOML basic string (JSON escaping is valid TOML for these values)."""
    return json.dumps(value, ensure_ascii=False)


def aomaas_cli() -> str:
    """The ``aomaas`` script of the interpreter running the bench."""
    script = Path(sys.executable).parent / "aomaas"
    if not script.exists():
        sys.exit(
            f"realworld: no aomaas script beside {sys.executable}: run with the project's .venv"
        )
    return str(script)


def find_mirror(mirrors: Path, repo: str, commit: str) -> Path | None:
    """The git repository under ``mirrors`` that holds ``repo`` at ``commit`` (``HEAD``: the
    first one with a commit at its default HEAD)."""
    owner, name = repo.split("/")
    for candidate in (
        mirrors / f"{owner}+{name}" / "repo",
        mirrors / f"{owner}+{name}",
        mirrors / owner / name,
        mirrors / name,
    ):
        if candidate.is_dir():
            probe = run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], candidate, 60)
            if probe.returncode == 0:
                return candidate
    return None


def owner_github(spec: dict[str, Any]) -> str | None:
    """The owner's ``.github`` repository the entry's ``org_github`` names, if any."""
    named = re.match(r"\s*([\w.-]+/\.github)(?![\w.-])", str(spec.get("org_github", "")))
    return named.group(1) if named else None


def owner_files(spec: dict[str, Any], mirrors: Path, scratch: Path) -> tuple[Path | None, str]:
    """A checkout of the owner's ``.github`` repository at its mirror's default HEAD, for
    ``--owner-files``, and what the bench says about it ("" when the corpus names none)."""
    repo = owner_github(spec)
    if repo is None:
        return None, ""
    owner = repo.split("/")[0]
    mirror = find_mirror(mirrors, repo, "HEAD")
    dest = scratch / "owner-files" / owner / ".github"
    if mirror is None:
        return recorded_owner_files(spec, repo, dest, mirrors)
    head = git(mirror, "rev-parse", "HEAD^{commit}")
    checkout(mirror, dest, head)
    return dest, f"{repo} at {head[:12]} used (--owner-files {dest})"


def recorded_owner_files(
    spec: dict[str, Any], repo: str, dest: Path, mirrors: Path
) -> tuple[Path | None, str]:
    """Without a mirror (the fetch tool cannot bring a repository named ``.github``): a
    stand-in folder holding the files the corpus records for it (``org_github``'s
    parenthesis, read from GitHub by a person), each saying it is a stand-in. Whether
    a file covers a finding depends only on its being there, as the forge would say."""
    listed = re.search(r"\(([^)]*)\)", str(spec.get("org_github", "")))
    names = [n.strip() for n in (listed.group(1) if listed else "").split(",") if n.strip()]
    if not names:
        return None, f"{repo} not found under {mirrors}: the owner's files were not used"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in names:
        (dest / name).write_text(
            f"A stand-in: the corpus records that {repo} holds {name} (no mirror was found).\n"
        )
    return dest, (
        f"{repo} not found under {mirrors}: a stand-in of the files the corpus records "
        f"({', '.join(names)}) used (--owner-files {dest})"
    )


def checkout(mirror: Path, dest: Path, commit: str) -> None:
    """A fresh clone of ``mirror`` at ``commit`` (detached) in ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    git(dest.parent, "clone", "--quiet", "--shared", "--no-checkout", str(mirror), dest.name)
    git(dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit)


# -- scanning and labels ------------------------------------------------------------------


def with_owner_files(folder: Path | None) -> list[str]:
    """``--owner-files DIR`` when the owner's files were found, else nothing."""
    return ["--owner-files", str(folder)] if folder is not None else []


def scan(
    cli: str, path: Path, scratch: Path, owner: Path | None = None
) -> tuple[float, dict[str, Any]]:
    """``aomaas scan --format json`` of ``path``: seconds taken and the document."""
    started = time.perf_counter()
    command = [cli, "scan", str(path), "--format", "json", "--quiet", *with_owner_files(owner)]
    done = run(command, scratch, SCAN_TIMEOUT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"aomaas scan exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return seconds, json.loads(done.stdout)


def label_index(labels: list[dict[str, Any]], name: str) -> dict[str, dict[str, Any]]:
    """The labels of repository ``name`` by fingerprint."""
    return {entry["fingerprint"]: entry for entry in labels if entry["repo"] == name}


def place_key(item: dict[str, Any]) -> tuple[str, str, int]:
    """Rule, file and line: what a label falls back on when a fingerprint changes."""
    return (item["rule"], item["location"], int(item.get("line") or 0))


def match_label(
    opportunity: dict[str, Any], by_fp: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The label of ``opportunity``: by fingerprint, else by rule, file and line."""
    if opportunity["fingerprint"] in by_fp:
        return by_fp[opportunity["fingerprint"]]
    key = place_key(opportunity)
    return next((entry for entry in by_fp.values() if place_key(entry) == key), None)


def judge_top(result: RepoResult, document: dict[str, Any], labels: list[dict[str, Any]]) -> None:
    """Fill the top-10 entries and the worth-it counts of ``result`` from the labels."""
    by_fp = label_index(labels, result.name)
    opportunities = document["opportunities"]
    for item in opportunities[:TOP]:
        entry = match_label(item, by_fp)
        result.top.append(
            {
                "rank": item["number"],
                "fingerprint": item["fingerprint"],
                "rule": item["rule"],
                "location": item["location"],
                "line": item.get("line"),
                "title": item["title"],
                "label": entry["label"] if entry else "",
            }
        )
    worth = [entry for entry in by_fp.values() if entry["label"] == WORTH]
    fingerprints = {o["fingerprint"] for o in opportunities}
    places = {place_key(o) for o in opportunities}
    # A grouped opportunity (one rule, one package) stands for every place it lists.
    places |= {
        (o["rule"], p["location"], int(p.get("line") or 0))
        for o in opportunities
        for p in o.get("locations") or ()
    }
    result.worth_labelled = len(worth)
    result.worth_reported = sum(
        1 for e in worth if e["fingerprint"] in fingerprints or place_key(e) in places
    )


# -- what the signal policy holds back ----------------------------------------------------


def finding_class(code: str) -> str:
    """``security`` (S), ``bug-pattern`` (B, F, PLE, E9), ``docstring`` (D) or ``style``."""
    if _SECURITY.match(code):
        return "security"
    if _BUG.match(code):
        return "bug-pattern"
    return "docstring" if code.startswith("D") else "style"


def held_back_findings(name: str, src: Path, commit: str) -> list[dict[str, Any]]:
    """The code findings the signal policy does not report in ``src``, with the reason."""
    held: list[tuple[Finding, str]] = []
    mine(src, build_index(src, commit), held_back=held)
    out = []
    for finding, why in held:
        code = str(finding.extra.get("code", ""))
        out.append(
            {
                "repo": name,
                "fingerprint": finding.fingerprint,
                "rule": finding.rule,
                "location": finding.location,
                "line": finding.line or 0,
                "reason_key": why,
                "class": finding_class(code),
                "title": finding.title,
                "code": (finding.snippet.splitlines() or [""])[0].strip(),
            }
        )
    return sorted(out, key=lambda h: (h["location"], h["line"], h["rule"], h["fingerprint"]))


def draw_held_back_sample(
    held: list[dict[str, Any]], size: int, seed: int = HELD_BACK_SEED
) -> list[dict[str, Any]]:
    """A reproducible stratified sample of ``size`` held-back findings.

    One per reason key first, then one per repository not yet represented, then the rest;
    each draw is weighted by :data:`CLASS_WEIGHT` over the square root of the number of
    held-back findings of the same rule (a rule held back 300 times does not fill the
    sample; rare rules, where a systematic miss hides, get their chance).
    """
    rng = random.Random(seed)
    pool = sorted(held, key=lambda h: (h["repo"], h["location"], h["line"], h["rule"]))
    same_rule = Counter(h["rule"] for h in pool)
    chosen: list[dict[str, Any]] = []
    taken: set[int] = set()

    def draw(candidates: list[dict[str, Any]]) -> None:
        left = [h for h in candidates if id(h) not in taken]
        if not left:
            return
        weights = [CLASS_WEIGHT[h["class"]] / same_rule[h["rule"]] ** 0.5 for h in left]
        pick = rng.choices(left, weights=weights)[0]
        taken.add(id(pick))
        chosen.append(pick)

    for reason in sorted({h["reason_key"] for h in pool}):
        draw([h for h in pool if h["reason_key"] == reason])
    for repo in sorted({h["repo"] for h in pool}):
        if not any(h["repo"] == repo for h in chosen):
            draw([h for h in pool if h["repo"] == repo])
    while len(chosen) < min(size, len(pool)):
        draw(pool)
    return sorted(chosen, key=lambda h: (h["repo"], h["location"], h["line"], h["rule"]))


def held_back_label(item: dict[str, Any], labels: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The label of a held-back finding (by fingerprint, else rule, file and line)."""
    return match_label(item, label_index(labels, item["repo"]))


def held_back_stub(item: dict[str, Any], label: dict[str, Any] | None) -> str:
    """A TOML entry for ``realworld_heldback_labels.toml`` (the label filled when known)."""
    return (
        f"[[label]]\nrepo = {toml_string(item['repo'])}\n"
        f"fingerprint = {toml_string(item['fingerprint'])}\nrule = {toml_string(item['rule'])}\n"
        f"location = {toml_string(item['location'])}\nline = {item['line']}\n"
        f"reason_key = {toml_string(item['reason_key'])}\n"
        + (
            f"label = {toml_string(label['label'])}\nreason = {toml_string(label['reason'])}\n"
            if label
            else f'label = ""  # "{WORTH}" or "{NOISE}"\n'
            f'reason = ""  # {item["title"][:70]} | {item["code"][:70]}\n'
        )
    )


def print_held_back(
    results: list[RepoResult], size: int, labels: list[dict[str, Any]], scratch: Path
) -> None:
    """Held-back counts by reason, the sample (printed and written to SCRATCH) and the
    worth-it labels among the findings still held back."""
    held = [h for r in results for h in r.held_back]
    print(f"\n== held back by the signal policy: {len(held)} findings")
    if not held:
        print("   (none listed: a saved run lists them only if it ran with --held-back-sample)")
        return
    by_reason = Counter(h["reason_key"] for h in held)
    for reason, count in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        classes = Counter(h["class"] for h in held if h["reason_key"] == reason)
        detail = ", ".join(f"{n} {c}" for c, n in sorted(classes.items()))
        print(f"   {reason:36} {count:5}  ({detail})")
    for r in results:
        if r.held_back:
            counts = Counter(h["reason_key"] for h in r.held_back)
            print(
                f"   {r.name:16} {len(r.held_back):5}: "
                + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            )
    sample = draw_held_back_sample(held, size)
    stubs = [held_back_stub(h, held_back_label(h, labels)) for h in sample]
    out = scratch / "heldback-sample.toml"
    out.write_text(
        f"# {len(sample)} held-back findings drawn with seed {HELD_BACK_SEED} "
        f"(bench/realworld.py --held-back-sample {size})\n\n" + "\n".join(stubs)
    )
    unlabelled = [
        stub for h, stub in zip(sample, stubs, strict=True) if not held_back_label(h, labels)
    ]
    print(
        f"\n# held-back sample: {len(sample)} findings (seed {HELD_BACK_SEED}), "
        f"{len(sample) - len(unlabelled)} labelled; all in {out}"
    )
    if unlabelled:
        print(f"# {len(unlabelled)} unlabelled (complete and add to {HELD_BACK_LABELS_FILE.name}):")
        for stub in unlabelled:
            print(stub)
    matched: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for h in held:
        label = held_back_label(h, labels)
        if label is not None and all(label is not other for _, other in matched):
            matched.append((h, label))
    # Labels with ``sample = false`` were found outside the drawn sample (looking for
    # systematic misses): listed, not counted in the figure.
    drawn = [(h, label) for h, label in matched if label.get("sample", True)]
    worth = [(h, label) for h, label in drawn if label["label"] == WORTH]
    print(f"\n   held-back findings labelled worth it: {len(worth)}/{len(drawn)}")
    for reason in sorted({h["reason_key"] for h, _ in drawn}):
        of = [label for h, label in drawn if h["reason_key"] == reason]
        yes = sum(1 for label in of if label["label"] == WORTH)
        print(f"     {reason:36} {yes}/{len(of)} labelled ({by_reason[reason]} held back)")
    for h, label in worth:
        print(
            f"     {h['repo']:14} {h['rule']:12} {h['location']}:{h['line']} "
            f"[{h['reason_key']}] {label['reason']}"
        )
    extra = [(h, label) for h, label in matched if not label.get("sample", True)]
    if extra:
        extra_worth = [(h, label) for h, label in extra if label["label"] == WORTH]
        print(
            f"   labelled outside the sample: {len(extra_worth)}/{len(extra)} worth it "
            "(not counted above)"
        )
        for h, label in extra_worth:
            print(
                f"     {h['repo']:14} {h['rule']:12} {h['location']}:{h['line']} "
                f"[{h['reason_key']}] {label['reason']}"
            )
    names = {r.name for r in results}
    gone = [e for e in labels if e["repo"] in names and all(e is not m for _, m in matched)]
    if gone:
        print(f"   labels whose finding is no longer held back (reported, or gone): {len(gone)}")
        for e in gone:
            print(f"     {e['repo']:14} {e['rule']:12} {e['location']}:{e['line']} ({e['label']})")


# -- the repository's tests ---------------------------------------------------------------


def dependency_group(pyproject: dict[str, Any], name: str, seen: set[str]) -> list[str]:
    """The requirements of PEP 735 group ``name``, include-group entries followed."""
    groups = pyproject.get("dependency-groups", {})
    if name in seen or name not in groups:
        return []
    seen.add(name)
    found: list[str] = []
    for item in groups[name]:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict) and "include-group" in item:
            found += dependency_group(pyproject, item["include-group"], seen)
    return found


def make_venv(scratch: Path, spec: dict[str, Any], src: Path, log: Path) -> tuple[Path | None, str]:
    """A virtualenv with the project (editable) and its test dependencies, cached by spec."""
    install = spec.get("install", {})
    venv = scratch / "venvs" / spec["name"]
    stamp = venv / ".bench-installed"
    key = json.dumps([spec["commit"], install, str(src)], sort_keys=True)
    env = {"PIP_CACHE_DIR": str(scratch / "pip-cache")}
    extras = install.get("extras", [])
    target = f"{src}[{','.join(extras)}]" if extras else str(src)
    python = str(venv / "bin" / "python")
    if stamp.exists() and stamp.read_text() == key:
        # The checkout is fresh each run: build again what an editable install generates
        # in it (a _version.py, say), without touching the cached dependencies.
        done = run(
            [python, "-m", "pip", "install", "-q", "--no-deps", "-e", target],
            src,
            INSTALL_TIMEOUT,
            env,
        )
        log.write_text(done.stdout + done.stderr)
        return (venv, "cached") if done.returncode == 0 else (None, f"reinstall failed (see {log})")
    if venv.exists():
        shutil.rmtree(venv)
    done = run([sys.executable, "-m", "venv", str(venv)], scratch, 300)
    if done.returncode != 0:
        return None, f"venv: {done.stderr.strip()[-300:]}"
    pyproject: dict[str, Any] = {}
    if (src / "pyproject.toml").exists():
        pyproject = tomllib.loads((src / "pyproject.toml").read_text())
    requirements: list[str] = list(install.get("packages", []))
    for group in install.get("groups", []):
        requirements += dependency_group(pyproject, group, set())
    cmd = [python, "-m", "pip", "install", "--quiet", "-e", target]
    cmd += requirements
    for file in install.get("requirements", []):
        cmd += ["-r", str(src / file)]
    if not any(r.split("[")[0].split(">")[0].split("=")[0].strip() == "pytest" for r in cmd):
        cmd.append("pytest")  # the bench reads pytest's JUnit XML; unittest needs nothing
    done = run(cmd, src, INSTALL_TIMEOUT, env)
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        return None, f"install failed (see {log})"
    stamp.write_text(key)
    return venv, "installed"


def run_tests(spec: dict[str, Any], venv: Path, src: Path, report: Path) -> TestRun:
    """The repository's test command in ``venv``, counted per test."""
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(venv),
    }
    argv = shlex.split(spec["test_command"])
    if argv[0] == "python":
        argv[0] = str(venv / "bin" / "python")
    pytest = spec.get("runner", "pytest") == "pytest"
    if pytest:
        report.unlink(missing_ok=True)
        argv += [f"--junitxml={report}", "-o", "junit_family=xunit2", "--color=no"]
    else:
        argv.append("-v")
    started = time.perf_counter()
    done = run(argv, src, TEST_TIMEOUT, env)
    outcome = TestRun(seconds=time.perf_counter() - started)
    tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
    if pytest:
        if not report.exists():
            outcome.detail = f"exit {done.returncode}, no JUnit report: {tail[0][:200]}"
            return outcome
        for case in ET.parse(report).getroot().iter("testcase"):
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            kinds = {child.tag for child in case}
            if kinds & {"failure", "error"}:
                outcome.failed.append(name)
            elif "skipped" in kinds:
                outcome.skipped += 1
            else:
                outcome.passed.append(name)
    else:
        for method, where, status in _UNITTEST_LINE.findall(done.stderr + done.stdout):
            name = f"{where}::{method}"
            if status in ("ok", "expected failure"):
                outcome.passed.append(name)
            elif status == "skipped":
                outcome.skipped += 1
            else:
                outcome.failed.append(name)
    outcome.ran = bool(outcome.passed or outcome.failed)
    if not outcome.ran:
        outcome.detail = f"exit {done.returncode}, no test reported: {tail[0][:200]}"
    return outcome


# -- the repository's gates ---------------------------------------------------------------

_GATE_PACKAGE = {"ruff-check": "ruff", "ruff-format": "ruff"}


def tool_venv(scratch: Path, gate: dict[str, Any]) -> tuple[Path | None, str]:
    """A virtualenv with the gate's tool at the version the repository pins (else latest)."""
    package = _GATE_PACKAGE.get(gate["tool"], gate["tool"])
    version = gate.get("version", "")
    plugins = list(gate.get("with", []))
    slug = "-".join([package, version or "latest", *plugins])
    venv = scratch / "tools" / slug
    if (venv / ".bench-installed").exists():
        return venv, (venv / ".bench-installed").read_text()
    run([sys.executable, "-m", "venv", str(venv)], scratch, 300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    env = {"PIP_CACHE_DIR": str(scratch / "pip-cache")}
    wanted = f"{package}=={version}" if version else package
    note = wanted
    if run([*pip, wanted, *plugins], scratch, INSTALL_TIMEOUT, env).returncode != 0:
        if run([*pip, package, *plugins], scratch, INSTALL_TIMEOUT, env).returncode != 0:
            return None, f"{wanted} does not install"
        note = f"{package} (latest: {wanted} does not install)"
    (venv / ".bench-installed").write_text(note)
    return venv, note


def gate_count(gate: dict[str, Any], venv: Path, src: Path, files: list[str]) -> int:
    """How many violations the gate reports on ``files`` (formatters: files to reformat)."""
    bin_dir = venv / "bin"
    tool = gate["tool"]
    if tool == "ruff-check":
        done = run(
            [str(bin_dir / "ruff"), "check", "--no-fix", "--output-format", "json", *files],
            src,
            300,
        )
        return len(json.loads(done.stdout or "[]"))
    if tool == "ruff-format":
        done = run([str(bin_dir / "ruff"), "format", "--check", *files], src, 300)
        return sum(1 for line in done.stdout.splitlines() if line.startswith("Would reformat"))
    if tool == "black":
        done = run([str(bin_dir / "black"), "--check", *files], src, 300)
        return sum(1 for line in done.stderr.splitlines() if line.startswith("would reformat"))
    if tool == "isort":
        done = run([str(bin_dir / "isort"), "--check-only", *files], src, 300)
        return sum(1 for line in done.stderr.splitlines() if line.startswith("ERROR"))
    if tool == "flake8":
        done = run([str(bin_dir / "flake8"), *files], src, 300)
        return len([line for line in done.stdout.splitlines() if line.strip()])
    raise ValueError(f"unknown gate tool {tool!r}")


# -- fixing and checking ------------------------------------------------------------------


def proof_level(exit_code: int) -> str:
    """The proof level ``aomaas fix`` reports by its exit code: 0 proven, 3 checked (tests not
    run), anything else not proven."""
    return {0: "proven", 3: "checked, tests not run"}.get(exit_code, "not proven")


def tests_passed_claimed(proof: list[str]) -> int | None:
    """How many tests aomaas's own ``tests`` check says passed (None: it does not say)."""
    for line in proof:
        if re.match(r"\[\w+\] tests\b", line):
            found = re.search(r"(\d+) passed", line)
            return int(found.group(1)) if found else None
    return None


def try_fix(
    cli: str, src: Path, scratch: Path, item: dict[str, Any], owner: Path | None = None
) -> FixResult:
    """``aomaas fix`` on one opportunity, onto branch ``bench/<fingerprint prefix>``."""
    fix = FixResult(item["fingerprint"], item["rule"], item["location"])
    branch = f"bench/{item['fingerprint'][:12]}"
    env = {"AOMAAS_DATA_DIR": str(scratch / "aomaas-data")}
    started = time.perf_counter()
    command = [cli, "fix", str(src), item["fingerprint"], "--branch", branch]
    done = run([*command, *with_owner_files(owner)], scratch, FIX_TIMEOUT, env)
    fix.seconds = time.perf_counter() - started
    fix.exit_code = done.returncode
    output = done.stdout + done.stderr
    fix.claimed = done.returncode in (0, 3)  # proven, or checked with the tests not run
    fix.level = proof_level(done.returncode)
    fix.proof = [line.strip() for line in output.splitlines() if line.strip().startswith("[")]
    fix.proof_tests_passed = tests_passed_claimed(fix.proof)
    verdicts = [
        line
        for line in output.splitlines()
        if line.startswith(("Proven:", "Checked", "Not proven:"))
    ]
    last = verdicts or output.strip().splitlines()[-1:] or [""]
    fix.message = last[-1][:300]
    log = scratch / "logs" / f"{ctx_name(src)}-fix-{item['fingerprint'][:12]}.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(output)
    fix.log = str(log)
    return fix


def ctx_name(src: Path) -> str:
    """The corpus name of a checkout (its folder name)."""
    return src.name


def check_fix(
    fix: FixResult,
    spec: dict[str, Any],
    ctx: dict[str, Any],
) -> None:
    """The bench's own check of a claimed fix: gates, tests, rescan (fills ``fix``)."""
    src: Path = ctx["src"]
    scratch: Path = ctx["scratch"]
    branch = f"bench/{fix.fingerprint[:12]}"
    base = spec["commit"]
    diff = git(src, "diff", base, branch)
    fix.diff_sha = hashlib.sha256(diff.encode()).hexdigest()[:12]
    diff_file = scratch / "diffs" / f"{spec['name']}-{fix.fingerprint[:12]}.diff"
    diff_file.parent.mkdir(parents=True, exist_ok=True)
    diff_file.write_text(diff + "\n")
    fix.diff_file = str(diff_file)
    fix.changed = git(src, "diff", "--name-only", base, branch).splitlines()
    python_files = [f for f in fix.changed if f.endswith(".py")]
    existing = [f for f in python_files if (src / f).exists()]  # a new file counts 0 before
    before_counts: dict[str, int] = {}
    for gate in spec.get("gates", []):
        venv, _ = ctx["tools"][gate["tool"]]
        if venv is not None and existing:
            before_counts[gate["tool"]] = gate_count(gate, venv, src, existing)
    git(src, "checkout", "--quiet", "--detach", branch)
    try:
        fix.gates_ok = True
        for gate in spec.get("gates", []):
            venv, note = ctx["tools"][gate["tool"]]
            if venv is None:
                fix.gates[gate["tool"]] = f"not run: {note}"
                continue
            if not python_files:
                fix.gates[gate["tool"]] = "no Python file changed"
                continue
            after = gate_count(gate, venv, src, python_files)
            before = before_counts.get(gate["tool"], 0)
            fix.gates[gate["tool"]] = f"before {before}, after {after} ({note})"
            fix.gates_ok = fix.gates_ok and after <= before
        if ctx["venv"] is not None and ctx["before"].ran:
            after_run = run_tests(
                spec, ctx["venv"], src, scratch / "junit" / f"{spec['name']}-after.xml"
            )
            fix.tests_after = after_run.summary()
            fix.broken = sorted(set(ctx["before"].passed) - set(after_run.passed))
            fix.tests_ok = after_run.ran and not fix.broken
        _, rescanned = scan(ctx["cli"], src, scratch, ctx["owner"])
        after_fps = {o["fingerprint"] for o in rescanned["opportunities"]}
        fix.gone = fix.fingerprint not in after_fps
        fix.new = sorted(after_fps - ctx["fingerprints"])
    finally:
        git(src, "checkout", "--quiet", "--detach", base)


# -- one repository -----------------------------------------------------------------------


def bench_repo(spec: dict[str, Any], args: argparse.Namespace, cli: str) -> RepoResult:
    """Scan, label, fix and check one corpus repository."""
    result = RepoResult(spec["name"], spec["repo"], spec["commit"])
    scratch: Path = args.scratch
    mirror = find_mirror(args.mirrors, spec["repo"], spec["commit"])
    if mirror is None:
        result.error = (
            f"no mirror of {spec['repo']} holding {spec['commit'][:12]} under {args.mirrors}"
        )
        return result
    src = scratch / "checkouts" / spec["name"]
    checkout(mirror, src, spec["commit"])
    owner, result.owner_files = owner_files(spec, args.mirrors, scratch)
    result.scan_seconds, document = scan(cli, src, scratch, owner)
    result.left_out = [
        {k: o[k] for k in ("rule", "location", "reason")} for o in document.get("left_out", [])
    ]
    result.total = document["total"]
    result.counts = document["counts"]
    judge_top(result, document, args.labels)
    if args.held_back_sample:
        result.held_back = held_back_findings(spec["name"], src, spec["commit"])
    opportunities = document["opportunities"]
    fixable = [o for o in opportunities[:FIX_WINDOW] if o.get("fixable")]
    result.fixable_top30 = len(fixable)
    if args.no_fix or not fixable:
        return result
    ctx: dict[str, Any] = {
        "src": src,
        "scratch": scratch,
        "cli": cli,
        "owner": owner,
        "venv": None,
        "before": TestRun(detail="not run (--no-tests)"),
        "fingerprints": {o["fingerprint"] for o in opportunities},
        "tools": {g["tool"]: tool_venv(scratch, g) for g in spec.get("gates", [])},
    }
    if not args.no_tests:
        logs = scratch / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        venv, how = make_venv(scratch, spec, src, logs / f"{spec['name']}-install.log")
        ctx["venv"] = venv
        if venv is None:
            ctx["before"] = TestRun(detail=how)
        else:
            ctx["before"] = run_tests(
                spec, venv, src, scratch / "junit" / f"{spec['name']}-before.xml"
            )
    result.tests_before = ctx["before"].summary()
    result.tests_can_run = None if args.no_tests else bool(ctx["before"].passed)
    verdicts = {(v["repo"], v["fingerprint"], v["diff"]): v["verdict"] for v in args.verdicts}
    for item in fixable[: args.max_fixes]:
        fix = try_fix(cli, src, scratch, item, owner)
        if fix.claimed and git(src, "branch", "--list", f"bench/{fix.fingerprint[:12]}"):
            check_fix(fix, spec, ctx)
            fix.verdict = verdicts.get((spec["name"], fix.fingerprint, fix.diff_sha), "")
        result.fixes.append(fix)
        print(f"    fix {fix.fingerprint[:12]} {fix.rule}: {fix.level}; {fix.message}", flush=True)
    return result


# -- printing -----------------------------------------------------------------------------


def percent(part: int, whole: int) -> str:
    """``part/whole (p %)`` or ``n/a`` when there is nothing to count."""
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "n/a (0 counted)"


def print_repo(result: RepoResult) -> None:
    """The per-repository section."""
    print(f"\n== {result.name} ({result.repo} @ {result.commit[:12]})")
    if result.error:
        print(f"   error: {result.error}")
        return
    counts = ", ".join(f"{n} {t}" for t, n in result.counts.items()) or "none"
    print(f"   scan {result.scan_seconds:.1f} s; {result.total} findings: {counts}")
    if result.owner_files:
        print(f"   owner's files: {result.owner_files}")
    for item in result.left_out:
        print(f"     left out {item['rule']} ({item['location']}): {item['reason']}")
    labelled = result.labelled()
    worth = sum(1 for t in labelled if t["label"] == WORTH)
    print(
        f"   top {TOP}: precision {percent(worth, len(labelled))}; "
        f"{len(result.top) - len(labelled)} unlabelled; "
        f"labelled worth-it still reported {result.worth_reported}/{result.worth_labelled}"
    )
    for t in result.top:
        where = f"{t['location']}:{t['line']}" if t["line"] else t["location"]
        print(
            f"     {t['rank']:>2} {t['label'] or '?':8} {t['fingerprint'][:12]} {t['rule']:32} {where}"
        )
    if result.tests_before:
        print(f"   tests at the pinned commit (bench's venv): {result.tests_before}")
    tried = len(result.fixes)
    claimed = [f for f in result.fixes if f.claimed]
    if tried:
        print(
            f"   fixes: {tried} tried of {result.fixable_top30} fixable in top {FIX_WINDOW}; {len(claimed)} claimed"
        )
    for fix in claimed:
        gates = "; ".join(f"{k}: {v}" for k, v in fix.gates.items()) or "no gate configured"
        print(
            f"     {fix.fingerprint[:12]} {fix.rule} [{fix.level}] gates ok={fix.gates_ok} ({gates}); "
            f"tests after: {fix.tests_after or 'not run'} broken={len(fix.broken)}; "
            f"gone={fix.gone} new={len(fix.new)}; verdict={fix.verdict or 'unjudged'} (diff {fix.diff_sha}: {fix.diff_file})"
        )
        for line in fix.proof:
            print(f"         aomaas proof: {line[:160]}")


def print_unlabelled(results: list[RepoResult]) -> None:
    """Top-10 findings without a label, as TOML entries ready to complete."""
    missing = [(r, t) for r in results for t in r.top if not t["label"]]
    if not missing:
        return
    print(
        f"\n# {len(missing)} unlabelled top-{TOP} findings (complete and add to {LABELS_FILE.name}):"
    )
    for result, t in missing:
        print(
            f"[[label]]\nrepo = {toml_string(result.name)}\nfingerprint = {toml_string(t['fingerprint'])}\n"
            f"rule = {toml_string(t['rule'])}\nlocation = {toml_string(t['location'])}\nline = {t['line'] or 0}\n"
            f'label = ""  # "{WORTH}" or "{NOISE}"\nreason = ""  # {t["title"][:80]}\n'
        )


def reached(part: int, whole: int, goal: float) -> bool | None:
    """Whether ``part / whole`` reaches ``goal`` (None when there is nothing to count)."""
    return None if not whole else part / whole >= goal


def totals(results: list[RepoResult], fixing: bool) -> dict[str, Any]:
    """The corpus totals and the goals of issue 11 (current figure, goal, met)."""
    ok = [r for r in results if not r.error]
    labelled = [t for r in ok for t in r.labelled()]
    worth_top = sum(1 for t in labelled if t["label"] == WORTH)
    fixes = [f for r in ok for f in r.fixes]
    claimed = [f for f in fixes if f.claimed]
    can_run = {r.name for r in ok if r.tests_can_run}
    cannot_run = {r.name for r in ok if r.tests_can_run is False}
    owner = {id(f): r.name for r in ok for f in r.fixes}
    false_claims = [
        f
        for f in claimed
        if f.level == "proven" and (owner[id(f)] in cannot_run or not f.proof_tests_passed)
    ]
    runnable_claims = [f for f in claimed if owner[id(f)] in can_run]
    really_ran = [f for f in runnable_claims if f.level == "proven" and f.proof_tests_passed]
    gated = [f for f in claimed if f.gates_ok]
    mergeable = [f for f in claimed if f.verdict == MERGEABLE]
    fixable = sum(r.fixable_top30 for r in ok) if fixing else 0
    fixed = [f for f in really_ran if f.independently_ok]
    findings = Counter[str]()
    for r in ok:
        findings.update(r.counts)
    worth_reported = sum(r.worth_reported for r in ok)
    worth_labelled = sum(r.worth_labelled for r in ok)
    goals = [
        (
            "precision of the top 10",
            percent(worth_top, len(labelled)),
            ">= 80 %",
            reached(worth_top, len(labelled), 0.8),
        ),
        (
            "labelled worth-it findings still reported",
            f"{worth_reported}/{worth_labelled}",
            "must not fall",
            worth_reported == worth_labelled,
        ),
        (
            "proofs saying tests ran, no passing test shown",
            f"{len(false_claims)} of {len(claimed)} claimed",
            "0",
            None if not claimed else not false_claims,
        ),
        (
            "claimed fixes passing the repository's gates",
            percent(len(gated), len(claimed)),
            ">= 95 %",
            reached(len(gated), len(claimed), 0.95),
        ),
        (
            "claimed fixes with tests that really ran (repos whose tests run)",
            percent(len(really_ran), len(runnable_claims)),
            ">= 90 %",
            reached(len(really_ran), len(runnable_claims), 0.9),
        ),
        (
            "claimed fixes judged mergeable",
            percent(len(mergeable), len(claimed))
            + f"; {sum(1 for f in claimed if not f.verdict)} unjudged",
            ">= 60 %",
            reached(len(mergeable), len(claimed), 0.6),
        ),
        (
            "fixable findings of the top 30 fixed and proven (bench-checked)",
            percent(len(fixed), fixable) + f"; {len(fixes)} tried",
            ">= 70 %",
            reached(len(fixed), fixable if fixes else 0, 0.7),
        ),
    ]
    return {
        "repositories": len(results),
        "scanned": len(ok),
        "scan_seconds": round(sum(r.scan_seconds for r in ok), 1),
        "findings": sum(r.total for r in ok),
        "findings_by_type": dict(sorted(findings.items())),
        "top10_labelled": len(labelled),
        "top10_unlabelled": sum(len(r.top) for r in ok) - len(labelled),
        "fixing": fixing,
        "fixes_tried": len(fixes),
        "fixes_claimed": len(claimed),
        "proof_levels": dict(Counter(f.level for f in fixes)),
        "goals": [
            {"goal": name, "now": now, "target": target, "met": met}
            for name, now, target, met in goals
        ],
    }


def print_totals(summary: dict[str, Any], fixing: bool) -> None:
    """Totals and the goals table."""
    print("\n== totals")
    print(
        f"   {summary['scanned']}/{summary['repositories']} repositories scanned in "
        f"{summary['scan_seconds']} s; {summary['findings']} findings: "
        + ", ".join(f"{n} {t}" for t, n in summary["findings_by_type"].items())
    )
    print(
        f"   top {TOP}: {summary['top10_labelled']} labelled, {summary['top10_unlabelled']} unlabelled"
    )
    if fixing:
        levels = ", ".join(f"{n} {k}" for k, n in summary["proof_levels"].items()) or "none"
        print(
            f"   fixes: {summary['fixes_tried']} tried, {summary['fixes_claimed']} claimed ({levels})"
        )
    else:
        print("   fixes: not tried (--no-fix)")
    print("\n== goals (issue 11)")
    for goal in summary["goals"]:
        mark = {True: "met", False: "NOT met", None: "not measured"}[goal["met"]]
        print(f"   {goal['goal']:66} {goal['now']:34} goal {goal['target']:14} {mark}")


def reload(
    path: Path, labels: list[dict[str, Any]], verdicts: list[dict[str, Any]]
) -> tuple[list[RepoResult], bool]:
    """Results saved by an earlier run, re-judged with the current labels and verdicts."""
    saved = json.loads(path.read_text())
    by_verdict = {(v["repo"], v["fingerprint"], v["diff"]): v["verdict"] for v in verdicts}
    results = []
    for data in saved["repositories"]:
        fixes = [FixResult(**fix) for fix in data.pop("fixes")]
        result = RepoResult(**data, fixes=fixes)
        by_fp = label_index(labels, result.name)
        for entry in result.top:
            label = match_label(entry, by_fp)
            entry["label"] = label["label"] if label else ""
        for fix in fixes:
            fix.verdict = by_verdict.get((result.name, fix.fingerprint, fix.diff_sha), "")
        results.append(result)
    return results, saved["totals"].get("fixing", True)


# -- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 unless the arguments or the corpus are wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("mirrors", type=Path, help="folder holding the fetched repositories")
    parser.add_argument("scratch", type=Path, help="scratch folder (checkouts, venvs, diffs)")
    parser.add_argument("--repos", help="comma-separated corpus names (default: all)")
    parser.add_argument("--no-fix", action="store_true", help="scan and label only")
    parser.add_argument(
        "--max-fixes", type=int, default=30, metavar="N", help="fixes per repository"
    )
    parser.add_argument(
        "--no-tests", action="store_true", help="do not run the repositories' tests"
    )
    parser.add_argument("--json", type=Path, help="result file (default SCRATCH/realworld.json)")
    parser.add_argument(
        "--held-back-sample",
        type=int,
        default=0,
        metavar="N",
        help="list what the signal policy holds back, draw a seeded sample of N to label "
        f"and count the worth-it labels of {HELD_BACK_LABELS_FILE.name}",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="run nothing: print SCRATCH/realworld.json (or --json) again with the current "
        "labels and verdicts",
    )
    args = parser.parse_args(argv)
    corpus = load_toml(CORPUS_FILE, "repo")
    if args.repos:
        wanted = set(args.repos.split(","))
        unknown = wanted - {spec["name"] for spec in corpus}
        if unknown:
            parser.error(f"not in the corpus: {', '.join(sorted(unknown))}")
        corpus = [spec for spec in corpus if spec["name"] in wanted]
    args.mirrors = args.mirrors.resolve()
    args.scratch = args.scratch.resolve()
    args.scratch.mkdir(parents=True, exist_ok=True)
    args.labels = load_toml(LABELS_FILE, "label")
    args.verdicts = load_toml(VERDICTS_FILE, "verdict")
    held_back_labels = load_toml(HELD_BACK_LABELS_FILE, "label")
    out = args.json or args.scratch / "realworld.json"
    if args.report:
        saved, fixing = reload(out, args.labels, args.verdicts)
        for result in saved:
            print_repo(result)
        print_unlabelled(saved)
        print_totals(totals(saved, fixing), fixing)
        if args.held_back_sample:
            print_held_back(saved, args.held_back_sample, held_back_labels, args.scratch)
        return 0
    cli = aomaas_cli()
    results: list[RepoResult] = []
    for spec in corpus:
        print(f"-- {spec['name']}", flush=True)
        try:
            result = bench_repo(spec, args, cli)
        except (RuntimeError, OSError, ValueError) as exc:
            result = RepoResult(spec["name"], spec["repo"], spec["commit"], error=str(exc))
        results.append(result)
        print_repo(result)
    print_unlabelled(results)
    summary = totals(results, not args.no_fix)
    print_totals(summary, not args.no_fix)
    if args.held_back_sample:
        print_held_back(results, args.held_back_sample, held_back_labels, args.scratch)
    out.write_text(
        json.dumps({"totals": summary, "repositories": [asdict(r) for r in results]}, indent=2)
    )
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
