"""An AWS emulator for the AWS home's tests: moto, made to enforce and provide what it lacks.

moto answers every AWS API the stack and the runtime use, but out of the box it allows every
call unless told to enforce IAM, it creates no Glue resources from CloudFormation, and several
of its gaps would let a broken stack pass. `install()` patches one moto process so that:

- CloudFormation creates what the template declares that moto skips: the Glue database, jobs,
  workflow, triggers and security configuration; bucket policies and versioning; KMS key tags
  in CloudFormation's own format (`cloudformation.py`, `cfn_models.py`).
- IAM is enforced (after the set-up calls `INITIAL_NO_AUTH_ACTION_COUNT` allows) on the
  resource each call names, not only its action: DynamoDB tables and indexes, Glue catalog
  entries and workflows, SNS topics, the event bus, log streams; with the condition keys the
  stack uses (`cloudwatch:namespace`); and a role that trusts only an AWS service can be
  assumed by a caller that says which service it plays, if and only if the role trusts that
  service in this account. Every decision goes to an access log (`iam.py`).
- EventBridge implements TestEventPattern and delivers to SNS targets through their input
  transformers; Glue enforces a workflow's MaxConcurrentRuns (`services.py`).

What stays emulated, and is said so in the README: moto evaluates neither bucket nor key
policies, nor KMS use by S3 and DynamoDB on a role's behalf, nor CopyObject's read of its
source; where it cannot tell which resource a call touches, it checks the action only.
"""

from __future__ import annotations


def install(access_log: str | None = None) -> None:
    """Patch this process's moto (before it serves a request)."""
    from . import cloudformation, iam, services

    cloudformation.install()
    services.install()
    iam.install(access_log)
