"""Ruff rules that became stable in a ruff release (0.1.0 or later), by that release.

A repository that pins ruff (``rev`` of ``ruff-pre-commit`` in ``.pre-commit-config.yaml``,
``ruff==X.Y.Z`` in a requirements file or dependency group) is not checked against rules
its own ruff does not have: the ruff AOMaaS runs is newer, and the selection ``B`` of a
repository pinned at 0.4 does not contain ``B911``. Rules stable before 0.1.0 are assumed
available. Generated from ruff's source (``#[violation_metadata(stable_since = ...)]`` of
each rule in ``crates/ruff_linter/src/rules``, codes from ``codes.rs`` and ``registry.rs``).
"""

from __future__ import annotations

import re
from functools import cache

from aomaas.engine.index import RepoIndex

STABLE_SINCE: dict[str, tuple[str, ...]] = {
    "0.1.15": ("PLE0237",),
    "0.2.0": (
        "B035",
        "LOG001",
        "LOG002",
        "LOG007",
        "LOG009",
        "NPY201",
        "PYI058",
        "Q004",
        "RUF018",
        "RUF019",
        "RUF020",
        "S201",
        "S202",
        "S502",
        "S503",
        "S504",
        "S505",
        "S507",
        "S611",
        "S702",
        "SIM113",
        "SIM911",
        "UP041",
    ),
    "0.5.0": (
        "ASYNC105",
        "ASYNC109",
        "ASYNC110",
        "ASYNC115",
        "ASYNC210",
        "ASYNC220",
        "ASYNC221",
        "ASYNC222",
        "ASYNC230",
        "ASYNC251",
        "FURB105",
        "FURB129",
        "FURB136",
        "FURB161",
        "FURB163",
        "FURB167",
        "FURB168",
        "FURB169",
        "FURB177",
        "FURB181",
        "FURB187",
        "PERF403",
        "PLC2401",
        "PLC2403",
        "PLE0115",
        "PLE0643",
        "PLE0704",
        "PLE1132",
        "PLR1704",
        "PLR1736",
        "PLR2044",
        "PLW0128",
        "PLW0133",
        "PLW0245",
        "PLW0604",
        "PLW1501",
        "PLW2101",
        "RUF024",
        "RUF026",
        "S610",
    ),
    "0.6.0": (
        "PLE0303",
        "PLE0305",
        "PLE0308",
        "PLE0309",
        "PLE1519",
        "PLE1520",
        "PLR1730",
        "PLW0211",
        "PLW0642",
        "PYI057",
        "PYI062",
        "RUF101",
    ),
    "0.7.0": ("TRY203",),
    "0.8.0": (
        "A004",
        "B039",
        "FAST001",
        "FAST002",
        "PLC0206",
        "PYI063",
        "PYI064",
        "PYI066",
        "RUF021",
        "RUF022",
        "RUF023",
        "RUF030",
        "TC001",
        "TC002",
        "TC003",
        "TC004",
        "TC005",
        "TC010",
        "UP043",
    ),
    "0.9.0": (
        "A005",
        "A006",
        "FURB188",
        "PLR1716",
        "RUF032",
        "RUF033",
        "RUF034",
    ),
    "0.10.0": (
        "B911",
        "C420",
        "DTZ901",
        "FAST003",
        "LOG015",
        "PLC1802",
        "PLW1507",
        "PTH208",
        "PTH210",
        "RUF040",
        "RUF041",
        "RUF046",
        "RUF048",
        "RUF051",
        "S704",
        "SIM905",
        "TC006",
        "TC007",
        "UP044",
    ),
    "0.12.0": (
        "FURB122",
        "FURB132",
        "FURB157",
        "FURB162",
        "FURB166",
        "LOG014",
        "PLC0415",
        "PLR1733",
        "PLW0177",
        "PLW1641",
        "PT028",
        "PT030",
        "PT031",
        "RUF028",
        "RUF049",
        "RUF053",
        "RUF057",
        "RUF058",
        "UP045",
        "UP046",
        "UP047",
        "UP049",
    ),
    "0.13.0": (
        "AIR002",
        "AIR301",
        "AIR302",
        "AIR311",
        "AIR312",
        "ASYNC116",
        "FURB116",
        "PTH211",
        "PYI059",
        "PYI061",
        "RUF043",
        "RUF059",
        "UP050",
    ),
    "0.15.0": (
        "ASYNC212",
        "ASYNC240",
        "ASYNC250",
        "B912",
        "FURB110",
        "FURB171",
        "PLC0207",
        "PLW0108",
        "RUF037",
        "RUF060",
        "RUF061",
        "RUF064",
        "RUF102",
        "RUF103",
        "RUF104",
        "UP042",
    ),
    "0.16.0": (
        "AIR303",
        "CPY001",
        "FURB164",
        "FURB192",
        "ISC004",
        "LOG004",
        "PLE0304",
        "PLR0917",
        "PLR1708",
        "RUF036",
        "RUF063",
        "RUF068",
    ),
}
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")
_PIN = re.compile(r"^\s*ruff\s*(?:\[[^\]]*\])?\s*==\s*v?([\d.]+)", re.IGNORECASE)


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``(major, minor, patch)`` of ``v0.4.1`` or ``0.4``, or None."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


@cache
def _since() -> dict[str, tuple[int, int, int]]:
    out = {}
    for version, codes in STABLE_SINCE.items():
        parsed = parse_version(version)
        if parsed is not None:
            out.update(dict.fromkeys(codes, parsed))
    return out


def stable_since(code: str) -> tuple[int, int, int] | None:
    """The ruff release a rule became stable in (None: before 0.1.0, or not in the table)."""
    return _since().get(code)


def pinned_ruff(index: RepoIndex) -> tuple[int, int, int] | None:
    """The ruff version the repository pins (pre-commit first, then requirements), or None."""
    for _path, facts in sorted(index.facts.items()):
        rev = (facts.get("pre_commit") or {}).get("ruff_rev")
        if rev and (version := parse_version(str(rev))):
            return version
    for _path, manifest in sorted(index.manifests.items()):
        for dep in manifest.get("dependencies", []):
            match = _PIN.match(str(dep.get("raw", "")))
            if match and (version := parse_version(match[1])):
                return version
    return None


def newer_than(code: str, pin: tuple[int, int, int] | None) -> bool:
    """Whether ``code`` became stable after the pinned ruff ``pin`` (False without a pin)."""
    since = stable_since(code)
    return pin is not None and since is not None and since > pin
