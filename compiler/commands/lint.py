"""`pipegen lint`: everything a pull request should know about its specs, in one pass.

For each spec: validate every environment, compile it in memory (which runs the policy checks),
run cfn-lint on each template for its region, and the budget check. Findings point at the spec
(`file:line:col`); cfn-lint's, which are about the generated template, point at the spec
setting that made the resource, and name it. Output as text, JSON, SARIF 2.1.0 (code scanning) or
GitHub workflow annotations.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..codes import CODES
from ..diagnostics import Diagnostic, Span
from .common import EXIT_FINDINGS, EXIT_OK, UsageError, pipegen_version, spec_files, spec_findings

CFN_LINT_CODE = "PG801"
INFORMATION_URI = "https://github.com/pipegen/pipegen#diagnostics"


def lint(paths: list[Path], strict: bool) -> list[Diagnostic]:
    findings: list[Diagnostic] = []
    for path in spec_files(paths):
        findings += spec_findings(
            path,
            strict,
            lambda plan, compiled: _cfn_lint(
                compiled.files["template.json"].decode(), plan, strict, compiled.spans
            ),
        )[1]
    return sorted(set(findings))


@dataclass(frozen=True)
class CfnLintMatch:
    rule: str
    message: str
    path: tuple

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message} ({'/'.join(str(p) for p in self.path)})"


@functools.lru_cache(maxsize=64)
def cfn_lint_matches(template: str, region: str) -> tuple[CfnLintMatch, ...]:
    """cfn-lint's errors and warnings on a template, once per template and region in a process:
    linting a folder, or a test suite, meets the same template again (a run takes seconds)."""
    from cfnlint.api import lint as cfn_lint

    return tuple(
        CfnLintMatch(m.rule.id, m.message, tuple(getattr(m, "path", []) or []))
        for m in cfn_lint(template, regions=[region])
        if m.rule.id[0] in "EW"
    )


def _cfn_lint(template: str, plan, strict: bool, spans: dict[str, Span]) -> list[Diagnostic]:
    """cfn-lint's findings, each on the spec line of the setting that made its resource."""
    pipeline = plan.source_map.at(("pipeline",))
    findings = []
    for match in cfn_lint_matches(template, plan.region):
        rule = match.rule
        where = "/".join(str(p) for p in match.path)
        severity = "error" if rule[0] == "E" or strict else "warning"
        path = list(match.path)
        resource = path[1] if len(path) > 1 and path[0] == "Resources" else None
        findings.append(
            Diagnostic(
                spans.get(resource, pipeline),
                CFN_LINT_CODE,
                f"environment '{plan.env}': cfn-lint {rule} on the generated template"
                f"{' at ' + where if where else ''}: {match.message}",
                severity=severity,
            )
        )
    return findings


def as_json(findings: list[Diagnostic]) -> str:
    items = [
        {
            "file": d.span.file,
            "line": d.span.line,
            "column": d.span.col,
            "code": d.code,
            "severity": d.severity,
            "message": d.message,
        }
        for d in findings
    ]
    return json.dumps(items, indent=2, sort_keys=True) + "\n"


def as_sarif(findings: list[Diagnostic], version: str) -> str:
    codes = sorted({d.code for d in findings})
    rules = [_rule(c) for c in codes]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": "error" if d.is_error else "warning",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": Path(d.span.file).as_posix()},
                        "region": {"startLine": d.span.line, "startColumn": d.span.col},
                    }
                }
            ],
        }
        for d in findings
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pipegen",
                        "version": version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True) + "\n"


def as_github(findings: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation on the spec's line per finding."""
    lines = []
    for d in findings:
        kind = "error" if d.is_error else "warning"
        properties = ",".join(
            [
                f"file={_escape_property(d.span.file)}",
                f"line={d.span.line}",
                f"col={d.span.col}",
                f"title={_escape_property('pipegen ' + d.code)}",
            ]
        )
        lines.append(f"::{kind} {properties}::{_escape_data(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _rule(code: str) -> dict:
    entry = CODES[code]
    return {
        "id": code,
        "name": code,
        "shortDescription": {"text": entry.title},
        "fullDescription": {"text": f"{entry.title}. {entry.help}"},
        "help": {"text": entry.help},
        "helpUri": INFORMATION_URI,
    }


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "lint", help="validate, compile and check specs (for pull requests)"
    )
    command.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="default: specs/")
    command.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    command.add_argument("--strict", action="store_true", help="warnings count as errors")
    command.add_argument(
        "--sarif-out",
        type=Path,
        metavar="FILE",
        help="also write SARIF here (e.g. --format github --sarif-out lint.sarif: one run)",
    )
    command.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    from ..diagnostics import render_all

    paths = args.paths or [Path("specs")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    specs = spec_files(paths)
    if not specs:
        raise UsageError(f"no spec files (*.yaml, *.yml) under {', '.join(map(str, paths))}")
    findings = lint(paths, args.strict)
    if args.sarif_out:
        args.sarif_out.write_text(as_sarif(findings, pipegen_version()), encoding="utf-8")
    if args.format == "json":
        sys.stdout.write(as_json(findings))
    elif args.format == "sarif":
        sys.stdout.write(as_sarif(findings, pipegen_version()))
    elif args.format == "github":
        sys.stdout.write(as_github(findings))
    else:
        sys.stdout.write(render_all(findings) if findings else f"{len(specs)} spec(s): ok\n")
    return EXIT_FINDINGS if any(f.is_error for f in findings) else EXIT_OK
