from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance import Document, read
from provenance.index import FORMAT, Index, IndexError_
from provenance_cli.main import cli
from tests.builders import synthetic_articles


def redis_url(server: str, db: int = 15) -> str:
    """Database ``db`` of the session's private redis-server (``redis_server`` in conftest),
    flushed."""
    import redis

    url = f"{server}/{db}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["sqlite", "redis"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "index.db")
    return redis_url(request.getfixturevalue("redis_server"))


def test_add_query_remove(location, seeds_dir):
    docs = {d.id[:3]: d for d in read(seeds_dir).documents}
    with Index(location) as ix:
        result = ix.add([docs[k] for k in ("001", "002", "003", "004")])
        assert len(result.added) == 4 and len(ix) == 4 and "001_3f6639795f3717d1" in ix
        [match] = ix.query(docs["000"], k=5)
        # 000 and 001 share no near-duplicate text, but 001 rewrites 000's Politico sentence
        assert match.id == "001_3f6639795f3717d1" and match.similarity < 0.1
        texts = " ".join(p.b_text for p in match.passages)
        assert "1,000 assault rifles" in texts and "historic mistake" in texts
        assert all(p.a == "000_f9740930b9afea8b" for p in match.passages)
        assert ix.query(docs["000"], passages=False) == []  # not near-duplicates
        assert ix.query(Document("empty", "... !!")) == []  # no words: no matches
        assert ix.get("002_07e17540711d636a").text == docs["002"].text
        assert ix.remove(["002_07e17540711d636a", "missing"]) == ["002_07e17540711d636a"]
        assert len(ix) == 3 and ix.get("002_07e17540711d636a") is None
    with Index(location) as again:  # persisted
        assert len(again) == 3
        assert [m.id for m in again.query(docs["000"])] == ["001_3f6639795f3717d1"]


def test_near_duplicates_and_duplicate_ids(location):
    docs = synthetic_articles(30)
    with Index(location) as ix:
        ix.add(docs)
        copy = Document("copy", docs[7].text.replace("w", "w", 1) + " One more line here.")
        found = ix.query(copy, passages=False)
        assert found[0].id == "d7" and found[0].similarity > 0.8
        changed = Document("d7", docs[8].text)
        result = ix.add([changed])
        assert result.replaced == ("d7",) and len(ix) == 30
        assert ix.query(copy, passages=False) == []  # the old text is gone
        assert ix.add([docs[1]], on_duplicate="skip").skipped == ("d1",)
        with pytest.raises(IndexError_, match="already indexed"):
            ix.add([Document("new", "fresh text here"), docs[2]], on_duplicate="error")
        assert "new" not in ix  # all or nothing
        twice = ix.add([Document("t", "first version"), Document("t", "second version")])
        assert twice.added == ("t",) and twice.repeated == ("t",) and not twice.skipped
        assert ix.get("t").text == "second version"


def test_documents_read_at_once_equal_one_by_one(location):
    docs = synthetic_articles(620)  # more than one statement's 500 ids
    with Index(location) as ix:
        ix.add(docs)
        ids = [d.id for d in docs][::-1] + ["absent", "d3"]
        read = ix.store.documents(ids)
        assert sorted(read) == sorted(d.id for d in docs)
        assert all(read[id_] == ix.store.document(id_) for id_ in read)
        assert ix.store.documents([]) == {}


def test_a_candidate_removed_during_a_query_is_left_out(location):
    """The texts of the candidates are read after the candidates (at once): a document
    removed between the two reads is no match, and the others are as before."""
    docs = synthetic_articles(30)
    copies = [Document(f"c{i}", d.text + " One more line here.") for i, d in
              enumerate(docs[:3])]
    query = Document("q", " ".join(d.text for d in docs[:3]))
    with Index(location) as ix:
        ix.add(docs + copies)
        before = ix.query(query, k=10, threshold=0.2)
        assert {"d0", "c0"} <= {m.id for m in before}
        candidates = ix.store.candidates

        def then_removed(*args):
            found = candidates(*args)
            ix.store.remove(["c0"])
            return found
        ix.store.candidates = then_removed
        after = ix.query(query, k=10, threshold=0.2)
    assert after == [m for m in before if m.id != "c0"]


def test_not_an_index(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("just some notes, not a database\n" * 100)
    with pytest.raises(IndexError_, match="not a provenance index or damaged"):
        Index(str(text))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(IndexError_, match="not a provenance index"):
        Index(str(other))
    old = tmp_path / "old.db"
    Index(str(old)).close()
    with sqlite3.connect(old) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'format'")
    with pytest.raises(IndexError_, match=f"index format 0, but this provenance reads format "
                                          f"{FORMAT}"):
        Index(str(old))


def test_truncated_index_is_reported_not_crashed(tmp_path):
    path = tmp_path / "index.db"
    with Index(str(path)) as ix:
        ix.add(synthetic_articles(200))
    data = path.read_bytes()
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(IndexError_, match="damaged"):
        with Index(str(cut)) as ix:
            ix.query(synthetic_articles(1, seed=9)[0])
            len(ix)
            ix.stats()
            for d in synthetic_articles(200):
                ix.get(d.id)


ROOT = Path(__file__).resolve().parent.parent

# Scripts run with ``python -c`` from the repository's root, which puts the root on sys.path:
# they import the shared builders as the tests do.
WORKER = """
import sys
from tests.builders import synthetic_articles
from provenance.index import Index
location, seed, prefix, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
docs = synthetic_articles(n, seed=seed, prefix=prefix)
with Index(location) as ix:
    print("adding", flush=True)
    ix.add(docs)
    print("done", flush=True)
"""


def _worker(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, *args], cwd=ROOT,
                            stdout=subprocess.PIPE,
                            text=True)


@pytest.mark.slow
def test_killed_in_the_middle_of_an_add(location, tmp_path):
    with Index(location) as ix:
        ix.add(synthetic_articles(10, prefix="base"))
    proc = _worker(tmp_path, location, "1", "big", "4000")
    assert proc.stdout.readline().strip() == "adding"
    time.sleep(0.4)  # well inside the add (it takes seconds)
    assert proc.poll() is None, "the add finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Index(location) as ix:
        assert len(ix) in (10, 4010)  # all or nothing
        probe = Document("probe", synthetic_articles(10, prefix="base")[3].text)
        assert [m.id for m in ix.query(probe, passages=False)][:1] == ["base3"]
        if location.endswith(".db"):
            assert ix.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_two_processes_adding_at_once(location, tmp_path):
    procs = [_worker(tmp_path, location, str(seed), f"p{seed}-", "300") for seed in (1, 2)]
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.split() == ["adding", "done"]
    with Index(location) as ix:
        assert len(ix) == 600
        probe = Document("probe", synthetic_articles(300, seed=2, prefix="p2-")[5].text)
        assert ix.query(probe, passages=False)[0].id == "p2-5"


READER_WRITER = """
import sys
from tests.builders import synthetic_articles
from provenance.index import Index
location = sys.argv[1]
with Index(location) as ix:
    for k in range(40):  # 40 adds of 50: runs are written and merged all along
        ix.add(synthetic_articles(50, seed=100 + k, prefix=f"w{k}-"))
print("done", flush=True)
"""


@pytest.mark.slow
def test_queries_while_another_process_adds_and_merges(location, tmp_path):
    base = synthetic_articles(20, prefix="base")
    with Index(location) as ix:
        ix.add(base)
    proc = subprocess.Popen([sys.executable, "-c", READER_WRITER, location], cwd=ROOT,
                            stdout=subprocess.PIPE,
                            text=True)
    seen, queries = set(), 0
    with Index(location) as ix:
        while proc.poll() is None or queries < 5:
            probe = base[queries % 20]
            found = ix.query(Document("probe", probe.text), passages=False)
            assert found and found[0].id == probe.id  # every snapshot answers in full
            seen.add(len(ix))
            queries += 1
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip() == "done"
        assert len(ix) == 20 + 40 * 50
        if location.endswith(".db"):
            assert ix.stats()["runs"] < 12
    assert queries >= 5 and len(seen) >= 2  # the queries overlapped the adds


@pytest.mark.slow
def test_redis_down_or_gone():
    with pytest.raises(IndexError_, match="cannot reach Redis at redis://localhost:1/0"):
        Index("redis://localhost:1/0")
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode:
        pytest.skip("redis-server is not installed")
    import socket

    with socket.socket() as s:  # a free port: never a Redis someone else runs
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        for _ in range(50):
            try:
                ix = Index(url)
                break
            except IndexError_:
                time.sleep(0.1)
        ix.add(synthetic_articles(5))
        server.terminate()
        server.wait()
        with pytest.raises(IndexError_, match="cannot reach Redis"):
            ix.query(synthetic_articles(1)[0])
        with pytest.raises(IndexError_, match="Nothing was changed"):  # refused at connect
            ix.add(synthetic_articles(3, seed=4, prefix="late"))
    finally:
        server.kill()


def test_index_cli(tmp_path, seeds_dir):
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    lines = "".join(json.dumps({"id": d.id, "text": d.text}) + "\n"
                    for d in read(seeds_dir).documents[1:])
    added = runner.invoke(cli, ["index", "add", db, "-"], input=lines)
    assert added.exit_code == 0, added.output
    assert [json.loads(x)["status"] for x in added.stdout.splitlines()] == ["added"] * 4
    query = runner.invoke(cli, ["index", "query", db, str(seeds_dir / "000_f9740930b9afea8b.txt"),
                                "--format", "json"])
    assert query.exit_code == 0, query.output
    answer = json.loads(query.stdout)
    assert answer["query"] == "000_f9740930b9afea8b"
    assert answer["matches"][0]["id"] == "001_3f6639795f3717d1"
    assert answer["matches"][0]["passages"]
    stats = json.loads(runner.invoke(cli, ["index", "stats", db]).stdout)
    assert stats["documents"] == 4 and stats["backend"] == "sqlite" and stats["format"] == FORMAT
    removed = runner.invoke(cli, ["index", "remove", db, "-"], input="002_07e17540711d636a\nx\n")
    assert [json.loads(x)["removed"] for x in removed.stdout.splitlines()] == [True, False]
    compact = runner.invoke(cli, ["index", "compact", db])
    assert compact.exit_code == 0 and "-> 1;" in compact.stderr, compact.output
    stats = json.loads(runner.invoke(cli, ["index", "stats", db]).stdout)
    assert stats["documents"] == 3 and stats["runs"] == 1 and not stats["removed_awaiting_merge"]
    again = runner.invoke(cli, ["index", "query", db, str(seeds_dir / "000_f9740930b9afea8b.txt"),
                                "--format", "json"])
    assert json.loads(again.stdout)["matches"][0]["id"] == "001_3f6639795f3717d1"
    missing = runner.invoke(cli, ["index", "query", str(tmp_path / "none.db"), "-"], input="")
    assert missing.exit_code == 1 and "no such index" in missing.stderr
    nothing = runner.invoke(cli, ["index", "add", str(tmp_path / "new.db"), "-"],
                            input="{not json\n")
    assert nothing.exit_code == 1 and "no readable documents" in nothing.stderr
    assert not (tmp_path / "new.db").exists()  # bad input creates no index
    garbage = tmp_path / "garbage.db"
    garbage.write_text("hello")
    bad = runner.invoke(cli, ["index", "stats", str(garbage)])
    assert bad.exit_code == 1 and "not a provenance index" in bad.stderr


FORMAT_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, text BLOB NOT NULL, meta TEXT NOT NULL,
    published TEXT, shingles INTEGER NOT NULL, signature BLOB NOT NULL, bands BLOB NOT NULL,
    sentences BLOB NOT NULL, added TEXT NOT NULL);
CREATE TABLE bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc))
    WITHOUT ROWID;
CREATE TABLE sentences (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc))
    WITHOUT ROWID;
"""


def test_a_format_1_index_is_upgraded_not_lost(tmp_path, seeds_dir):
    """Format 1 (one row per key, zlib texts) as the previous release wrote it."""
    import zlib

    old = tmp_path / "old.db"
    db = sqlite3.connect(old)
    db.executescript(FORMAT_1)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("format", "1"), ("threshold", "0.5"), ("num_perm", "128"), ("seed", "1"),
        ("shingle_size", "5")])
    docs = read(seeds_dir).documents
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, 0, x'', x'', x'', '2026-11-24')", [
        (k + 1, d.id, zlib.compress(d.text.encode()), json.dumps({"outlet": f"O{k}"}), None)
        for k, d in enumerate(docs)])
    db.commit()
    db.close()
    with pytest.raises(IndexError_, match="index format 1.*provenance index upgrade"):
        Index(str(old))
    runner = CliRunner()
    new = tmp_path / "new.db"
    done = runner.invoke(cli, ["index", "upgrade", str(old), str(new)])
    assert done.exit_code == 0 and "5 documents copied" in done.stderr, done.output
    with Index(str(new)) as ix:
        assert len(ix) == 5 and ix.get(docs[1].id).text == docs[1].text
        assert ix.get(docs[1].id).outlet == "O1"
        found = ix.query(docs[0])
        assert found[0].id == "001_3f6639795f3717d1" and len(found[0].passages) == 2
    again = runner.invoke(cli, ["index", "upgrade", str(old), str(new)])
    assert again.exit_code == 1 and "exists" in again.stderr
    current = runner.invoke(cli, ["index", "upgrade", str(new), str(tmp_path / "x.db")])
    assert current.exit_code == 1 and "only a format-1 index needs upgrading" in current.stderr
