"""One local run per lake, and no run on a lake that lost its state (#14): the second run of
two once deleted the first one's batches and published a false FAIL; a lake whose state file
was deleted once ingested every file again, doubling every row. Both now stop before touching
the lake."""

from __future__ import annotations

import json
import os
import socket
import subprocess

import pytest

from helpers import REPO, lake_with_samples, run_cli
from pipegen_compiler.local_home.run_guard import run_lease
from pipegen_compiler.user_problems import UserProblem

SPEC = str(REPO / "specs" / "flights.yaml")


def _files(lake):
    return sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*") if p.is_file())


def _lock(lake, pid: int) -> None:
    lock = lake / "_state" / "run.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(json.dumps({"host": socket.gethostname(), "pid": pid, "since": "earlier"}))


@pytest.fixture
def other_run():
    """A live process standing in for a run that holds the lake."""
    process = subprocess.Popen(["sleep", "120"])
    yield process.pid
    process.kill()
    process.wait()


def test_a_second_run_exits_naming_the_first_and_changes_nothing(tmp_path, capsys, other_run):
    lake = lake_with_samples(tmp_path)
    _lock(lake, other_run)
    before = _files(lake)
    code, _, err = run_cli(["run", SPEC, "--lake", str(lake), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and f"another pipegen run holds {lake} (pid {other_run}" in err, err
    assert _files(lake) == before


def test_a_lake_that_lost_its_state_is_not_ingested_again(tmp_path, capsys):
    lake = lake_with_samples(tmp_path)
    committed = lake / "processed" / "flights" / "year=2013" / "part-0.parquet"
    committed.parent.mkdir(parents=True)
    committed.write_bytes(b"PAR1")
    before = _files(lake)
    code, _, err = run_cli(["run", SPEC, "--lake", str(lake), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "no state file" in err and "double its rows" in err, err
    assert _files(lake) == before


def test_a_lock_whose_holder_is_gone_is_taken_over_and_released(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    _lock(tmp_path, gone.pid)
    said = []
    with run_lease(tmp_path, said.append):
        holder = json.loads((tmp_path / "_state" / "run.lock").read_text())
        assert holder["pid"] == os.getpid()
        with pytest.raises(UserProblem, match="another pipegen run holds"), run_lease(tmp_path):
            pass
    assert said and "is gone" in said[0]
    assert not (tmp_path / "_state" / "run.lock").exists()
