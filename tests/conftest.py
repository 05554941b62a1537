"""Shared fixtures: golden-file updating, a spec compiler, and a moto server on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from helpers import HYPOTHESIS_PROFILE

# Property tests: every example in CI (`make test`), a few in the edit loop (`make check`). The
# tests take their counts from helpers.examples; a profile sets the rest.
settings.register_profile("full", deadline=None)
settings.register_profile("quick", deadline=None, max_examples=10)
settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden expectations from the current output",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server over HTTP on 127.0.0.1, shared by the AWS tests."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_PROFILE", None)
    from moto.server import ThreadedMotoServer

    from emulator.cloudformation import fix_kms_tags

    # A moto bug, corrected in the fake rather than the template (see the function).
    fix_kms_tags()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """`pipegen run` of the repo's samples in a fresh local lake, once per session: the local
    runs' tests read it, and the AWS home's compares its tables with it."""
    from helpers import lake_with_samples, run_locally

    root = tmp_path_factory.mktemp("clean")
    lake = lake_with_samples(root)
    first = run_locally(lake, root / "out")
    assert first.returncode == 0, first.stdout + first.stderr
    return lake, first


@pytest.fixture(scope="session")
def spark():
    """The one local SparkSession shared by every in-process Spark test."""
    pyspark = pytest.importorskip("pyspark", reason="Spark tests need the 'local' extra")
    from pipegen_runtime.context import SPARK_DEFAULTS

    builder = pyspark.sql.SparkSession.builder.master("local[2]").appName("pipegen-tests")
    for key, value in SPARK_DEFAULTS.items():
        builder = builder.config(key, value)
    session = builder.config("spark.driver.memory", "2g").getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
