"""``provenance dedup|passages|trace --engine spark``: the same decisions and passages as the
local engine, written under -o DIR (needs the spark extra and Java; see tests/test_spark.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance_cli.main import cli

pytestmark = [pytest.mark.spark, pytest.mark.slow]

try:
    from provenance.spark.session import missing

    WHY = missing()
except ImportError as exc:  # the spark extra is not installed
    WHY = str(exc)
if WHY and os.environ.get("PROVENANCE_REQUIRE_SPARK") != "1":
    pytest.skip(f"Spark engine not available: {WHY}", allow_module_level=True)


def _lines(folder: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(folder.glob("part-*")) for line in
            f.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_dedup_and_passages_on_spark_equal_the_local_engine(seeds_dir, tmp_path):
    feed = tmp_path / "feed.jsonl"
    docs = [{"id": p.stem, "text": p.read_text(encoding="utf-8")}
            for p in sorted(seeds_dir.glob("*.txt"))]
    docs.append({"id": "copy", "text": docs[0]["text"]})  # one near-duplicate
    feed.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    runner = CliRunner()
    local = runner.invoke(cli, ["dedup", str(feed), "-q"])
    assert local.exit_code == 0, local.output
    on_spark = runner.invoke(cli, ["dedup", str(feed), "--engine", "spark", "--master",
                                   "local[2]", "-o", str(tmp_path / "dd"), "-q"])
    assert on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout)["dropped"] == 1
    expected = [json.loads(x) for x in local.stdout.splitlines()]
    assert sorted(_lines(tmp_path / "dd" / "decisions"), key=lambda d: d["id"]) == \
        sorted(expected, key=lambda d: d["id"])
    found = runner.invoke(cli, ["passages", str(feed), "--engine", "spark", "--master",
                                "local[2]", "-o", str(tmp_path / "pp"), "-q"])
    assert found.exit_code == 0, found.output
    local_passages = json.loads(runner.invoke(cli, ["passages", str(feed), "-f", "json",
                                                    "-q"]).stdout)
    key = lambda p: (p["a"], p["b"], p["a_start"], p["b_start"])  # noqa: E731
    spark_passages = _lines(tmp_path / "pp" / "passages")
    assert [key(p) for p in sorted(spark_passages, key=key)] == \
        [key(p) for p in sorted(local_passages, key=key)]


def test_passages_and_trace_on_spark_equal_the_local_commands_with_templates(tmp_path):
    """On a wire corpus whose templates and whole copies change the answer, ``passages`` and
    ``trace --engine spark`` write what the local commands print: the passages value for
    value, and the families and outlet flows."""
    from tests.test_spark import wire_corpus

    feed = tmp_path / "wire.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in wire_corpus()), encoding="utf-8")
    runner = CliRunner()
    local = runner.invoke(cli, ["passages", str(feed), "-f", "json", "-q"])
    assert local.exit_code == 0, local.output
    on_spark = runner.invoke(cli, ["passages", str(feed), "--engine", "spark", "--master",
                                   "local[2]", "-o", str(tmp_path / "pp"), "-q"])
    assert on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout)["templates"] == 2
    assert _lines(tmp_path / "pp" / "passages") == json.loads(local.stdout)
    traced = json.loads(runner.invoke(cli, ["trace", str(feed), "-f", "json", "-q"]).stdout)
    on_spark = runner.invoke(cli, ["trace", str(feed), "--engine", "spark", "--master",
                                   "local[2]", "-o", str(tmp_path / "tt"), "-q"])
    assert on_spark.exit_code == 0, on_spark.output
    assert traced["families"] and _lines(tmp_path / "tt" / "families") == traced["families"]
    assert _lines(tmp_path / "tt" / "outlet_flows") == traced["outlet_flows"]


def test_spark_needs_an_output_folder(seeds_dir):
    result = CliRunner().invoke(cli, ["dedup", str(seeds_dir), "--engine", "spark"])
    assert result.exit_code == 2 and "-o DIR" in result.output
