"""pipegen runtime: the one module every generated job calls, on Glue and locally.

It imports only what AWS Glue 5.1 has: Spark, boto3 and the standard library.
"""

__all__ = ["entrypoint"]
