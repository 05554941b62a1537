"""Physical AWS names (logical IDs are catalogued in logical_ids.py).

Physical names are `<pipeline>-<env>-<role>`; S3 bucket names add the account and region,
which makes them globally unique without asking the user for a suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from pipegen_runtime.messages import NOTICES

ACCOUNT_ID_LENGTH = 12
ZONES = ("raw", "processed", "curated", "scripts", "temp", "logs")
DATA_ZONES = ("raw", "processed", "curated")
JOBS = ("ingestion", "processing", "quality")
STATE_TABLES = ("run-state", "file-bookmarks", "quality-history")
ARTIFACT_PREFIX = "pipegen/"
BUNDLE_NAME = "pipegen_runtime.zip"
STACK_TAG = "pipegen:stack"
# Characters AWS allows in a tag value; anything else in a file name becomes '_'.
_NOT_IN_TAG_VALUE = re.compile(r"[^\w .:/=+\-@]")
# EventBridge rules, by the short name that ends their physical name.
# The spec's `alerts.notices` kinds: the runtime's notices.
NOTICE_KINDS = tuple(NOTICES)


def notice_rule(kind: str) -> str:
    """The EventBridge rule of a notice kind (`run-succeeded` is the landing function's)."""
    return f"notice-{kind.replace('_', '-')}"


RULES = (
    "file-arrived",
    "run-succeeded",
    *(f"{job}-failed" for job in JOBS),
    "quality-result",
)


@dataclass(frozen=True)
class Naming:
    """Physical names for one pipeline in one environment."""

    pipeline: str
    env: str
    region: str

    @property
    def prefix(self) -> str:
        return f"{self.pipeline}-{self.env}"

    def bucket(self, zone: str) -> str:
        """A bucket name as an `Fn::Sub` string; `${AWS::AccountId}` is the only variable."""
        return f"{self.prefix}-{zone}-${{AWS::AccountId}}-{self.region}"

    def bucket_example(self, zone: str) -> str:
        """The bucket name with a 12-digit account ID, for length and rule checks."""
        return self.bucket(zone).replace("${AWS::AccountId}", "1" * ACCOUNT_ID_LENGTH)

    def job(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def role(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def trigger(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @property
    def workflow(self) -> str:
        return f"{self.prefix}-workflow"

    @property
    def security_configuration(self) -> str:
        return f"{self.prefix}-security"

    @property
    def database(self) -> str:
        # Glue and Athena want lower snake case database names.
        return f"{self.pipeline}_{self.env}".replace("-", "_")

    def table(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def kms_alias(self, name: str) -> str:
        return f"alias/{self.prefix}-{name}"

    # Artifacts live under a release folder named by their content hash: a new release never
    # overwrites what a running job reads, and a rollback finds the old one still there.
    @staticmethod
    def release_prefix(release: str) -> str:
        return f"{ARTIFACT_PREFIX}releases/{release}/"

    def script_key(self, kind: str, release: str) -> str:
        return f"{self.release_prefix(release)}jobs/{kind}.py"

    def config_key(self, kind: str, release: str) -> str:
        return f"{self.release_prefix(release)}config/{kind}.json"

    def bundle_key(self, release: str) -> str:
        return f"{self.release_prefix(release)}{BUNDLE_NAME}"

    @property
    def topic(self) -> str:
        return f"{self.prefix}-alerts"

    def notice_topic(self, kind: str) -> str:
        """The topic of one opt-in notice kind: `run_started` -> `<prefix>-run-started`."""
        return f"{self.prefix}-{kind.replace('_', '-')}"

    @property
    def landing_function(self) -> str:
        return f"{self.prefix}-landing"

    @property
    def landing_log_group(self) -> str:
        # Lambda writes to this exact group; creating it first gives it retention and a key.
        return f"/aws/lambda/{self.landing_function}"

    @property
    def glue_log_prefix(self) -> str:
        # Glue 5.x writes a job's logs to `<prefix>/output` and `<prefix>/error` when the job
        # passes --custom-logGroup-prefix; the stack creates both, with retention and a key.
        return f"/aws-glue/jobs/{self.prefix}"

    @property
    def glue_log_groups(self) -> tuple[str, str]:
        return (f"{self.glue_log_prefix}/output", f"{self.glue_log_prefix}/error")

    @property
    def failure_queue(self) -> str:
        return f"{self.prefix}-landing-failures"

    def rule(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def alarm(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @property
    def dashboard(self) -> str:
        return self.prefix

    def connection(self, index: int) -> str:
        return f"{self.prefix}-network-{index + 1}"

    @property
    def flow_log_group(self) -> str:
        return f"/aws/vpc/flow-logs/{self.prefix}"

    def network_physical(self, zones: int) -> list[tuple[str, str]]:
        """Names that exist only with `network.vpc`."""
        names = [("glue_name", self.connection(i)) for i in range(zones)]
        return [*names, ("iam_role", self.role("flow-logs")), ("log_group", self.flow_log_group)]

    def all_physical(self, notices: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """(kind, example name) for every derived physical name, for the AWS-limit checks;
        the notice kinds' names only for the kinds the spec opts into."""
        names = [("s3_bucket", self.bucket_example(z)) for z in ZONES]
        names += [("glue_job", self.job(j)) for j in JOBS]
        names += [("iam_role", self.role(r)) for r in JOBS]
        names += [("glue_workflow", self.workflow), ("glue_name", self.security_configuration)]
        names += [("glue_database", self.database)]
        names += [("dynamodb_table", self.table(t)) for t in STATE_TABLES]
        names += [("kms_alias", self.kms_alias(k)) for k in ("data", "logs")]
        names += [
            ("glue_trigger", self.trigger(t))
            for t in ("start", "after-ingestion", "after-processing")
        ]
        names += [("kms_alias", self.kms_alias("notify")), ("iam_role", self.role("landing"))]
        names += [("sns_topic", self.topic), ("lambda_function", self.landing_function)]
        names += [("sqs_queue", self.failure_queue), ("log_group", self.landing_log_group)]
        names += [("log_group", group) for group in self.glue_log_groups]
        names += [("dashboard", self.dashboard)]
        names += [("event_rule", self.rule(r)) for r in RULES]
        names += [("sns_topic", self.notice_topic(k)) for k in notices]
        names += [("event_rule", self.rule(notice_rule(k))) for k in notices]
        return names


def own_tags(pipeline: str, env: str, spec_file: str) -> list[tuple[str, str]]:
    """The tags pipegen puts on every resource besides the user's (cost allocation, lookup)."""
    return [
        ("pipegen:pipeline", pipeline),
        ("pipegen:environment", env),
        # Pipeline and environment in one value: what the budget and anomaly monitor filter on.
        (STACK_TAG, f"{pipeline}-{env}"),
        # `orders (copy).yaml` is a fine file name but not a tag value.
        ("pipegen:spec", _NOT_IN_TAG_VALUE.sub("_", PurePath(spec_file).name)),
    ]
