"""`pipegen run --home aws`: the deployed stack's pipeline, run from this machine as AWS runs it.

Everything the jobs and the landing function call is the endpoint's: S3 (through S3A, Glue
5.1's connector), DynamoDB, the Glue Data Catalog and workflow API, CloudWatch, SNS,
EventBridge, STS. This machine plays the three services that execute code, each under the
role the stack gives it:

- Lambda: the landing function's code, as deployed (the template's inline code and the
  function's environment), invoked with the event EventBridge would deliver, retried as its
  invoke config says, its failures sent to its on-failure queue (`lambda_host.py`);
- Glue: each job's script and bundle fetched from its `ScriptLocation` and `--extra-py-files`,
  run by spark-submit with the arguments Glue passes, the workflow's triggers followed as
  deployed, retries as the job's MaxRetries, logs shipped to the job's log groups, and the
  job's state change announced on the event bus (`glue_jobs.py`, `workflow.py`);
- EventBridge's routing to the function: which deployed rule matches which event, asked of
  the endpoint with TestEventPattern (`events.py`).

Only what needs Glue's own jars is emulated: GlueContext and Job (`glue_shim.py`); the
argument parsing is the real awsglue package's.
"""
