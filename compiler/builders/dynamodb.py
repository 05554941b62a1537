"""State tables: `AWS::DynamoDB::Table`.

run-state (one item per batch of each job, and one per arriving file), file-bookmarks (one item
per ingested object version), quality-history (one item per table per run). On demand,
encrypted with the data key, with point-in-time recovery, and retained with the stack: they are
the pipeline's memory. run-state is read by stage through an index (never scanned), and items
that are done with (aborted batches, settled arrivals) carry an expiry time that DynamoDB's TTL
deletes them at, so the table does not grow with every run.
"""

from __future__ import annotations

from troposphere import GetAtt, dynamodb

from pipegen_runtime.state import EXPIRES_AT, STAGE_INDEX

from ..logical_ids import DATA_KEY, table_id
from ..naming import STATE_TABLES
from .common import Stack

KEYS = {
    "run-state": (("run_id", "S"), None),
    "file-bookmarks": (("source", "S"), ("object_id", "S")),
    "quality-history": (("table", "S"), ("run_at", "S")),
}


def build(stack: Stack) -> None:
    for name in STATE_TABLES:
        stack.add(_table(stack, name))


def _table(stack: Stack, name: str) -> dynamodb.Table:
    hash_key, range_key = KEYS[name]
    keys = [dynamodb.KeySchema(AttributeName=hash_key[0], KeyType="HASH")]
    attributes = [
        dynamodb.AttributeDefinition(AttributeName=hash_key[0], AttributeType=hash_key[1])
    ]
    if range_key:
        keys.append(dynamodb.KeySchema(AttributeName=range_key[0], KeyType="RANGE"))
        attributes.append(
            dynamodb.AttributeDefinition(AttributeName=range_key[0], AttributeType=range_key[1])
        )
    table = dynamodb.Table(
        table_id(name),
        TableName=stack.plan.naming.table(name),
        BillingMode="PAY_PER_REQUEST",
        KeySchema=keys,
        AttributeDefinitions=attributes,
        SSESpecification=dynamodb.SSESpecification(
            SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=GetAtt(DATA_KEY, "Arn")
        ),
        PointInTimeRecoverySpecification=dynamodb.PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=True
        ),
        Tags=stack.tags(),
    )
    if name == "run-state":
        _stage_index(table)
    table.DeletionPolicy = table.UpdateReplacePolicy = "Retain"
    return table


def _stage_index(table: dynamodb.Table) -> None:
    """Items by stage (a job's batches, the landing function's arrivals), and their expiry."""
    table.AttributeDefinitions.append(
        dynamodb.AttributeDefinition(AttributeName="stage", AttributeType="S")
    )
    table.GlobalSecondaryIndexes = [
        dynamodb.GlobalSecondaryIndex(
            IndexName=STAGE_INDEX,
            KeySchema=[
                dynamodb.KeySchema(AttributeName="stage", KeyType="HASH"),
                dynamodb.KeySchema(AttributeName="run_id", KeyType="RANGE"),
            ],
            Projection=dynamodb.Projection(ProjectionType="ALL"),
        )
    ]
    table.TimeToLiveSpecification = dynamodb.TimeToLiveSpecification(
        AttributeName=EXPIRES_AT, Enabled=True
    )
