"""Render a :class:`ScanReport` as a text table, JSON, or SARIF 2.1.0.

Every format shows each opportunity's kept number (the one ``aomaas fix``
accepts, whatever filters the scan used), and says what was scanned: the
committed HEAD, and which uncommitted changes were left out. JSON lists each
opportunity with the API's fields (:class:`~aomaas.engine.opportunity.OpportunityFields`).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from aomaas import __version__
from aomaas.engine.findings import Finding, Priority
from aomaas.engine.miners.rules import RULES, rule_for
from aomaas.engine.opportunity import OpportunityFields
from aomaas.engine.scan import ScanReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {
    Priority.CRITICAL: "error",
    Priority.HIGH: "error",
    Priority.MEDIUM: "warning",
    Priority.LOW: "note",
}
_TABLE_COLUMNS = ("#", "priority", "type", "effort", "location", "rule", "title")


def counts_by_type(findings: list[Finding]) -> dict[str, int]:
    """How many findings of each type, in type order."""
    counts = Counter(str(f.type) for f in findings)
    return dict(sorted(counts.items()))


def to_table(report: ScanReport) -> str:
    """A plain-text table of the selected findings and a one-line summary."""
    rows = [
        (
            str(report.number(f)),
            str(f.priority),
            str(f.type),
            str(f.effort),
            f"{f.location}:{f.line}" if f.line else f.location,
            f.rule,
            f.title,
        )
        for f in report.selected
    ]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(_TABLE_COLUMNS)]
    widths[-1] = len(_TABLE_COLUMNS[-1])  # the title column is last and never padded
    lines = ["  ".join(c.ljust(w) for c, w in zip(_TABLE_COLUMNS, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    summary = ", ".join(f"{n} {t}" for t, n in counts_by_type(report.findings).items()) or "none"
    shown = f"showing {len(report.selected)} of {len(report.findings)}"
    lines.append(f"\n{len(report.findings)} opportunities ({summary}); {shown}")
    lines.append(f"scanned {report.scanned()}")
    return "\n".join(lines) + "\n"


def to_json(report: ScanReport) -> str:
    """Every selected opportunity in rank order, with the API's fields and its kept number,
    and those the owner's files cover (``left_out``: number, fingerprint, rule, location,
    title and the reason)."""
    document = {
        "repository": str(report.root),
        "commit": report.commit,
        "scanned": report.scanned(),
        "uncommitted_changes": report.uncommitted,
        "types": [str(t) for t in report.types],
        "total": len(report.findings),
        "counts": counts_by_type(report.findings),
        "opportunities": [
            OpportunityFields.of_finding(finding, report.number(finding)).model_dump(mode="json")
            for finding in report.selected
        ],
        "left_out": [
            {"number": report.number(item.finding), **item.to_dict()} for item in report.left_out
        ],
        "stats": report.stats,
    }
    return json.dumps(document, indent=2) + "\n"


def sarif_document(report: ScanReport) -> dict[str, Any]:
    """The SARIF 2.1.0 log for the selected findings (one run, rules and results)."""
    rule_ids = sorted({f.rule for f in report.selected})
    rule_index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    examples = {f.rule: f for f in report.selected}
    rules = [_sarif_rule(rule_id, examples[rule_id]) for rule_id in rule_ids]
    results = [_sarif_result(f, report.number(f), rule_index[f.rule]) for f in report.selected]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aomaas",
                        "informationUri": "https://github.com/aomaas/aomaas",
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": report.root.as_uri() + "/"}},
                "versionControlProvenance": [
                    {"repositoryUri": report.root.as_uri(), "revisionId": report.commit}
                ],
                "columnKind": "unicodeCodePoints",
                "properties": {
                    "scanned": report.scanned(),
                    "uncommittedChanges": report.uncommitted,
                },
                "results": results,
            }
        ],
    }


def to_sarif(report: ScanReport) -> str:
    """:func:`sarif_document` as indented JSON."""
    return json.dumps(sarif_document(report), indent=2) + "\n"


def _sarif_rule(rule_id: str, example: Finding) -> dict[str, Any]:
    code = rule_id.split(":", 1)[1]
    entry = RULES.get(rule_id) if rule_id.startswith("repo:") else rule_for(code)
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": str(example.extra.get("name") or code),
        "shortDescription": {"text": entry.why if entry else example.title},
        "defaultConfiguration": {"level": _LEVELS[example.priority]},
        "properties": {
            "type": str(example.type),
            "priority": str(example.priority),
            "effort_estimate": str(example.effort),
            "tags": [str(example.type)],
        },
    }
    if example.extra.get("url"):
        rule["helpUri"] = example.extra["url"]
    return rule


def _sarif_result(finding: Finding, number: int, index: int) -> dict[str, Any]:
    line = finding.line or 1  # code-scanning tools want a region; a repo-level fix starts at line 1
    region: dict[str, Any] = {"startLine": line, "endLine": max(finding.end_line or line, line)}
    column = finding.extra.get("column")
    if isinstance(column, int) and column >= 1:
        region["startColumn"] = column
    if finding.snippet:
        region["snippet"] = {"text": finding.snippet}
    physical = {
        "artifactLocation": {"uri": finding.location, "uriBaseId": "SRCROOT"},
        "region": region,
    }
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": _LEVELS[finding.priority],
        "message": {"text": f"{finding.title}. {finding.description}"},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"aomaasFingerprint/v1": finding.fingerprint},
        "properties": {
            "number": number,
            "type": str(finding.type),
            "priority": str(finding.priority),
            "effort_estimate": str(finding.effort),
            "fixable": finding.fixable,
        },
    }


#: Each output format of ``aomaas scan --format`` and the function that renders it.
RENDERERS = {"table": to_table, "json": to_json, "sarif": to_sarif}
