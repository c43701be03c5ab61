"""Pull-request texts: the diff summary counts what the diff really adds and removes."""

from __future__ import annotations

from aomaas.jobs.texts import diff_summary, proof_summary

DIFF = """\
--- a/pkg/config.py
+++ b/pkg/config.py
@@ -1,2 +1,3 @@
 import yaml
--- a removed line that starts with two dashes
+--- an added line that starts with three dashes
+    return yaml.safe_load(handle)
--- a/README.md
+++ b/README.md
@@ -1 +1,2 @@
 # demo
+More.
"""


def test_diff_summary_counts_lines_per_file() -> None:
    text = diff_summary(DIFF, ["pkg/config.py", "README.md", "absent.py"])
    assert text.splitlines() == [
        "- `pkg/config.py` (+2 -1)",
        "- `README.md` (+1 -0)",
        "- `absent.py` (+0 -0)",
    ]


def test_proof_summary_says_when_tests_did_not_run() -> None:
    report = {
        "checks": [{"name": "tests", "outcome": "skipped", "duration": 0.0, "detail": "x"}],
        "tests_ran": False,
        "tests_detail": "tests not run: no test command",
        "passed": True,
    }
    assert proof_summary(report).startswith("**Checked, tests not run**: no test command\n")
