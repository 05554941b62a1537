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
from pipegen_compiler.load import load_file


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


def _new(tmp_path, capsys, name: str, sample) -> tuple[int, str, str]:
    return run_cli(["new", name, "--from", str(sample), "--dir", str(tmp_path / "specs")], capsys)


def _people(tmp_path, header: str, rows: int = 63):
    sample = tmp_path / "people.csv"
    lines = [header] + [f"name{i},x{i},{i},{i % 12 + 1}/{i % 28 + 1}/2012" for i in range(rows)]
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sample


def test_sample_text_is_data_never_yaml(tmp_path, capsys):
    """A header cell with a line break once wrote `kind: reference` into the spec."""
    sample = _people(tmp_path, 'first_name,"evil\nkind: reference # x",íd,joined')
    code, out, err = _new(tmp_path, capsys, "people", sample)
    assert code == 0, err
    spec = load_file(tmp_path / "specs" / "people.yaml", "people.yaml").data
    source = spec["sources"]["people"]
    assert "kind" not in source
    assert list(source["schema"]) == ["first_name", "evil_kind_reference_x", "id", "joined"]
    assert "lake/people-dev/raw/incoming/people" in out and "s3://people-dev-raw-" in out


def test_a_key_unique_only_by_chance_is_suggested_not_used(tmp_path, capsys):
    code, _, err = _new(tmp_path, capsys, "people", _people(tmp_path, "first_name,nick,age,joined"))
    assert code == 0, err
    text = (tmp_path / "specs" / "people.yaml").read_text()
    spec = load_file(tmp_path / "specs" / "people.yaml", "people.yaml").data
    steps = spec["transforms"]["people_clean"]["steps"]
    assert steps == [{"select": ["first_name", "nick", "age", "joined"]}]
    assert "# - dedupe: {keys: [first_name]}" in text
    assert not any("unique" in rule for rule in spec["quality"]["tables"]["people_clean"])


@pytest.mark.parametrize(
    ("values", "read_format", "granularity"),
    [
        ([f"2012/01/{d:02d}" for d in range(1, 29)], "yyyy/M/d", "day"),
        ([f"{m}/{d}/2012" for m in (1, 2) for d in range(1, 15)], "M/d/yyyy", "day"),
        ([f"13/{m}/2012" for m in range(1, 13)], "d/M/yyyy", "day"),
        ([f"Jan {d} {2000 + d}" for d in range(1, 15)], "MMM d yyyy", "month"),
        ([f"1 Jan {1900 + d * 9}" for d in range(1, 15)], "d MMM yyyy", "year"),
    ],
)
def test_common_date_formats_are_read_and_partitioned_by_span(
    tmp_path, capsys, values, read_format, granularity
):
    sample = tmp_path / "events.csv"
    sample.write_text("event_id,happened\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    code, _, err = _new(tmp_path, capsys, "events", sample)
    assert code == 0, err
    source = load_file(tmp_path / "specs" / "events.yaml", "x").data["sources"]["events"]
    assert source["schema"]["happened"] == "date"
    assert source["read"]["date_format"] == read_format
    assert source["partition_by"] == {"column": "happened", "granularity": granularity}


def test_a_utf16_sample_gets_its_encoding(tmp_path, capsys):
    sample = tmp_path / "u.csv"
    sample.write_text("id,name\n" + "".join(f"{i},n{i}\n" for i in range(20)), encoding="utf-16")
    code, _, err = _new(tmp_path, capsys, "u", sample)
    assert code == 0, err
    source = load_file(tmp_path / "specs" / "u.yaml", "x").data["sources"]["u"]
    assert source["read"]["encoding"] == "utf-16" and list(source["schema"]) == ["id", "name"]


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("binary.csv", bytes(range(256)) * 4, "binary data"),
        ("latin.csv", "id,café\n1,x\n".encode("latin-1"), "not UTF-8"),
        ("deep.json", ("[" + '{"a":' * 5000 + "1" + "}" * 5000 + "]").encode(), "nested too"),
        (
            "wide.csv",
            (",".join(f"c{i}" for i in range(1001)) + "\n" + "1," * 1000 + "1\n").encode(),
            "1,001 columns",
        ),
    ],
)
def test_an_unusable_sample_is_a_clear_error_and_writes_nothing(
    tmp_path, capsys, name, content, said
):
    sample = tmp_path / name
    sample.write_bytes(content)
    code, _, err = _new(tmp_path, capsys, "bad", sample)
    assert code == 2 and said in err and "bug" not in err, err
    assert not (tmp_path / "specs").exists() or not any((tmp_path / "specs").iterdir())
