"""What users run on generated templates before they let them near an account: checkov (from its
own environment, offline) and cfn-lint. Every template the project can generate: the reference
spec in every environment (prod has the VPC), the minimal spec, and a spec with every feature
on (VPC with NAT gateways, alerts, budget)."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from helpers import REPO, cfn_lint_findings, compile_all

CHECKOV = Path(os.environ.get("PIPEGEN_CHECKOV", REPO / ".venv-checkov" / "bin" / "checkov"))
OFFLINE = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "BC_SKIP_MAPPING": "TRUE",
    # Without it a template checkov cannot parse reports "0 passed, 0 failed" and exits 0.
    "CKV_PARSE_ERROR_FAIL": "true",
}


def everything_spec(tmp: Path) -> Path:
    """The reference spec with every option on: VPC in three zones with two NAT gateways."""
    text = (REPO / "specs" / "flights.yaml").read_text()
    old = "  vpc: false   "
    assert old in text
    text = text.replace(old, "  vpc: true    ").replace("  nat_gateways: 0 ", "  nat_gateways: 2 ")
    text = text.replace(
        "network:                               #", "network:\n  availability_zones: 3 #"
    )
    path = tmp / "everything.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("templates")
    found = {}
    specs = {
        "flights": REPO / "specs" / "flights.yaml",
        "minimal": REPO / "tests" / "golden" / "valid" / "minimal" / "spec.yaml",
        "everything": everything_spec(tmp),
    }
    for label, spec in specs.items():
        for env, files in compile_all(spec, spec.name).items():
            found[f"{label}-{env}"] = files["template.json"].decode()
    return found


def test_the_set_covers_vpc_on_and_off_and_nat(templates):
    def count(kind):
        return {
            k: sum(r["Type"] == kind for r in json.loads(t)["Resources"].values())
            for k, t in templates.items()
        }

    vpcs, nats = count("AWS::EC2::VPC"), count("AWS::EC2::NatGateway")
    assert vpcs["flights-dev"] == 0 and vpcs["flights-prod"] == 1
    assert nats["everything-dev"] == 2 and nats["flights-prod"] == 0


def test_cfn_lint_has_no_errors_or_warnings(templates):
    for label, text in templates.items():
        assert cfn_lint_findings(text) == [], label


@pytest.mark.slow
def test_checkov_passes_every_template_with_only_reasoned_skips(templates, tmp_path):
    assert CHECKOV.exists(), f"checkov is not installed at {CHECKOV}: run `make checkov`"
    folder = tmp_path / "scan"
    folder.mkdir()
    for label, text in templates.items():
        (folder / f"{label}.json").write_text(text)
    result = subprocess.run(
        [
            *(str(CHECKOV), "-d", str(folder), "--framework", "cloudformation"),
            *("--skip-download", "--compact", "-o", "json"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
        timeout=600,
    )
    report = json.loads(result.stdout)
    assert report["summary"]["parsing_errors"] == 0
    outcome = {kind: Counter() for kind in ("passed", "failed", "skipped")}
    for kind in outcome:
        for check in report["results"][f"{kind}_checks"]:
            outcome[kind][Path(check["file_path"]).stem] += 1
    for label in templates:
        counts = {kind: outcome[kind][label] for kind in outcome}
        print(f"checkov {label}: {counts}")
        assert counts["passed"] > 50 and counts["failed"] == 0, (label, counts)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    for check in report["results"]["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason) > 40, check["check_id"]
