"""The repository's own gates: its linters and formatter, and the oldest Python it supports.

Nothing of the repository runs here: the configuration is read as data
(``pyproject.toml``, ``setup.cfg``, ``tox.ini``, ``.flake8``, ``.isort.cfg``,
``ruff.toml``, ``.pre-commit-config.yaml``, requirement files), and the tools
are ours — each at the version the repository pins (the pre-commit ``rev`` or a
``tool==X`` pin), installed once into a cached venv. When a pin cannot be
installed, the service's own ruff stands in (ruff's formatter for black, its
``I`` rules for isort, its ``E``/``F``/``W`` rules for flake8) and every detail
says so.

* :func:`apply_formatters` runs the formatters on the changed files of a fix
  before it is committed: the whole file when it was already formatted at the
  base, otherwise only the hunks that overlap the lines the fix changed.
* :func:`gate_check` runs every tool on the changed files before and after: no
  lint rule may hit a file more often, and a formatter may not find fault with
  a file it accepted before, nor with the changed lines.
* :func:`python_check` runs vermin on the changed files against the oldest
  Python the repository declares (``requires-python``, classifiers, ruff's
  ``target-version``, setup.cfg's ``python_requires``): a fix may not need a
  newer Python than the file needed before.
"""

from __future__ import annotations

import configparser
import contextlib
import difflib
import json
import posixpath
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from aomaas.engine.sandbox import clean_env
from aomaas.engine.workspace import locked, run_git

Outcome = Literal["passed", "failed", "skipped"]
FORMATTERS = ("isort", "black", "ruff-format")  # the order pre-commit configurations use
LINTERS = ("ruff", "flake8")
DISTRIBUTION = {"ruff": "ruff", "ruff-format": "ruff", "black": "black", "isort": "isort"}
DISTRIBUTION["flake8"] = "flake8"
PRE_COMMIT_REPOS = {
    "ruff-pre-commit": "ruff",
    "black": "black",
    "black-pre-commit-mirror": "black",
    "isort": "isort",
    "flake8": "flake8",
}
_PIN = re.compile(r"^\s*[\"']?(ruff|black|isort|flake8)\s*==\s*([0-9][\w.]*)", re.I | re.M)
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)+)$")
_MINOR = re.compile(r"^\s*3\.(\d+)")
TIMEOUT = 120


class GateError(Exception):
    """A tool could not be installed or run; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Tool:
    """A gate the repository configures: ``name`` and the version it pins (if any)."""

    name: str
    pin: str | None
    source: str


@dataclass(slots=True)
class GateSettings:
    """Where pinned tools are cached, and whether pins may be installed from the index."""

    cache_dir: Path | None = None
    install_pinned: bool = True


@dataclass(slots=True)
class Runner:
    """How one gate runs here: the command prefix, and what stands in for what."""

    tool: Tool
    argv: list[str]
    kind: str  # ruff | ruff-format | black | isort | flake8 | ruff-isort | ruff-flake8
    note: str
    extra: list[str] = field(default_factory=list)


# --- reading the configuration -------------------------------------------------------------


def _toml(root: Path, name: str) -> dict[str, Any]:
    path = root / name
    if not path.is_file() or path.is_symlink():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _ini(root: Path, name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    path = root / name
    if path.is_file() and not path.is_symlink():
        with contextlib.suppress(OSError, UnicodeDecodeError, configparser.Error):
            parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def _pre_commit(root: Path) -> dict[str, tuple[str | None, list[str]]]:
    """Tools of ``.pre-commit-config.yaml``: name → (pinned version, hook ids)."""
    path = root / ".pre-commit-config.yaml"
    if not path.is_file() or path.is_symlink():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    found: dict[str, tuple[str | None, list[str]]] = {}
    for repo in (data or {}).get("repos", []) if isinstance(data, dict) else []:
        if not isinstance(repo, dict):
            continue
        tail = str(repo.get("repo", "")).rstrip("/").rsplit("/", 1)[-1].lower()
        name = PRE_COMMIT_REPOS.get(tail.removesuffix(".git"))
        if name is None:
            continue
        match = _VERSION.match(str(repo.get("rev", "")))
        hooks = [str(h.get("id")) for h in repo.get("hooks", []) if isinstance(h, dict)]
        found[name] = (match.group(1) if match else None, hooks)
    return found


def _pins(root: Path) -> dict[str, str]:
    """``tool==X`` pins in pyproject.toml and requirement files at the root."""
    pins: dict[str, str] = {}
    names = ["pyproject.toml", "setup.cfg", "tox.ini"]
    names += sorted(p.name for p in root.glob("requirements*.txt"))
    names += sorted(f"requirements/{p.name}" for p in root.glob("requirements/*.txt"))
    for name in names:
        path = root / name
        if path.is_file() and not path.is_symlink():
            for tool, version in _PIN.findall(path.read_text(encoding="utf-8", errors="replace")):
                pins.setdefault(tool.lower(), version)
    return pins


def detect_tools(root: Path) -> list[Tool]:
    """The linters and formatters the repository at ``root`` configures (read, never run)."""
    project = _toml(root, "pyproject.toml")
    tool_table = project.get("tool", {}) if isinstance(project.get("tool"), dict) else {}
    ruff_table = tool_table.get("ruff")
    ruff_file = next((n for n in ("ruff.toml", ".ruff.toml") if (root / n).is_file()), None)
    ruff_config = _toml(root, ruff_file) if ruff_file else (ruff_table or {})
    setup_cfg, tox_ini = _ini(root, "setup.cfg"), _ini(root, "tox.ini")
    hooks = _pre_commit(root)
    pins = _pins(root)
    found: dict[str, str] = {}
    if ruff_table is not None or ruff_file:
        found["ruff"] = ruff_file or "pyproject.toml [tool.ruff]"
    if isinstance(ruff_config, dict) and "format" in ruff_config:
        found["ruff-format"] = ruff_file or "pyproject.toml [tool.ruff.format]"
    if "black" in tool_table:
        found["black"] = "pyproject.toml [tool.black]"
    if "isort" in tool_table:
        found["isort"] = "pyproject.toml [tool.isort]"
    elif (root / ".isort.cfg").is_file():
        found["isort"] = ".isort.cfg"
    for name, parser in (("setup.cfg", setup_cfg), ("tox.ini", tox_ini)):
        for section in ("isort", "tool:isort"):
            if parser.has_section(section):
                found.setdefault("isort", f"{name} [{section}]")
        if parser.has_section("flake8"):
            found.setdefault("flake8", f"{name} [flake8]")
    if (root / ".flake8").is_file():
        found.setdefault("flake8", ".flake8")
    if "flake8" in tool_table:
        found.setdefault("flake8", "pyproject.toml [tool.flake8]")
    hook_pins: dict[str, str | None] = {}
    for name, (rev, ids) in hooks.items():
        if name == "ruff":
            if {"ruff", "ruff-check"} & set(ids) or not ids:
                found.setdefault("ruff", ".pre-commit-config.yaml")
                hook_pins["ruff"] = rev
            if "ruff-format" in ids:
                found.setdefault("ruff-format", ".pre-commit-config.yaml")
                hook_pins["ruff-format"] = rev
        else:
            found.setdefault(name, ".pre-commit-config.yaml")
            hook_pins[name] = rev
    tools = []
    for name in (*FORMATTERS, *LINTERS):
        if name in found:
            pin = hook_pins.get(name) or pins.get(DISTRIBUTION[name])
            tools.append(Tool(name, pin, found[name]))
    return tools


def _max_line_length(root: Path, tool: str) -> int | None:
    """The line length black or flake8 is configured with (for the ruff stand-in)."""
    if tool == "black":
        value = _toml(root, "pyproject.toml").get("tool", {}).get("black", {}).get("line-length")
        return value if isinstance(value, int) else None
    for name in (".flake8", "setup.cfg", "tox.ini"):
        parser = _ini(root, name)
        if parser.has_option("flake8", "max-line-length"):
            try:
                return int(parser.get("flake8", "max-line-length"))
            except ValueError:
                return None
    return None


# --- the oldest Python ---------------------------------------------------------------------


def oldest_python(root: Path) -> tuple[tuple[int, int], str] | None:
    """The oldest Python 3 the repository declares, and where it says so (None: nowhere)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    declared: list[tuple[tuple[int, int], str]] = []
    project = _toml(root, "pyproject.toml")
    table = project.get("project", {}) if isinstance(project.get("project"), dict) else {}
    specs = [("pyproject.toml requires-python", table.get("requires-python"))]
    setup_cfg = _ini(root, "setup.cfg")
    if setup_cfg.has_option("options", "python_requires"):
        specs.append(("setup.cfg python_requires", setup_cfg.get("options", "python_requires")))
    for where, spec in specs:
        if isinstance(spec, str):
            try:
                allowed = SpecifierSet(spec)
            except InvalidSpecifier:
                continue
            minor = next((m for m in range(0, 20) if allowed.contains(f"3.{m}.99")), None)
            if minor is not None:
                declared.append(((3, minor), f"{where} {spec!r}"))
    classifiers = [str(c) for c in table.get("classifiers", [])]
    if setup_cfg.has_option("metadata", "classifiers"):
        classifiers += setup_cfg.get("metadata", "classifiers").splitlines()
    minors = [
        int(m.group(1))
        for c in classifiers
        if (m := re.search(r"Programming Language :: Python :: 3\.(\d+)\s*$", c.strip()))
    ]
    if minors:
        declared.append(((3, min(minors)), f"classifier 'Python :: 3.{min(minors)}'"))
    ruff_file = next((n for n in ("ruff.toml", ".ruff.toml") if (root / n).is_file()), None)
    ruff = _toml(root, ruff_file) if ruff_file else project.get("tool", {}).get("ruff", {})
    target = ruff.get("target-version") if isinstance(ruff, dict) else None
    if isinstance(target, str) and (m := re.fullmatch(r"py3(\d+)", target)):
        declared.append(((3, int(m.group(1))), f"ruff target-version {target!r}"))
    return min(declared) if declared else None


# --- running the tools ---------------------------------------------------------------------


def _run(argv: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a gate tool with an environment built from nothing (no secret of the service)."""
    try:
        return subprocess.run(
            argv,
            cwd=cwd,
            env=clean_env(None, Path(tempfile.gettempdir())),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GateError(f"{Path(argv[0]).name} could not run: {exc}") from None


def _own_ruff() -> str:
    from aomaas.engine.recipes.ruff_fix import ruff_bin

    return ruff_bin()


def _installed(distribution: str, version: str, cache: Path) -> Path:
    """The ``bin`` directory of a cached venv holding ``distribution==version`` (wheels only).

    ``latest`` (a tool the repository configures without pinning it) is installed
    once and kept.
    """
    venv = cache / "gate-tools" / f"{distribution}-{version}"
    with locked(cache / "gate-tools" / f".{distribution}-{version}.lock"):
        if not (venv / ".complete").exists():
            done = _run([sys.executable, "-m", "venv", "--clear", str(venv)], cache)
            if done.returncode == 0:
                done = _run(
                    [
                        str(venv / "bin" / "python"),
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "--only-binary",
                        ":all:",
                        distribution if version == "latest" else f"{distribution}=={version}",
                    ],
                    cache,
                )
            if done.returncode != 0:
                raise GateError(
                    f"{distribution}=={version} could not be installed: "
                    f"{(done.stderr or done.stdout).strip()[-300:]}"
                )
            (venv / ".complete").write_text("ok\n")
    return venv / "bin"


def loads_repository_code(root: Path, tool: str) -> bool:
    """Whether running ``tool`` here would import code of the repository.

    flake8 imports the modules its ``[flake8:local-plugins]`` section names, from the
    paths that section gives: repository code, which runs only in the sandbox. (ruff,
    black and isort take settings, never code, from their configuration.)
    """
    if tool != "flake8":
        return False
    for name in (".flake8", "setup.cfg", "tox.ini"):
        path = root / name
        if path.is_symlink():  # flake8 follows it; we do not read through links: fail closed
            return True
        if not path.exists():
            continue
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, configparser.Error):
            return True  # unreadable here: flake8 might still read it
        if any(s.strip().lower() == "flake8:local-plugins" for s in parser.sections()):
            return True
    return False


def runner(root: Path, tool: Tool, settings: GateSettings, cache: Path) -> Runner:
    """How ``tool`` runs: its pinned version when that installs, else the service's ruff.

    A tool whose configuration would make it import repository code is not run on the
    host: the service's ruff stands in for it, and the proof says so.
    """
    own = _own_ruff()
    distribution = DISTRIBUTION[tool.name]
    why = ""
    if loads_repository_code(root, tool.name):
        return _stand_in(
            root,
            tool,
            own,
            " (its configuration loads local plugins: repository code, "
            "which runs only in the sandbox)",
        )
    if tool.pin and settings.install_pinned:
        try:
            bin_dir = _installed(distribution, tool.pin, cache)
            exe = "ruff" if distribution == "ruff" else tool.name
            return Runner(tool, [str(bin_dir / exe)], tool.name, f"{tool.name} {tool.pin}")
        except GateError as exc:
            why = f" ({exc})"
    elif tool.pin:
        why = " (installing pinned tools is disabled)"
    if distribution == "ruff":
        where = f"the pinned {tool.pin} could not be used{why}" if tool.pin else "no pin"
        return Runner(tool, [own], tool.name, f"{tool.name} (the service's own ruff; {where})")
    if not tool.pin and settings.install_pinned:
        try:
            latest = _installed(distribution, "latest", cache)
            return Runner(tool, [str(latest / tool.name)], tool.name, f"{tool.name} (latest)")
        except GateError as exc:
            why = f" ({exc})"
    return _stand_in(root, tool, own, f" could not be installed{why}")


def _stand_in(root: Path, tool: Tool, own: str, why: str) -> Runner:
    """The service's own ruff in place of black, isort or flake8, and why it stands in."""
    stand_in = {"black": "ruff-format", "isort": "ruff-isort", "flake8": "ruff-flake8"}
    length = _max_line_length(root, tool.name)
    extra = ["--line-length", str(length)] if length else []
    pinned = f"{tool.name} {tool.pin}" if tool.pin else tool.name
    note = f"{tool.name} (the service's own ruff stands in: {pinned}{why})"
    return Runner(tool, [own], stand_in[tool.name], note, extra)


def lint_codes(run: Runner, root: Path, rel: str) -> Counter[str]:
    """How often each rule (or formatter verdict) hits ``rel`` at ``root``."""
    exe = run.argv
    if run.kind == "ruff":
        base = [*exe, "check", *ruff_config_args(root), "--no-fix", "--exit-zero", "--no-cache"]
        base.append("--force-exclude")
        done = _run([*base, "--output-format", "json", "--", rel], root)
        if done.returncode != 0:  # ruff before 0.1 spelled it --format
            done = _run([*base, "--format", "json", "--", rel], root)
        if done.returncode != 0:
            raise GateError(f"ruff failed on {rel}: {done.stderr.strip()[-300:]}")
        return Counter(str(d.get("code")) for d in json.loads(done.stdout or "[]"))
    if run.kind == "flake8":
        done = _run([*exe, "--exit-zero", "--format=%(code)s", "--", rel], root)
        if done.returncode != 0:
            raise GateError(f"flake8 failed on {rel}: {done.stderr.strip()[-300:]}")
        return Counter(line.strip() for line in done.stdout.splitlines() if line.strip())
    if run.kind == "ruff-flake8":
        argv = [*exe, "check", "--isolated", "--no-fix", "--exit-zero", "--no-cache"]
        argv += ["--select", "E,F,W", *run.extra, "--output-format", "json", "--", rel]
        done = _run(argv, root)
        if done.returncode != 0:
            raise GateError(f"ruff failed on {rel}: {done.stderr.strip()[-300:]}")
        return Counter(str(d.get("code")) for d in json.loads(done.stdout or "[]"))
    text = (root / rel).read_text(encoding="utf-8")
    return Counter(
        {f"{run.tool.name}: not formatted": 1} if format_text(run, root, rel, text) != text else {}
    )


def format_text(run: Runner, root: Path, rel: str, text: str) -> str:
    """``text`` (the content of ``rel``) as the formatter formats it."""
    exe = run.argv
    stdin = ["--stdin-filename", rel, "-"]
    argv = {
        "ruff-format": [*exe, "format", *ruff_config_args(root), *run.extra, *stdin],
        "black": [*exe, "-q", *stdin],
        "isort": [*exe, "--filename", rel, "-"],
        "ruff-isort": [
            *exe,
            "check",
            "--isolated",
            "--select",
            "I",
            "--fix",
            "--exit-zero",
            *stdin,
        ],
    }[run.kind]
    done = _run(argv, root, stdin=text)
    if done.returncode != 0:
        raise GateError(f"{run.note} could not format {rel}: {done.stderr.strip()[-300:]}")
    return done.stdout


def changed_lines(before: str, after: str) -> set[int]:
    """1-based line numbers of ``after`` that differ from ``before`` (deletions mark neighbours)."""
    lines: set[int] = set()
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        lines.update(range(j1 + 1, j2 + 1) if j2 > j1 else {j1, j1 + 1})
    return lines


def keep_hunks(text: str, formatted: str, lines: set[int]) -> str:
    """``text`` with only the formatter's hunks that overlap ``lines`` applied."""
    old, new = text.splitlines(keepends=True), formatted.splitlines(keepends=True)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        span = set(range(i1 + 1, i2 + 1)) if i2 > i1 else {i1, i1 + 1}
        out.extend(new[j1:j2] if tag != "equal" and span & lines else old[i1:i2])
    return "".join(out)


def _formatters(root: Path, settings: GateSettings, cache: Path) -> list[Runner]:
    return [runner(root, t, settings, cache) for t in detect_tools(root) if t.name in FORMATTERS]


def _python_files(root: Path, changed: list[str]) -> list[str]:
    """The changed Python files the tools may read and write: real files inside ``root``."""
    inside = root.resolve()
    return [
        rel
        for rel in changed
        if rel.endswith((".py", ".pyi"))
        and (root / rel).is_file()
        and not (root / rel).is_symlink()
        and (root / rel).resolve().is_relative_to(inside)
    ]


def ruff_config_args(root: Path) -> list[str]:
    """How ruff finds its configuration: the repository's root one when it stays inside the
    tree (``--config``, so nested or parent files are never read), else ``--isolated``.

    A configuration that ``extend``s a path outside the tree, or one reached through a
    symbolic link, would make ruff read (and print, in its errors) a host file.
    """
    for name in ("ruff.toml", ".ruff.toml", "pyproject.toml"):
        path = root / name
        if path.is_symlink():
            return ["--isolated"]
        if not path.is_file():
            continue
        data = _toml(root, name)
        section = data.get("tool", {}).get("ruff") if name == "pyproject.toml" else data
        if not isinstance(section, dict):
            continue
        return ["--isolated"] if _extends_outside(root, name, section) else ["--config", str(path)]
    return ["--isolated"]


def _extends_outside(root: Path, name: str, section: dict[str, Any], depth: int = 0) -> bool:
    """Whether the ``extend`` chain of a ruff configuration leaves the tree or follows a link."""
    extend = section.get("extend")
    if not extend:
        return False
    if not isinstance(extend, str) or depth > 5 or extend.startswith(("/", "~")):
        return True
    target = posixpath.normpath(posixpath.join(posixpath.dirname(name), extend))
    if target == ".." or target.startswith("../") or (root / target).is_symlink():
        return True
    data = _toml(root, target)
    more = data.get("tool", {}).get("ruff") if target.endswith("pyproject.toml") else data
    return isinstance(more, dict) and _extends_outside(root, target, more, depth + 1)


def apply_formatters(
    root: Path, base_commit: str, changed: list[str], settings: GateSettings, cache: Path
) -> list[str]:
    """Format the changed lines of the changed files at ``root`` as the repository does.

    A file the formatter accepted at ``base_commit`` is formatted whole; otherwise
    only the formatter's hunks that overlap the changed lines are kept. Returns what
    was done, one line per tool and file.
    """
    done: list[str] = []
    for run in _formatters(root, settings, cache):
        for rel in _python_files(root, changed):
            text = (root / rel).read_text(encoding="utf-8")
            old = run_git(["show", f"{base_commit}:{rel}"], root, check=False)
            formatted = format_text(run, root, rel, text)
            if formatted == text:
                continue
            if old and format_text(run, root, rel, old) != old:
                formatted = keep_hunks(text, formatted, changed_lines(old, text))
            try:
                compile(formatted, rel, "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                continue
            if formatted != text:
                (root / rel).write_text(formatted, encoding="utf-8")
                done.append(f"{run.note} formatted the changed lines of {rel}")
    return done


def gate_check(
    base: Path, head: Path, changed: list[str], settings: GateSettings, cache: Path
) -> tuple[Outcome, str]:
    """Every configured tool on the changed files before and after: nothing new may appear."""
    tools = detect_tools(head)
    files = _python_files(head, changed)
    if not tools:
        return "skipped", "the repository configures no linter or formatter we run"
    if not files:
        return "skipped", "no Python file changed"
    problems: list[str] = []
    notes: list[str] = []
    broken: list[str] = []
    for tool in tools:
        try:
            run = runner(head, tool, settings, cache)
            found = [v for rel in files for v in _new_violations(run, base, head, rel)]
        except GateError as exc:
            broken.append(str(exc))
            continue
        notes.append(run.note)
        problems += found
    ran = f"ran {'; '.join(notes)}" if notes else "no tool ran"
    if broken:
        ran += f"; not run: {'; '.join(broken)}"
    if problems:
        return "failed", f"{'; '.join(problems[:20])} ({ran})"
    if not notes:
        return "skipped", f"the repository's gates could not run ({ran})"
    return "passed", f"no new violation in {len(files)} changed file(s) ({ran})"


def _new_violations(run: Runner, base: Path, head: Path, rel: str) -> list[str]:
    after = lint_codes(run, head, rel)
    before = lint_codes(run, base, rel) if (base / rel).is_file() else Counter[str]()
    if run.tool.name in FORMATTERS and after and before:
        # Not formatted before either: the changed lines must be.
        old = (base / rel).read_text(encoding="utf-8")
        new = (head / rel).read_text(encoding="utf-8")
        lines = changed_lines(old, new)
        if keep_hunks(new, format_text(run, head, rel, new), lines) != new:
            return [f"{run.note} would reformat the changed lines of {rel}"]
        return []
    return [
        f"{code} in {rel} ({before[code]} → {count})"
        for code, count in sorted(after.items())
        if count > before[code]
    ]


def _vermin(root: Path, rel: str, target: tuple[int, int]) -> set[str]:
    """The features of ``rel`` that vermin says need a newer Python than ``target``."""
    # -I: the repository (the working directory) is not on sys.path: a vermin.py there is not run
    argv = [sys.executable, "-I", "-c", "import sys, vermin; sys.exit(vermin.main())"]
    argv += ["--no-tips", "--violations", "--format", "parsable", "--no-parse-comments"]
    argv += [f"-t={target[0]}.{target[1]}-", "--", rel]
    done = _run(argv, root)
    if done.returncode not in (0, 1):
        raise GateError(f"vermin failed on {rel}: {done.stderr.strip()[-300:]}")
    features = set()
    for line in done.stdout.splitlines():
        parts = line.rsplit(":", 3)
        if len(parts) == 4 and parts[3].strip():
            features.add(f"{parts[3].strip()} needs Python {parts[2]}")
    return features


def python_check(base: Path, head: Path, changed: list[str]) -> tuple[Outcome, str]:
    """No changed file may need a newer Python than the repository's oldest (vermin)."""
    declared = oldest_python(head)
    if declared is None:
        return "skipped", "the repository declares no oldest Python"
    (major, minor), where = declared
    files = _python_files(head, changed)
    if not files:
        return "skipped", "no Python file changed"
    newer: list[str] = []
    try:
        for rel in files:
            old = _vermin(base, rel, (major, minor)) if (base / rel).is_file() else set()
            newer += [f"{rel}: {f}" for f in sorted(_vermin(head, rel, (major, minor)) - old)]
    except GateError as exc:
        return "failed", str(exc)
    if newer:
        return "failed", (
            f"the change needs a newer Python than {major}.{minor} ({where}): " + "; ".join(newer)
        )
    return "passed", f"vermin: the changed files run on Python {major}.{minor} ({where})"
