"""Every diagnostic code pipegen reports: its title, its help, and the one module that reports it.

This registry is the single owner of the codes. `Diagnostic` refuses a code that is not here;
the README's table and the SARIF rules of `pipegen lint` are generated from it; and
tests/test_codes.py checks that each code is reported by its module alone and has a golden case.
`python -m pipegen_compiler.codes README.md` rewrites the README's table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    help: str
    module: str  # the compiler module that reports it, relative to compiler/


def _codes(module: str, *entries: tuple[str, str, str]) -> list[Code]:
    return [Code(code, title, help_, module) for code, title, help_ in entries]


_ALL = [
    *_codes(
        "load.py",
        ("PG100", "the spec file cannot be read", "Check the path and the file's permissions."),
        ("PG101", "the spec file is over 1 MiB", "Split the pipeline; a spec is read whole."),
        (
            "PG102",
            "the file is not UTF-8 or holds a character YAML forbids",
            "Save the file as UTF-8 and remove control characters.",
        ),
        ("PG103", "YAML syntax error", "The position is where the parser stopped."),
        ("PG104", "nesting deeper than 64 levels", "Flatten the structure."),
        ("PG105", "the file is empty", "A spec starts with `apiVersion: pipegen/v1`."),
        (
            "PG106",
            "a YAML tag or merge key a spec cannot use",
            "Only plain scalars, lists and mappings; tags such as `!!python/object` are refused.",
        ),
        (
            "PG107",
            "an alias expands too far or contains itself",
            "Use fewer aliases; a spec expands to at most 100,000 nodes.",
        ),
        ("PG108", "a mapping key that is not a plain string", "Quote the key."),
        ("PG109", "a duplicate key", "The message names both lines; keep one."),
    ),
    *_codes(
        "validate.py",
        ("PG201", "an unknown key", "The message lists the keys allowed here."),
        ("PG202", "a required key is missing", "Add the key the message names."),
        ("PG203", "a value outside its closed set", "The message lists the values allowed."),
        ("PG204", "a value of the wrong type", "Numbers are never turned into strings or back."),
        ("PG205", "an invalid name or prefix", "The message gives the pattern expected."),
        ("PG206", "a value out of range or invalid", "The message gives the range."),
        ("PG207", "an unknown step or rule kind", "The message lists the kinds."),
    ),
    *_codes(
        "checks/references.py",
        (
            "PG301",
            "a reference to a source, transform or table that is not defined",
            "Check the name; the message suggests the closest one.",
        ),
    ),
    *_codes(
        "checks/cycles.py",
        ("PG302", "a dependency cycle between transforms", "The message gives the cycle's path."),
    ),
    *_codes(
        "checks/unique_names.py",
        (
            "PG303",
            "a transform named like a source, or a name like a source's raw table",
            "Sources, transforms and each source's `raw_<source>` table share one catalog; "
            "rename one.",
        ),
    ),
    *_codes(
        "checks/unique_names.py",
        (
            "PG305",
            "two names that differ only in underscores",
            "They would share the logical IDs of their stack resources; rename one.",
        ),
    ),
    *_codes(
        "checks/column_flow.py",
        (
            "PG304",
            "a column that does not exist where it is used",
            "Columns are followed through every step wherever a schema is known.",
        ),
    ),
    *_codes(
        "checks/expressions.py",
        (
            "PG306",
            "a SQL expression or query that does not parse as Spark SQL",
            "The message gives the character where parsing stopped.",
        ),
        (
            "PG307",
            "SQL that may not run in a job",
            "One SELECT over `this` and the declared `inputs`; no paths, DDL, DML or commands.",
        ),
    ),
    *_codes(
        "resolve.py",
        (
            "PG401",
            "a key that cannot be overridden per environment",
            "Move the setting out of `environments.<env>.overrides`.",
        ),
    ),
    *_codes(
        "checks/semantics.py",
        (
            "PG402",
            "a read option that does not apply to the format",
            "Remove the option, or change the format.",
        ),
        ("PG403", "`name_pattern` is not a valid regular expression", "Fix the pattern."),
        (
            "PG404",
            "two sources' landing prefixes overlap",
            "An arriving file must belong to exactly one source.",
        ),
        (
            "PG406",
            "a tag key with a reserved prefix",
            "Keys starting `aws:` and `pipegen:` are taken.",
        ),
        (
            "PG407",
            "the quality score's warn and fail levels are out of order",
            "`warn_below` must be at least `fail_below`.",
        ),
        ("PG408", "a rule's min is greater than its max", "Swap them."),
        (
            "PG409",
            "a rule's warn_pct is below its min_pct",
            "A warning must come before a failure.",
        ),
        (
            "PG410",
            "a budget where CloudFormation cannot create one",
            "Set `budget: null` for that environment and create the budget elsewhere.",
        ),
        (
            "PG411",
            "expected job minutes over a job's timeout",
            "Lower `budget.expected.job_minutes` or raise the job's timeout.",
        ),
        ("PG412", "NAT gateways without a VPC", "Set `network.vpc: true`, or no NAT gateways."),
        (
            "PG413",
            "more NAT gateways than availability zones",
            "One NAT gateway per zone is the most that helps.",
        ),
        ("PG414", "a CIDR with host bits set", "Use the network address the message gives."),
        (
            "PG415",
            "a landing prefix with a folder starting with `_` or `.`",
            "Spark hides such folders, and `_rejected/` is the landing check's own.",
        ),
        (
            "PG416",
            "more tags than AWS allows per resource, or tag keys equal but for case",
            "At most 46 user tags (pipegen adds 4); keep one spelling of each key.",
        ),
        (
            "PG417",
            "a `name_pattern` that can backtrack for minutes",
            "Do not repeat a group whose body repeats: `([a-z_]+)`, not `([a-z]+_?)+`.",
        ),
        (
            "PG421",
            "a flex job on a worker type Glue's flex class does not offer",
            "Flex runs G.1X and G.2X only: set `execution_class: standard` or change the type.",
        ),
        (
            "PG422",
            "a VPC without an endpoint the jobs call, and no NAT gateway",
            "Keep the endpoints named, or add `network.nat_gateways`.",
        ),
        (
            "PG423",
            "objects that would move to another storage class on or after they expire",
            "The day a zone's objects move must come before the day they expire.",
        ),
    ),
    *_codes(
        "checks/schedule.py",
        (
            "PG418",
            "a schedule EventBridge and Glue would refuse",
            "The message names the field; `?` goes in exactly one of the two day fields.",
        ),
        ("PG419", "a schedule that never fires", "February 30th and April 31st never come."),
        (
            "PG420",
            "a schedule without a missed-run alarm (warning)",
            "Set `alerts.missed_run_hours`; L, W, # and gaps over 7 days cannot be derived.",
        ),
    ),
    *_codes(
        "checks/aws_limits.py",
        (
            "PG501",
            "a derived AWS name is too long",
            "Shorten the pipeline or environment name; the message gives AWS's limit.",
        ),
        ("PG502", "a bucket name breaks S3's naming rules", "The message names the rule."),
    ),
    *_codes(
        "builders/common.py",
        (
            "PG503",
            "two resources share a logical ID",
            "A pipegen bug if it appears (PG305 checks the spec's names first): please report it.",
        ),
    ),
    *_codes(
        "builders/landing.py",
        (
            "PG504",
            "the landing function's settings are over Lambda's 4 KB of environment",
            "Use fewer sources per pipeline or shorter accept rules.",
        ),
    ),
    *_codes(
        "stack_limits.py",
        (
            "PG505",
            "the stack would hold more than 500 resources",
            "Split the pipeline into two specs; the message counts the resources.",
        ),
        (
            "PG506",
            "the template would be over CloudFormation's 1 MB",
            "Split the pipeline into two specs; the finding points at the biggest area.",
        ),
    ),
    *_codes(
        "budget_check.py",
        (
            "PG601",
            "the cost estimate is over the spec's budget",
            "A warning; an error with `validate --strict`. `pipegen cost` shows each line item.",
        ),
    ),
    *_codes(
        "policy.py",
        (
            "PG701",
            "an Fn::Sub variable names nothing in the template",
            "A pipegen bug if it appears: please report it.",
        ),
        (
            "PG702",
            "an ARN with a wildcard inside it",
            "Resources are exact ARNs or end in a scoped prefix.",
        ),
        (
            "PG703",
            "a bucket name in the built template breaks S3's naming rules",
            "A pipegen bug if it appears (PG502 checks the spec's names first): please report it.",
        ),
        ("PG704", "a Glue job with MaxCapacity and WorkerType together", "Glue refuses both."),
        (
            "PG705",
            "a Glue job allowing more than one concurrent run",
            "The state store needs one run at a time.",
        ),
        ("PG706", "a Glue job timeout outside its bounds", "Set `timeout_minutes` within range."),
        (
            "PG707",
            "a bucket without a rule aborting incomplete multipart uploads",
            "Half-uploaded parts are billed until aborted.",
        ),
        (
            "PG708",
            "an IAM statement allowing every action, a wildcard action or every resource",
            "Roles get exact actions on exact resources.",
        ),
    ),
    *_codes(
        "commands/lint.py",
        (
            "PG801",
            "cfn-lint finding on the generated template",
            "The message carries cfn-lint's own rule ID and text.",
        ),
    ),
]

CODES: dict[str, Code] = {c.code: c for c in _ALL}


def markdown_table() -> str:
    rows = ["| code | what it means | what to do |", "|---|---|---|"]
    rows += [f"| {c.code} | {c.title} | {c.help} |" for c in _ALL]
    return "\n".join(rows) + "\n"


_START, _END = "<!-- codes:start -->\n", "<!-- codes:end -->\n"


def with_table(readme: str) -> str:
    """The README text with the table between its markers regenerated."""
    head, rest = readme.split(_START, 1)
    return head + _START + markdown_table() + _END + rest.split(_END, 1)[1]


if __name__ == "__main__":
    path = Path(sys.argv[1])
    path.write_text(with_table(path.read_text()))
