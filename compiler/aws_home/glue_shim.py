"""The driver's entry point when the AWS home runs a Glue job: `spark-submit glue_shim.py
SCRIPT ARGS...` runs SCRIPT with ARGS as its argv, the way Glue runs a job's script.

The awsglue package is the real one (AWSGlueDataplanePython 5.1.0 from PyPI): the job resolves
its arguments with its `getResolvedOptions`. Only the two classes that need Glue's own jars are
stood in for, thinly: GlueContext (a SparkContext and its session) and Job (init and commit are
bookkeeping with job bookmarks off, as every pipegen job has them). The stand-ins record that
they were used, so the run can prove the job went through them.

This file is run by spark-submit, not imported by pipegen: standard library and Spark only.
"""

from __future__ import annotations

import runpy
import sys


class GlueContext:
    """What `awsglue.context.GlueContext` offers the runtime: the Spark session."""

    def __init__(self, spark_context, **options):
        from pyspark.sql import SparkSession

        self._sc = spark_context
        self.spark_session = SparkSession(spark_context)
        self.sparkSession = self.spark_session  # awsglue exposes both spellings
        print("glue-shim: GlueContext stand-in in use", file=sys.stderr)


def _job_class():
    from awsglue.job import Job as RealJob

    class Job(RealJob):
        """`awsglue.job.Job` with init and commit kept in Python (bookmarks are off)."""

        def __init__(self, glue_context):
            self._glue_context = glue_context
            self._initialized = False

        def init(self, job_name, args=None):
            self._initialized = True
            print(f"glue-shim: Job.init({job_name!r})", file=sys.stderr)

        def isInitialized(self):
            return self._initialized

        def commit(self):
            print("glue-shim: Job.commit()", file=sys.stderr)

    return Job


def main() -> None:
    import awsglue.context
    import awsglue.job

    awsglue.context.GlueContext = GlueContext
    awsglue.job.Job = _job_class()
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
