"""The index keeps its corpus's template counts: queries set template-only matches aside."""

from __future__ import annotations

import random
import sqlite3

import pytest
from click.testing import CliRunner

from provenance import Document
from provenance.index import Index, document_features
from provenance.text.templates import TemplateCounts, Templates
from provenance_cli.main import cli
from tests.test_index import redis_url
from tests.test_templates import LOOSE, REPEATED, REPEATED_B, _formula, _formula_corpus


@pytest.fixture(params=["sqlite", "redis"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "index.db")
    return redis_url(request.getfixturevalue("redis_server"))


def _split(kind="court"):
    """The corpus without ``fire_b``; genre lines of new names and figures, as queries; and
    ``fire_b``."""
    docs = _formula_corpus(kind)
    fire_b = next(d for d in docs if d.id == "fire_b")
    rng = random.Random(99)
    queries = [Document(f"query{i}", _formula(kind, rng, 100 + i) + "\n") for i in range(60)]
    return [d for d in docs if d.id != "fire_b"], queries, fire_b


def _paired(ix: Index, queries: list[Document]) -> list[Document]:
    """The queries the index pairs with an indexed genre line when it knows no templates (its
    sentence keys find only close wordings, so not every query has a candidate)."""
    return [q for q in queries if ix.query(q, options=LOOSE, templates=Templates())]


def _fresh_rows(ix: Index) -> list[tuple]:
    """The counts recomputed from the stored texts, as the store lists them."""
    counts = TemplateCounts()
    for rows in ix.store.rows():
        for row in rows:
            counts.add(document_features(ix.get(row.id)))
    return [r[:3] for r in counts.rows(2)]


def test_query_sets_template_only_matches_aside(location):
    base, queries, fire_b = _split()
    with Index(location) as ix:
        ix.add(base)
        learned = ix.templates()
        assert learned.formulas
        # the genre's lines match earlier ones without templates; with the index's own, not
        paired = _paired(ix, queries)
        assert len(paired) >= 3
        assert all(ix.query(q, options=LOOSE) == [] for q in paired)
        # the same story told by another outlet is still found
        assert [m.id for m in ix.query(fire_b)] == ["fire_a"]
        assert ix.stats()["formulas"] == len(learned.formulas)


def test_counts_follow_adds_replacements_and_removals(location):
    base, _, _ = _split()
    with Index(location) as ix:
        ix.add(base[:20])
        ix.add(base[20:])
        assert sorted(r[:3] for r in ix.store.template_rows(2)) == _fresh_rows(ix)
        generation = ix.store.template_generation()
        ix.add([Document(d.id, d.text + "\nA new closing line.\n") for d in base[:5]])
        assert ix.store.template_generation() != generation
        assert sorted(r[:3] for r in ix.store.template_rows(2)) == _fresh_rows(ix)
        before = len(ix.templates().formulas)
        ix.remove([d.id for d in base if d.id.startswith("court")])
        assert sorted(r[:3] for r in ix.store.template_rows(2)) == _fresh_rows(ix)
        assert before and not ix.templates().formulas  # the cache followed the removal


def test_another_process_sees_new_counts(location, monkeypatch):
    base, queries, _ = _split()
    with Index(location) as reader, Index(location) as writer:
        assert not reader.templates().formulas
        writer.add(base)
        monkeypatch.setattr("provenance.index.TEMPLATE_REFRESH", 0.0)
        assert reader.templates().formulas
        assert all(reader.query(q, options=LOOSE) == [] for q in _paired(reader, queries))


def test_an_index_without_counts_gets_them_from_its_texts(tmp_path):
    path = tmp_path / "old.db"
    base, queries, fire_b = _split()
    with Index(str(path)) as ix:
        ix.add(base)
        want = sorted(r[:3] for r in ix.store.template_rows(2))
        paired = _paired(ix, queries)
    db = sqlite3.connect(path)  # as an index written before the counts were kept
    db.executescript("DROP TABLE tstats; DROP TABLE tdocs; "
                     "DELETE FROM meta WHERE key IN ('templates', 'template_generation');")
    db.close()
    with Index(str(path), read_only=True) as ix:  # counted in memory; the genre set aside
        assert ix.read_only and ix.templates().formulas
        assert paired and all(ix.query(q, options=LOOSE) == [] for q in paired)
    assert not Index(str(path), read_only=True).store.has_template_counts()  # nothing written
    with Index(str(path)) as ix:  # stats only read, even where it could write
        stats = ix.stats()
        assert stats["templates"] is None and "not built yet" in stats["template_counts"]
        assert not ix.store.has_template_counts()
    with Index(str(path)) as ix:  # writable: counted once, kept
        assert all(ix.query(q, options=LOOSE) == [] for q in paired)
        assert sorted(r[:3] for r in ix.store.template_rows(2)) == want
        assert ix.stats()["templates"] >= 0 and ix.stats()["formulas"] > 0
        ix.add([Document("late", f"Some words here.\n{REPEATED}\n")])
        assert {m.id for m in ix.query(Document("q", REPEATED_B))} == {"fire_a", "late"}


def test_site_clutter_counted_per_site(location):
    clutter = "More reporting follows in later editions of the paper."
    bodies = ["The council approved a new cycle lane along the harbour road this week.",
              "A rare orchid was found flowering in the old quarry by two walkers.",
              "The ferry timetable changes next month as the summer season begins.",
              "Teachers at the village school planted an orchard with the pupils."]
    docs = [Document(f"p{i}", f"{b}\n{clutter}\n", outlet="Harbour News")
            for i, b in enumerate(bodies)]
    with Index(location) as ix:
        ix.add(docs[:3])
        assert clutter.lower() in ix.templates().clutter
        assert ix.query(docs[3], options=LOOSE, templates=Templates())
        assert ix.query(docs[3], options=LOOSE) == []
        ix.remove(["p0", "p1"])
        assert not ix.templates().clutter


def test_cli_query_and_stats_use_the_stored_templates(tmp_path):
    base, queries, fire_b = _split()
    with Index(str(tmp_path / "probe.db")) as ix:
        ix.add(base)
        query = _paired(ix, queries)[0]
    folder = tmp_path / "corpus"
    folder.mkdir()
    for d in base:
        (folder / f"{d.id}.txt").write_text(d.text, encoding="utf-8")
    (tmp_path / "q.txt").write_text(query.text, encoding="utf-8")
    (tmp_path / "fire_b.txt").write_text(fire_b.text, encoding="utf-8")
    db = str(tmp_path / "a.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "add", db, str(folder), "-q"]).exit_code == 0
    out = runner.invoke(cli, ["index", "query", db, str(tmp_path / "q.txt")])
    assert out.exit_code == 0 and "q: no matches" in out.output, out.output
    out = runner.invoke(cli, ["index", "query", db, str(tmp_path / "fire_b.txt")])
    assert "fire_b: 1 matches" in out.output and "fire_a" in out.output
    stats = runner.invoke(cli, ["index", "stats", db])
    assert '"formulas": ' in stats.output and '"templates": ' in stats.output


def test_a_redis_index_without_counts_gets_them_from_its_texts(redis_server):
    import redis

    url = redis_url(redis_server)
    base, queries, _ = _split()
    with Index(url) as ix:
        ix.add(base)
        want = sorted(r[:3] for r in ix.store.template_rows(2))
        paired = _paired(ix, queries)
    r = redis.Redis.from_url(url)  # as an index written before the counts were kept
    r.delete(*(f"provenance:{k}" for k in ("td", "tv", "tt", "te", "thot")))
    r.hdel("provenance:meta", "templates", "template_generation")
    for id_ in r.smembers("provenance:ids"):
        r.hdel(b"provenance:doc:" + id_, "tkeys")
    with Index(url) as ix:
        assert not ix.store.has_template_counts()
        assert paired and all(ix.query(q, options=LOOSE) == [] for q in paired)
        assert ix.store.has_template_counts()
        assert sorted(r[:3] for r in ix.store.template_rows(2)) == want
        ix.remove([d.id for d in base])  # the recounted features are taken away exactly
        assert ix.store.template_rows(2) == [] and not r.exists("provenance:td")
