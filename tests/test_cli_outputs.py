"""The command line's outputs and options under misuse (issue: nothing lost, nothing misleading).

Each test is one reproduction: NaN options, outputs that are inputs, devices, half-written
files, broken pipes, options listed by commands that ignore them.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from provenance_cli.main import cli


@pytest.fixture
def run():
    def _run(*args, input=None):
        return CliRunner().invoke(cli, [str(a) for a in args], input=input)

    return _run


@pytest.mark.parametrize("args", [
    ("scan", "--threshold", "nan"),
    ("scan", "--min-score", "nan"),
    ("scan", "--passage-threshold", "nan"),
    ("dedup", "--threshold", "nan"),
    ("scan", "--threshold", "inf"),
    ("scan", "--seed", "-1"),
])
def test_nan_and_out_of_range_options_are_usage_errors(run, seeds_dir, args):
    result = run(*args[:1], seeds_dir, *args[1:])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_index_thresholds_refuse_nan(run, seeds_dir, tmp_path):
    db = tmp_path / "ix.db"
    assert run("index", "add", db, seeds_dir, "--threshold", "nan").exit_code == 2
    assert not db.exists()
    assert run("index", "add", db, seeds_dir, "-q").exit_code == 0
    result = run("index", "query", db, seeds_dir, "--threshold", "nan")
    assert result.exit_code == 2


def test_dash_output_is_standard_output(run, seeds_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("scan", seeds_dir, "-f", "json", "-o", "-")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["documents"]
    assert not (tmp_path / "-").exists()


def test_an_output_that_is_an_input_is_refused(run, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("One article about a tram line that opened on Monday in the city.")
    before = article.read_bytes()
    result = run("scan", tmp_path, article, "-o", article)
    assert result.exit_code == 2
    assert "is one of the inputs" in result.output
    assert article.read_bytes() == before
    # named only through its folder, the article is an input all the same
    result = run("scan", tmp_path, "-o", article)
    assert result.exit_code == 2 and "is one of the inputs" in result.output
    assert article.read_bytes() == before
    # a new file in the folder overwrites nothing
    assert run("scan", tmp_path, "-o", tmp_path / "out.json", "-q").exit_code == 0


def test_unwritable_output_fails_before_the_work(run, seeds_dir, tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # root may write anywhere: the folder is made unwritable for the check the command makes
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(locked)
                        else real_access(path, mode))
    monkeypatch.setattr("provenance.scan.analyze", lambda *a, **k: pytest.fail("worked"))
    result = run("scan", seeds_dir, "-o", locked / "out.json")
    assert result.exit_code == 1 and "cannot write" in result.output


def test_a_failed_write_keeps_yesterdays_output(run, seeds_dir, tmp_path, monkeypatch):
    target = tmp_path / "scan.json"
    target.write_text("yesterday")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run("scan", seeds_dir, "-f", "json", "-o", target)
    assert result.exit_code == 1 and "No space left" in result.output
    assert target.read_text() == "yesterday"
    assert [p.name for p in tmp_path.iterdir()] == ["scan.json"]  # no temporary file left


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_png_to_a_full_device_is_an_error(run, seeds_dir):
    pytest.importorskip("matplotlib")
    result = run("matrix", seeds_dir, "--png", "/dev/full")
    assert result.exit_code == 1
    assert "wrote" not in result.output


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_output_to_a_full_device_is_an_error(run, seeds_dir):
    result = run("scan", seeds_dir, "-o", "/dev/full")
    assert result.exit_code == 1 and "cannot write /dev/full" in result.output


def test_a_closed_pipe_is_quiet(seeds_dir, tmp_path):
    db = tmp_path / "ix.db"
    subprocess.run([sys.executable, "-m", "provenance_cli.main", "index", "add", str(db),
                    str(seeds_dir), "-q"], check=True)
    script = (f"{sys.executable} -m provenance_cli.main index query {db} {seeds_dir} "
              "--format json | head -c 10 > /dev/null")
    done = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True,
                          text=True, timeout=120)
    assert "Broken pipe" not in done.stderr and "Traceback" not in done.stderr


def test_index_add_quiet_prints_nothing(run, seeds_dir, tmp_path):
    result = run("index", "add", tmp_path / "ix.db", seeds_dir, "--quiet")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""


def test_index_add_and_query_take_include_and_output(run, seeds_dir, tmp_path):
    db = tmp_path / "ix.db"
    result = run("index", "add", db, seeds_dir, "--include", "000_*")
    assert result.exit_code == 0
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["000_f9740930b9afea8b"]
    out = tmp_path / "matches.jsonl"
    result = run("index", "query", db, seeds_dir, "--exclude", "000_*", "-f", "json",
                 "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    assert len(out.read_text().splitlines()) == 4


def test_index_remove_with_invalid_utf8_on_stdin(run, seeds_dir, tmp_path):
    db = tmp_path / "ix.db"
    run("index", "add", db, seeds_dir, "-q")
    result = CliRunner().invoke(cli, ["index", "remove", str(db), "-"],
                                input=b"000_f9740930b9afea8b\n\xff\xfe\n")
    assert result.exit_code == 1
    assert "line 2: not UTF-8" in result.output


def test_on_duplicate_error_counts_earlier_batches(run, seeds_dir, tmp_path):
    db = tmp_path / "ix.db"
    run("index", "add", db, seeds_dir, "--include", "004_*", "-q")
    result = run("index", "add", db, seeds_dir, "--batch", "2", "--on-duplicate", "error")
    assert result.exit_code == 1
    assert "of earlier batches were" in result.output


@pytest.mark.parametrize("command, absent", [
    ("passages", ["--threshold ", "--shingle", "--num-perm", "--matrix-limit", "--seed"]),
    ("matrix", ["--passage-threshold", "--min-score", "--top"]),
])
def test_help_lists_only_options_the_command_uses(run, command, absent):
    text = run(command, "--help").output
    for option in absent:
        assert option not in text, option


def test_bare_shingle_size_is_read_as_words_with_a_note(run, seeds_dir):
    result = run("dedup", seeds_dir, "--shingle", "5")
    assert result.exit_code == 0
    assert "--shingle 5 is read as word:5" in result.stderr
    assert run("dedup", seeds_dir, "--shingle", "word:5").exit_code == 0
    assert run("scan", seeds_dir, "--shingle", "word:3", "-q").exit_code == 0


def test_id_field_dayfirst_and_the_readers_notes(run, tmp_path):
    feed = tmp_path / "feed.jsonl"
    rows = [{"newid": "17", "text": "A tram line opened in the city centre on Monday morning.",
             "published": "05/04/2023"},
            {"newid": "17", "text": "Rain is expected across the north of the country tonight.",
             "published": "05/04/2023"}]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("scan", feed, "--id-field", "newid", "--dayfirst", "-f", "json", "--no-passages")
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)["documents"]
    assert [d["published_utc"][:10] for d in docs] == ["2023-04-05", "2023-04-05"]
    assert sum(bool(d["notes"]) for d in docs) == 1  # the repeated id, renamed and said
    assert "repaired or decided" in result.stderr
    unsure = json.loads(run("scan", feed, "--id-field", "newid", "-f", "json", "-q").stdout)
    assert all(d["date_problem"] for d in unsure["documents"])


def test_index_check_reports_and_repairs(run, seeds_dir, tmp_path):
    import sqlite3

    db = tmp_path / "ix.db"
    run("index", "add", db, seeds_dir, "-q")
    clean = run("index", "check", db)
    assert clean.exit_code == 0 and json.loads(clean.stdout)["ok"] is True
    with sqlite3.connect(db) as con:
        con.execute("UPDATE docs SET meta = '{broken' WHERE id = '002_07e17540711d636a'")
    damaged = run("index", "check", db)
    assert damaged.exit_code == 1 and "--repair" in damaged.output
    repaired = run("index", "check", db, "--repair")
    assert repaired.exit_code == 0
    assert json.loads(repaired.stdout)["removed"] == ["002_07e17540711d636a"]
    assert run("index", "check", db).exit_code == 0


@pytest.mark.slow
def test_the_first_compile_is_announced_and_never_repeated(seeds_dir, tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    command = [sys.executable, "-m", "provenance_cli.main", "index", "add",
               str(tmp_path / "ix.db"), str(seeds_dir)]
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "compiling the kernels once" in first.stderr
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert second.returncode == 0 and "compiling" not in second.stderr


def test_outputs_get_the_usual_file_mode(run, seeds_dir, tmp_path):
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "scan.json"
        assert run("scan", seeds_dir, "-f", "json", "-o", fresh, "-q").exit_code == 0
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.json"
        kept.write_text("old")
        kept.chmod(0o640)
        assert run("scan", seeds_dir, "-f", "json", "-o", kept, "-q").exit_code == 0
        assert kept.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
