"""Every bad input and fault of the index and its stores (issue 18), one test each: nothing kept
silently lost, nothing misleading, no traceback past the library's errors. The catalogue of
these cases and their outcomes is ``tests/bad_inputs.py``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest
import zstandard

from provenance import ConfigError, Document, StoreError, read
from provenance.index import DuplicateIdsError, Index, pack_text, upgrade
from provenance.stores import redact
from provenance.stores.base import DamagedRowError
from tests.test_index import FORMAT_1, synthetic

ROOT = Path(__file__).resolve().parent.parent


def probe(doc: Document) -> Document:
    """A query with ``doc``'s text (a query never answers its own id)."""
    return Document("probe", doc.text)


def small_index(path: Path, n: int = 12) -> list[Document]:
    docs = synthetic(n)
    with Index(str(path)) as ix:
        ix.add(docs)
    return docs


# --- locations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["", "  ", ":memory:", "file::memory:?cache=shared"])
def test_locations_that_keep_nothing_are_refused(location, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="keeps nothing.*give a file path"):
        Index(location)
    assert list(tmp_path.iterdir()) == []


def test_a_0_byte_file_is_refused_not_made_a_new_index(tmp_path):
    empty = tmp_path / "archive.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreError, match=r"an empty file \(0 bytes\), not an index"):
        Index(str(empty))
    assert empty.stat().st_size == 0  # left as it was


def test_an_index_is_created_whole_and_only_where_no_file_is(tmp_path):
    path = tmp_path / "new.db"
    with Index(str(path)) as ix:
        assert len(ix) == 0 and not ix.read_only
    assert path.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db"]  # no temporary left
    with pytest.raises(StoreError, match="no such index; create it"):
        Index(str(tmp_path / "absent.db"), create=False)
    assert not (tmp_path / "absent.db").exists()


def test_a_folder_a_missing_folder_and_a_read_only_file_each_get_their_diagnosis(tmp_path):
    with pytest.raises(StoreError, match="a folder, not an index file"):
        Index(str(tmp_path))
    with pytest.raises(StoreError, match="the folder .*nowhere does not exist; create it"):
        Index(str(tmp_path / "nowhere" / "archive.db"))
    path = tmp_path / "archive.db"
    docs = small_index(path)
    with Index(str(path), read_only=True) as ix:
        assert ix.read_only and ix.query(probe(docs[3]), passages=False)[0].id == docs[3].id
        with pytest.raises(StoreError, match="opened read-only.*writable copy"):
            ix.add(synthetic(1, prefix="new"))
        with pytest.raises(StoreError, match="opened read-only"):
            ix.remove([docs[0].id])
        assert ix.stats()["read_only"] is True


READ_ONLY_QUERY = textwrap.dedent("""
    import json, sys
    from provenance import Document, StoreError
    from provenance.index import Index
    path, text = sys.argv[1], sys.argv[2]
    with Index(path, engine="numpy") as ix:
        found = [m.id for m in ix.query(Document("probe", text), passages=False)]
        try:
            ix.add([Document("new", "some new text to add here")])
            refused = ""
        except StoreError as exc:
            refused = str(exc)
        print(json.dumps({"found": found, "read_only": ix.read_only, "refused": refused,
                          "documents": len(ix)}))
""")


@pytest.mark.slow
def test_a_healthy_index_in_a_read_only_folder_is_queryable(tmp_path):
    """A published archive copy: the file and its folder not writable (WAL needs a write)."""
    folder = tmp_path / "published"
    folder.mkdir()
    path = folder / "archive.db"
    docs = small_index(path)
    script = tmp_path / "query.py"
    script.write_text(READ_ONLY_QUERY)
    args = [sys.executable, str(script), str(path), docs[5].text]
    if os.geteuid() == 0:  # root writes anywhere: make the folder a read-only mount instead
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: cannot make a read-only folder")
        quoted = " ".join(f"'{a}'" for a in args)
        args = ["unshare", "-m", "sh", "-c", f"mount --bind '{folder}' '{folder}' && mount -o "
                f"remount,ro,bind '{folder}' && exec {quoted}"]
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
        if probe.returncode:
            pytest.skip(f"running as root, but unshare cannot make a mount namespace here "
                        f"({probe.stderr.decode().strip()})")
    else:
        path.chmod(0o444)
        folder.chmod(0o555)
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["found"] == [docs[5].id] and answer["read_only"]
    assert answer["documents"] == len(docs)
    assert "opened read-only" in answer["refused"]
    assert sorted(p.name for p in folder.iterdir()) == ["archive.db"]  # nothing written


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "message"), [
    ("threshold", None, "'threshold' is missing"),
    ("threshold", "nan", "'threshold' is 'nan'"),
    ("threshold", "0.5.1", "'threshold' is '0.5.1'"),
    ("threshold", "0", "'threshold' is '0'"),
    ("num_perm", "lots", "'num_perm' is 'lots'"),
    ("seed", "-1", "'seed' is '-1'"),
    ("shingle_size", None, "'shingle_size' is missing"),
])
def test_a_meta_that_lacks_or_garbles_a_setting_names_the_key(tmp_path, key, value, message):
    path = tmp_path / "archive.db"
    small_index(path, 3)
    with sqlite3.connect(path) as db:
        if value is None:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
    with pytest.raises(StoreError, match=message + ".*meta is damaged"):
        Index(str(path))


def test_settings_that_contradict_the_stored_signatures_are_refused(tmp_path):
    path = tmp_path / "archive.db"
    small_index(path, 3)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '64' WHERE key = 'num_perm'")
    with pytest.raises(StoreError, match="num_perm is 64, but the stored signatures hold 128"):
        Index(str(path))


def test_nan_thresholds_are_refused_and_stats_are_always_json(tmp_path):
    with pytest.raises(ConfigError, match="threshold nan"):
        Index(str(tmp_path / "nan.db"), threshold=float("nan"))
    assert not (tmp_path / "nan.db").exists()
    path = tmp_path / "archive.db"
    docs = small_index(path, 3)
    with Index(str(path)) as ix:
        for bad in (float("nan"), -0.1, 1.5, "0.5"):
            with pytest.raises(ConfigError, match="query threshold"):
                ix.query(docs[0], threshold=bad)
        assert ix.query(probe(docs[0]), threshold=0.0, passages=False)  # the bounds are allowed
        json.dumps(ix.stats(), allow_nan=False)


# --- damaged rows ------------------------------------------------------------------------------


def _flip(blob: bytes, at: int) -> bytes:
    b = bytearray(blob)
    b[at] ^= 0x5A
    b[at + 1] ^= 0xA5
    return bytes(b)


def test_stored_texts_are_checksummed_and_a_damaged_row_is_named(tmp_path):
    path = tmp_path / "archive.db"
    docs = small_index(path)
    victim = docs[4]
    with sqlite3.connect(path) as db:
        blob = db.execute("SELECT text FROM docs WHERE id = ?", (victim.id,)).fetchone()[0]
        assert zstandard.get_frame_parameters(blob).has_checksum
        db.execute("UPDATE docs SET text = ? WHERE id = ?", (_flip(blob, len(blob) // 2),
                                                            victim.id))
    with Index(str(path)) as ix:
        with pytest.raises(DamagedRowError, match=f"document '{victim.id}' is damaged "
                                                  r"\(text: .*provenance index check"):
            ix.get(victim.id)
        with pytest.raises(StoreError, match=f"'{victim.id}' is damaged"):
            ix.query(probe(victim))  # a near-duplicate of the damaged row: its text is aligned
        assert ix.get(docs[5].id).text == docs[5].text  # the others read as before


def test_check_lists_every_damaged_row_and_repair_removes_them(tmp_path):
    path = tmp_path / "archive.db"
    docs = small_index(path)
    with sqlite3.connect(path) as db:
        blob = db.execute("SELECT text FROM docs WHERE id = 'd1'").fetchone()[0]
        db.execute("UPDATE docs SET text = ? WHERE id = 'd1'", (_flip(blob, len(blob) // 2),))
        db.execute("UPDATE docs SET meta = '{\"outlet\": ' WHERE id = 'd2'")
        db.execute("UPDATE docs SET signature = substr(signature, 1, 100) WHERE id = 'd3'")
        db.execute("UPDATE docs SET meta = '[1, 2]' WHERE id = 'd6'")
    with Index(str(path)) as ix:
        with pytest.raises(DamagedRowError, match="'d3' is damaged .signature: 100 bytes"):
            ix.query(probe(docs[3]), passages=False)
        report = ix.check()
        assert not report.ok and report.documents == len(docs)
        assert [(p.id, p.part) for p in report.problems] == [
            ("d1", "text"), ("d2", "metadata"), ("d3", "signature"), ("d6", "metadata")]
        json.dumps(report.to_dict(), allow_nan=False)
        assert len(ix) == len(docs)  # a check changes nothing
        fixed = ix.check(repair=True)
        assert fixed.removed == ("d1", "d2", "d3", "d6") and "removed 4" in fixed.notes[0]
        assert ix.check().ok and len(ix) == len(docs) - 4
        assert ix.query(probe(docs[7]), passages=False)[0].id == "d7"


def test_damaged_key_runs_are_found_and_rebuilt_from_the_texts(tmp_path):
    path = tmp_path / "archive.db"
    docs = small_index(path, 30)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE blocks SET keys = substr(keys, 1, 12) WHERE rowid = "
                   "(SELECT min(rowid) FROM blocks)")
    with Index(str(path)) as ix:
        with pytest.raises(StoreError, match="key runs are damaged.*--repair"):
            for d in docs:
                ix.query(probe(d), passages=False)
        report = ix.check()
        assert [p.part for p in report.problems] == ["keys"] and report.problems[0].id is None
        fixed = ix.check(repair=True)
        assert fixed.rebuilt_keys and not fixed.removed
        assert ix.check().ok and len(ix) == 30
        for d in docs:
            assert ix.query(probe(d), passages=False)[0].id == d.id


def test_frames_written_before_checksums_still_read(tmp_path):
    path = tmp_path / "archive.db"
    docs = small_index(path, 3)
    plain = zstandard.ZstdCompressor(level=1).compress(docs[0].text.encode())
    with sqlite3.connect(path) as db:
        db.execute("UPDATE docs SET text = ? WHERE id = ?", (plain, docs[0].id))
    with Index(str(path)) as ix:
        assert ix.get(docs[0].id).text == docs[0].text and ix.check().ok
    assert zstandard.get_frame_parameters(pack_text("x")).has_checksum


# --- upgrade -----------------------------------------------------------------------------------


def _format_1(path: Path, docs: list[Document]) -> None:
    db = sqlite3.connect(path)
    db.executescript(FORMAT_1)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("format", "1"), ("threshold", "0.5"), ("num_perm", "128"), ("seed", "1"),
        ("shingle_size", "5")])
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, '{}', NULL, 0, x'', x'', x'', 'x')", [
        (k + 1, d.id, zlib.compress(d.text.encode())) for k, d in enumerate(docs)])
    db.commit()
    db.close()


def test_upgrade_reads_the_file_named_even_with_uri_characters(tmp_path, seeds_dir):
    docs = read(seeds_dir).documents
    _format_1(tmp_path / "old#1.db", docs)
    _format_1(tmp_path / "old", docs[:1])  # what an unescaped 'file:old#1.db' URI opens
    before = (tmp_path / "old").read_bytes()
    assert upgrade(str(tmp_path / "old#1.db"), str(tmp_path / "new.db")) == len(docs)
    assert (tmp_path / "old").read_bytes() == before
    with Index(str(tmp_path / "new.db")) as ix:
        assert len(ix) == len(docs)


# --- duplicates --------------------------------------------------------------------------------


def test_on_duplicate_error_says_what_earlier_batches_committed(tmp_path):
    docs = synthetic(7)
    with Index(str(tmp_path / "archive.db")) as ix:
        ix.add([docs[5]])
        results = []
        with pytest.raises(DuplicateIdsError) as caught:
            for result in ix.add_all(docs, batch=2, on_duplicate="error"):
                results.append(result)
        assert caught.value.ids == ("d5",) and caught.value.committed == 4
        assert "the 4 documents of earlier batches were added and stay" in str(
            caught.value)
        assert "nothing was added" not in str(caught.value)
        assert len(ix) == 5 and [r.added for r in results] == [("d0", "d1"), ("d2", "d3")]
        with pytest.raises(DuplicateIdsError, match="this add changed nothing; nothing was "
                                                    "added") as first:
            list(ix.add_all([docs[0]], on_duplicate="error"))
        assert first.value.committed == 0 and len(ix) == 5


def test_a_repeated_id_within_one_add_the_last_wins_and_is_reported(tmp_path):
    with Index(str(tmp_path / "archive.db")) as ix:
        ix.add([Document("story", "the stale version of the story, first filed")])
        result = ix.add([Document("story", "the re-issued story, second version"),
                         Document("other", "another story entirely, with its own words"),
                         Document("story", "the re-issued story, final version")])
        assert result.replaced == ("story",) and result.added == ("other",)
        assert result.repeated == ("story",) and not result.skipped
        assert ix.get("story").text == "the re-issued story, final version" and len(ix) == 2


# --- Redis -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("location", "message"), [
    ("redis:localhost:6379", r"looks like a URL \(redis:\).*write ./redis:localhost:6379"),
    ("http://example.org/index", r"looks like a URL \(http:\)"),
    ("redis://localhost/abc", "database 'abc' is not a number"),
    ("redis://localhost:6379/0?db=x", "database 'x' is not a number"),
    ("redis://localhost:99999/0", "not a usable Redis URL"),
    ("redis://localhost:0/0", "port 0 is outside"),
    ("redis:///0", "no host in the Redis URL"),
])
def test_urls_that_are_not_served_are_refused_not_made_files(location, message, tmp_path,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match=message):
        Index(location)
    assert list(tmp_path.iterdir()) == []


def test_the_redis_password_is_never_shown(redis_server):
    import redis

    url = f"{redis_server}/3"
    admin = redis.Redis.from_url(url)
    admin.execute_command("ACL", "SETUSER", "desk", "on", ">s3cret-pw", "~*", "+@all")
    secret = url.replace("redis://", "redis://desk:s3cret-pw@")
    assert redact(secret) == url.replace("redis://", "redis://desk:***@")
    with pytest.raises(StoreError) as wrong:
        Index(secret.replace("s3cret-pw", "s3cret-px"))
    assert "s3cret" not in str(wrong.value)
    admin.flushdb()
    try:
        with Index(secret) as ix:
            ix.add(synthetic(2))
            assert "s3cret" not in json.dumps(ix.stats()) and "s3cret" not in ix.location
        with pytest.raises(StoreError) as down:
            Index(secret.replace(redis_server.rpartition(":")[2], "1"))
        assert "s3cret" not in str(down.value) and "desk:***@" in str(down.value)
    finally:
        admin.flushdb()
        admin.execute_command("ACL", "DELUSER", "desk")


def _own_redis(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL)
    import redis

    for _ in range(100):
        try:
            redis.Redis(port=port, socket_connect_timeout=0.2).ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


@pytest.mark.slow
def test_a_redis_timeout_says_the_add_may_have_been_applied(tmp_path):
    proc, url = _own_redis(tmp_path)
    try:
        with Index(url + "?socket_timeout=0.5") as ix:
            ix.add(synthetic(3, prefix="base"))
            proc.send_signal(signal.SIGSTOP)  # the server stalls: the script waits in its socket
            try:
                with pytest.raises(StoreError, match="did not answer in time.*may have been "
                                                     "applied") as caught:
                    ix.add(synthetic(4, prefix="late"))
                assert "Nothing was changed" not in str(caught.value)
            finally:
                proc.send_signal(signal.SIGCONT)
        with Index(url) as ix:  # the server resumed and ran the script: the message was right
            for _ in range(50):
                if len(ix) == 7:
                    break
                time.sleep(0.05)
            assert len(ix) == 7 and "late3" in ix
    finally:
        proc.kill()
        proc.wait()


def test_redis_check_finds_and_repair_removes_a_damaged_document(redis_server):
    import redis

    url = f"{redis_server}/4"
    r = redis.Redis.from_url(url)
    r.flushdb()
    try:
        with Index(url) as ix:
            docs = synthetic(6)
            ix.add(docs)
            r.hset("provenance:doc:d2", "text", b"\x28\xb5\x2f\xfd garbage")
            r.srem(b"provenance:b:" + r.hget("provenance:doc:d4", "bands")[:8], "d4")
            r.delete("provenance:doc:d5")  # listed, but its hash is gone
            with pytest.raises(DamagedRowError, match="'d2' is damaged"):
                ix.get("d2")
            report = ix.check()
            assert [(p.id, p.part) for p in report.problems] == [
                ("d4", "keys"), ("d5", "keys"), ("d2", "text"), ("d5", "signature")]
            fixed = ix.check(repair=True)
            assert fixed.removed == ("d2", "d5") and fixed.rebuilt_keys
            assert ix.check().ok and len(ix) == 4
            assert ix.query(probe(docs[4]), passages=False)[0].id == "d4"
    finally:
        r.flushdb()


def test_redis_settings_are_checked_like_sqlite_ones(redis_server):
    import redis

    url = f"{redis_server}/5"
    r = redis.Redis.from_url(url)
    r.flushdb()
    try:
        with pytest.raises(StoreError, match="no such index"):
            Index(url, create=False)
        Index(url).close()
        r.hset("provenance:meta", "threshold", "nan")
        with pytest.raises(StoreError, match="'threshold' is 'nan'"):
            Index(url)
    finally:
        r.flushdb()


def test_every_index_case_of_the_catalogue_names_a_test_that_exists():
    import importlib

    from tests.bad_inputs import CATALOGUE

    rows = [row for row in CATALOGUE if row.stage == "index"]
    assert len(rows) >= 25
    for row in rows:
        module, function = row.test.split("::")
        assert hasattr(importlib.import_module(f"tests.{module}"), function), row


def test_the_cli_refuses_what_the_library_refuses(tmp_path, seeds_dir, monkeypatch):
    from click.testing import CliRunner

    from provenance_cli.main import cli

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for location in ("", ":memory:", "redis:localhost:6379"):
        done = runner.invoke(cli, ["index", "add", location, str(seeds_dir), "-q"])
        assert done.exit_code == 1 and "Traceback" not in done.output, done.output
        assert "keeps nothing" in done.stderr or "looks like a URL" in done.stderr
    assert list(tmp_path.iterdir()) == []
    db = str(tmp_path / "archive.db")
    assert runner.invoke(cli, ["index", "add", db, str(seeds_dir), "-q"]).exit_code == 0
    nan = runner.invoke(cli, ["index", "query", db, str(seeds_dir), "--threshold", "nan"])
    assert nan.exit_code == 2 and "outside" in nan.stderr
    stats = runner.invoke(cli, ["index", "stats", db])
    assert json.loads(stats.stdout)["read_only"] is False


def test_the_vectorized_jaccard_equals_the_plain_one():
    import numpy as np
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from provenance.signatures import EMPTY, estimate_jaccard
    from provenance.signatures.minhash import estimate_jaccard_many

    values = st.sampled_from([0, 1, 2, int(EMPTY)])

    @settings(max_examples=200, deadline=None)
    @given(st.lists(values, min_size=4, max_size=4),
           st.lists(st.lists(values, min_size=4, max_size=4), max_size=6))
    def check(sig, others):
        sig = np.array(sig, dtype=np.uint32)
        rows = np.array(others, dtype=np.uint32).reshape(-1, 4)
        many = estimate_jaccard_many(sig, rows)
        assert many.tolist() == [estimate_jaccard(sig, row) for row in rows]

    check()
