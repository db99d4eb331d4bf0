from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from provenance_cli.main import cli

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def run():
    def _run(*args, input=None):
        return CliRunner().invoke(cli, [str(a) for a in args], input=input)

    return _run


def test_scan_seeds_table(run, seeds_dir):
    result = run("scan", seeds_dir)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "5 documents" in out
    pairs = out.split("Most similar pairs")[1]
    first_row = pairs.splitlines()[3]
    assert first_row.startswith("000_f9740930b9afea8b  001_3f6639795f3717d1")
    assert "Jaccard matrix" in out


def test_scan_json_parses_and_is_stable(run, seeds_dir):
    one = run("scan", seeds_dir, "--format", "json")
    two = run("scan", seeds_dir, "--format", "json")
    assert one.exit_code == 0
    assert one.stdout == two.stdout
    data = json.loads(one.stdout)
    assert (data["pairs"][0]["a"][:3], data["pairs"][0]["b"][:3]) == ("000", "001")
    assert data["config"]["shingle"] == "word:5"


def test_scan_csv_and_output_file(run, seeds_dir, tmp_path):
    target = tmp_path / "pairs.csv"
    result = run("scan", seeds_dir, "-f", "csv", "-o", target)
    assert result.exit_code == 0
    assert result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert rows[0]["a"].startswith("000") and float(rows[0]["jaccard"]) > 0


def test_scan_options(run, seeds_dir):
    result = run("scan", seeds_dir, "--shingle", "char:6", "--num-perm", "64", "--threshold",
                 "0.9", "--min-score", "0", "-f", "json", "--engine", "numba")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["config"]["shingle"] == "char:6" and data["config"]["num_perm"] == 64
    assert len(data["pairs"]) == 10


def test_matrix_formats(run, seeds_dir):
    table = run("matrix", seeds_dir)
    assert table.exit_code == 0 and "#5 004_692eb58f772b247c" in table.stdout
    data = json.loads(run("matrix", seeds_dir, "-f", "json").stdout)
    assert len(data["values"]) == 5 and data["values"][0][0] == 1.0
    rows = list(csv.reader(io.StringIO(run("matrix", seeds_dir, "-f", "csv",
                                           "--measure", "containment").stdout)))
    assert rows[0][0] == "id" and len(rows) == 6


def test_matrix_over_the_limit_is_a_clear_error(run, seeds_dir):
    result = run("matrix", seeds_dir, "--matrix-limit", "2")
    assert result.exit_code == 1
    assert "more than --matrix-limit 2" in result.output


def test_stdin_jsonl(run):
    lines = "\n".join(json.dumps({"id": i, "text": "The same wire copy about NATO and China "
                                  "runs again in full today."}) for i in ("a", "b"))
    result = run("scan", "-", "-f", "json", input=lines)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["clusters"] == [["a", "b"]]


def test_threshold_out_of_range_is_a_usage_error(run, seeds_dir):
    result = run("scan", seeds_dir, "--threshold", "1.5")
    assert result.exit_code == 2
    assert "1.5" in result.output and "--threshold" in result.output
    assert "Traceback" not in result.output


def test_bad_shingle_is_a_usage_error(run, seeds_dir):
    for bad in ("sentence:3", "word:0", "word:x"):
        result = run("scan", seeds_dir, "--shingle", bad)
        assert result.exit_code == 2
        assert f"shingle '{bad}'" in result.output.strip().splitlines()[-1]


def test_missing_folder_is_a_usage_error(run, tmp_path):
    result = run("scan", tmp_path / "nope")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_empty_folder(run, tmp_path):
    result = run("scan", tmp_path)
    assert result.exit_code == 1
    assert "no readable documents" in result.output


def test_folder_of_only_binary_files(run, tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "b.png").write_bytes(b"\x89PNG\x00")
    result = run("scan", tmp_path)
    assert result.exit_code == 1
    assert "skipped 2 inputs" in result.stderr
    assert "a.txt: binary file" in result.stderr
    assert "no readable documents" in result.stderr and "2 inputs skipped" in result.stderr


def test_skipped_files_are_reported_and_the_rest_scanned(run, seeds_dir, tmp_path):
    for p in seeds_dir.glob("*.txt"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "bad.jsonl").write_text('{"text": "fine line of text"}\n{broken\n')
    (tmp_path / "invalid.txt").write_bytes(b"caf\xe9 au lait \x93quoted\x94 words here")
    result = run("scan", tmp_path, "-f", "json")
    assert result.exit_code == 0
    assert "skipped 1 input:" in result.stderr and "bad.jsonl:2" in result.stderr
    data = json.loads(result.stdout)
    assert len(data["documents"]) == 7
    assert [s["path"].rsplit("/", 1)[-1] for s in data["skipped"]] == ["bad.jsonl:2"]
    legacy = next(d for d in data["documents"] if d["id"] == "invalid")
    assert legacy["encoding"] == "cp1252"
    assert "invalid.txt: cp1252" in result.stderr


def test_quiet_silences_notes(run, tmp_path):
    (tmp_path / "a.txt").write_text("One short article about NATO.")
    (tmp_path / "b.bin").write_bytes(b"\x00")
    result = run("scan", tmp_path, "--quiet")
    assert result.exit_code == 0 and result.stderr == ""


def test_unwritable_output(run, seeds_dir, tmp_path):
    result = run("scan", seeds_dir, "-o", tmp_path / "no" / "such" / "dir.json")
    assert result.exit_code == 1
    assert "cannot write" in result.output


COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(run, name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert len(cli.commands[name].help or "") > 40
    assert re.search(rf"provenance {name}\b", README.read_text()), name


SUBCOMMANDS = sorted((name, sub) for name, group in cli.commands.items()
                     if isinstance(group, click.Group) for sub in group.commands)


@pytest.mark.parametrize(("name", "sub"), SUBCOMMANDS)
def test_every_subcommand_has_help_and_is_in_the_readme(run, name, sub):
    result = run(name, sub, "--help")
    assert result.exit_code == 0
    assert len(cli.commands[name].commands[sub].help or "") > 40
    assert re.search(rf"provenance {name} {sub}\b", README.read_text()), (name, sub)


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0 and "provenance" in result.output


def test_passages_command(run, seeds_dir):
    table = run("passages", seeds_dir)
    assert table.exit_code == 0, table.output
    assert "rewritten" in table.stdout and "Politico reported on March 16" in table.stdout
    data = json.loads(run("passages", seeds_dir, "-f", "json").stdout)
    assert any(p["quote"] == "historic mistake with profound implications" for p in data)
    rows = list(csv.DictReader(io.StringIO(run("passages", seeds_dir, "-f", "csv").stdout)))
    assert len(rows) == len(data) and rows[0]["kind"] in ("verbatim", "near_verbatim",
                                                          "rewritten")


def test_scan_table_has_a_passages_section_and_can_skip_it(run, seeds_dir):
    assert "Repeated passages" in run("scan", seeds_dir).stdout
    result = run("scan", seeds_dir, "--no-passages", "-f", "json")
    assert json.loads(result.stdout)["passages"] == []


def test_compare_side_by_side(run, seeds_dir):
    a, b = sorted(seeds_dir.glob("00[01]_*.txt"))
    result = run("compare", a, b, "--width", "100")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "passages shared by 000_f9740930b9afea8b and 001_3f6639795f3717d1" in out
    assert "quoted: \u201chistoric mistake with profound implications\u201d" in out
    assert "[=1,000 assault" in out and "(shared words marked)" in out  # a rewrite
    assert all(len(line) <= 100 for line in out.splitlines())
    data = json.loads(run("compare", a, b, "-f", "json").stdout)
    assert {(p["a"], p["b"]) for p in data} == {(a.stem, b.stem)}


def test_compare_needs_one_article_per_file(run, seeds_dir, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"text": "One."}\n{"text": "Two."}\n')
    result = run("compare", feed, next(seeds_dir.glob("000_*.txt")))
    assert result.exit_code == 1 and "one article per file" in result.output
    assert run("compare", seeds_dir, feed).exit_code == 2


def test_output_does_not_depend_on_the_process_hash_seed(seeds_dir, tmp_path):
    import os
    import subprocess
    import sys

    for p in seeds_dir.glob("*.txt"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "copy.txt").write_text((seeds_dir / "000_f9740930b9afea8b.txt").read_text()
                                       .replace("Politico", "The outlet"))
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "provenance_cli.main", "scan", str(tmp_path),
                               "-f", "json", "-q"], capture_output=True, text=True, env=env,
                              check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["passages"]
