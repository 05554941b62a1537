"""`pipegen new NAME --from FILE`: from a real sample file to a finished `pipegen run`, with no
edit; JSON and JSON lines inference; never overwriting a spec."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers import SAMPLES, run_cli
from pipegen_compiler.commands.new import propose_keys, read_sample


def test_inference_on_planes(tmp_path):
    sample = read_sample(SAMPLES / "planes.csv")
    types = {c.name: c.type for c in sample.columns}
    assert types["tailnum"] == "string" and types["seats"] == "int" and types["year"] == "int"
    assert sample.rows == 3322 and "NA" in sample.null_tokens
    assert propose_keys(sample) == ["tailnum"]


def test_json_lines_and_json_with_messy_names(tmp_path):
    rows = [
        {
            "Order ID": i,
            "Placed At": f"2024-01-{i % 28 + 1:02d}T10:00:00Z",
            "Total $": i * 1.5,
            "Paid": i % 2 == 0,
        }
        for i in range(1, 60)
    ]
    (tmp_path / "o.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "o.json").write_text(json.dumps(rows))
    for name in ("o.jsonl", "o.json"):
        sample = read_sample(tmp_path / name)
        assert {c.name: c.type for c in sample.columns} == {
            "order_id": "int",
            "placed_at": "timestamp",
            "total": "double",
            "paid": "boolean",
        }
        assert propose_keys(sample) == ["order_id"]


def test_new_refuses_to_overwrite_and_writes_a_spec_that_compiles(tmp_path, capsys):
    args = ["new", "planes", "--from", str(SAMPLES / "planes.csv"), "--dir", str(tmp_path)]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    spec = yaml.safe_load((tmp_path / "planes.yaml").read_text())
    assert spec["quality"]["tables"]["planes_clean"][2] == {"unique": ["tailnum"]}
    before = (tmp_path / "planes.yaml").read_bytes()
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "never overwrites" in err
    assert (tmp_path / "planes.yaml").read_bytes() == before


@pytest.mark.spark
@pytest.mark.parametrize(
    ("name", "sample", "rows"),
    [("planes", "planes.csv", 3322), ("weather", "weather_sample.csv", 2902)],
)
def test_a_real_dataset_goes_from_file_to_a_finished_run_with_no_edit(
    tmp_path, capsys, name, sample, rows
):
    code, _, err = run_cli(
        ["new", name, "--from", str(SAMPLES / sample), "--dir", str(tmp_path / "specs")], capsys
    )
    assert code == 0, err
    lake = tmp_path / "lake"
    landing = lake / "raw" / "incoming" / name
    landing.mkdir(parents=True)
    shutil.copy(SAMPLES / sample, landing / sample)
    result = subprocess.run(
        [sys.executable, "-m", "pipegen_compiler", "run", str(tmp_path / "specs" / f"{name}.yaml")]
        + ["--lake", str(lake), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summaries = {p.stem: json.loads(p.read_text()) for p in (lake / "_runs").glob("*/*.json")}
    (source,) = summaries["ingestion"]["sources"]
    assert (source["rows_in"], source["rows_written"], source["rows_quarantined"]) == (
        rows,
        rows,
        0,
    )
    assert summaries["quality"]["checked"] and summaries["quality"]["outcome"] == "pass"
    assert summaries["processing"]["tables"][f"{name}_clean"] == rows
