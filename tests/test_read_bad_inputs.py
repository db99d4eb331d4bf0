"""Issue 18, the reading stage: every bad input of the catalogue (tests/bad_inputs.py) is a
clear skipped entry or a sensible, said result; nothing hangs, nothing is held whole."""

from __future__ import annotations

import gzip
import importlib
import io
import json
import os
import signal
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import Document, read, read_jsonl
from provenance.errors import ConfigError
from provenance.read import jsonsafe
from provenance.read.files import _bounded_lines
from provenance.read.html import MAX_HTML_DEPTH, extract_html
from tests.bad_inputs import CATALOGUE

ARTICLE = "NATO warned China against arming Russia. Stoltenberg spoke in Brussels."


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging the suite."""
    def stop(*_):
        raise TimeoutError(f"took over {seconds} s")
    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def reasons(corpus) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in corpus.skipped}


def test_every_catalogue_row_names_a_test_that_exists():
    for row in CATALOGUE:
        module, function = row.test.split("::")
        assert hasattr(importlib.import_module(f"tests.{module}"), function), row


def test_fifo_in_a_folder_is_skipped_without_opening_it(tmp_path, write):
    write("a.txt", ARTICLE)
    os.mkfifo(tmp_path / "pipe.txt")
    with deadline(10):
        corpus = read(tmp_path)
    assert [d.id for d in corpus.documents] == ["a"]
    assert "named pipe (FIFO), not a regular file" in reasons(corpus)["pipe.txt"]
    with deadline(10):
        [skipped] = read(tmp_path / "pipe.txt").skipped  # named on its own, too
    assert "FIFO" in skipped.reason


def test_link_to_dev_zero_is_skipped(tmp_path, write):
    write("a.txt", ARTICLE)
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    with deadline(10):
        corpus = read(tmp_path)
    assert [d.id for d in corpus.documents] == ["a"]
    assert "character device, not a regular file" in reasons(corpus)["zero.txt"]


def test_reads_stop_at_the_limit_whatever_the_size_says(tmp_path, write, monkeypatch):
    big = write("big.txt", "word " * 1000)
    real_stat = os.stat

    def lying_stat(path, *args, **kwargs):  # a regular file whose size says 0, like /proc
        st = real_stat(path, *args, **kwargs)
        if os.fspath(path) == str(big):
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid,
                                   st.st_gid, 0, st.st_atime, st.st_mtime, st.st_ctime))
        return st

    monkeypatch.setattr(os, "stat", lying_stat)
    corpus = read(tmp_path, max_bytes=1000)
    assert corpus.documents == ()
    assert "over 1,000 bytes" in reasons(corpus)["big.txt"]


def test_symlinked_folder_is_followed_and_loops_are_reported(tmp_path, write):
    write("real/a.txt", ARTICLE)
    write("top/b.txt", ARTICLE)
    (tmp_path / "top" / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "top" / "loop").symlink_to(tmp_path / "top", target_is_directory=True)
    with deadline(10):
        corpus = read(tmp_path / "top")
    assert [d.id for d in corpus.documents] == ["b", "linked/a"]
    [loop] = corpus.skipped
    assert loop.path.endswith("loop") and "folder already read" in loop.reason


def test_unlistable_folder_is_a_skipped_entry(tmp_path, write, monkeypatch):
    write("ok/a.txt", ARTICLE)
    write("locked/b.txt", ARTICLE)
    real_scandir = os.scandir

    def scandir(path):  # the tests run as root, for whom chmod 000 changes nothing
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    corpus = read(tmp_path)
    assert [d.id for d in corpus.documents] == ["ok/a"]
    assert "cannot list the folder (Permission denied)" in reasons(corpus)["locked"]


def test_broken_link_is_a_skipped_entry(tmp_path, write):
    write("a.txt", ARTICLE)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    corpus = read(tmp_path)
    assert "broken symbolic link" in reasons(corpus)["gone.txt"]


def _gzip_lines(path: Path, lines: list[bytes]) -> None:
    with gzip.open(path, "wb", compresslevel=1) as f:
        for line in lines:
            f.write(line)


def test_huge_gzipped_line_is_skipped_as_it_streams(tmp_path):
    path = tmp_path / "feed.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(json.dumps({"id": "before", "text": ARTICLE}).encode() + b"\n")
        f.write(b'{"id": "huge", "text": "')
        chunk = b"word " * 200_000  # 1 MB
        for _ in range(50):
            f.write(chunk)
        f.write(b'"}\n')
        f.write(json.dumps({"id": "after", "text": ARTICLE}).encode() + b"\n")
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        corpus = read(path, max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [d.id for d in corpus.documents] == ["feed:before", "feed:after"]
    [skipped] = corpus.skipped
    assert skipped.path.endswith("feed.jsonl.gz:2")
    assert "over 1,000,000 bytes" in skipped.reason and "--max-bytes" in skipped.reason
    assert peak < 8_000_000, f"peak {peak:,} bytes for a 50 MB line"


def test_max_bytes_means_bytes(tmp_path, write):
    text = "é" * 600  # 600 characters, 1,200 bytes
    write("file.txt", text)
    write("feed.jsonl", json.dumps({"text": text}, ensure_ascii=False) + "\n")
    write("list.json", json.dumps([{"text": text}]))
    write("rows.csv", f"id,text\n1,{text}\n")
    corpus = read(tmp_path, max_bytes=1000)
    assert corpus.documents == ()
    assert len(corpus.skipped) == 4
    assert all("1,000" in s.reason for s in corpus.skipped)
    assert len(read(tmp_path, max_bytes=1300).documents) == 4


def _csv_peak(path: Path, rows: int) -> int:
    row = "x," + ("word " * 1000) + "\n"  # about 5 KB
    with open(path, "w", encoding="utf-8") as f:
        f.write("id,text\n")
        f.write(row * rows)
    tracemalloc.start()
    try:
        count = sum(1 for _ in _iter(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == rows
    return peak


def test_csv_is_streamed_row_by_row(tmp_path):
    small = _csv_peak(tmp_path / "small.csv", 400)  # 2 MB
    large = _csv_peak(tmp_path / "large.csv", 1_600)  # 8 MB
    assert large < small * 1.3 + 100_000, f"peak {small:,} bytes for 2 MB, {large:,} for 8 MB"
    assert large < 4_000_000


def _iter(path):
    from provenance import iter_read
    return iter_read(path, duplicate_ids="keep")


def test_damaged_gzip_keeps_the_lines_before_the_damage(tmp_path):
    lines = [json.dumps({"id": i, "text": f"Story {i}. " + "word " * (i % 50)}).encode() + b"\n"
             for i in range(5000)]
    good = tmp_path / "good.jsonl.gz"
    _gzip_lines(good, lines)
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0xFF
    data[middle + 1] ^= 0xFF
    (tmp_path / "flipped.jsonl.gz").write_bytes(bytes(data))
    (tmp_path / "cut.jsonl.gz").write_bytes(bytes(good.read_bytes()[: middle]))
    good.unlink()
    _gzip_lines(tmp_path / "healthy.jsonl.gz", [lines[0], b"not json\n", lines[1]])
    corpus = read(tmp_path, duplicate_ids="keep")
    assert [d.id for d in corpus.documents if d.id.startswith("healthy")] == ["healthy:0",
                                                                               "healthy:1"]
    [bad_line] = [s for s in corpus.skipped if "healthy" in s.path]
    assert "line 2 is not valid JSON" in bad_line.reason
    corpus = read([tmp_path / "flipped.jsonl.gz", tmp_path / "cut.jsonl.gz"],
                  duplicate_ids="keep")
    by_file: dict[str, int] = {}
    for d in corpus.documents:
        by_file[d.id.split(":")[0]] = by_file.get(d.id.split(":")[0], 0) + 1
    assert 0 < by_file.get("flipped", 0) < 5000 and 0 < by_file["cut"] < 5000
    assert len(corpus.skipped) == 2
    for s in corpus.skipped:
        assert "damaged from" in s.reason and "lines before it were read" in s.reason


@pytest.mark.parametrize("orjson_limits_depth", [True, False])
def test_deep_json_is_a_skipped_entry_everywhere(tmp_path, write, monkeypatch,
                                                 orjson_limits_depth):
    # orjson before 3.10 has no depth limit (and crashes): then the reader measures the depth
    monkeypatch.setattr(jsonsafe, "_ORJSON_LIMITS_DEPTH", orjson_limits_depth)
    deep = "[" * 100_000 + "]" * 100_000
    deep_object = '{"a":' * 100_000 + "1" + "}" * 100_000
    write("feed.jsonl", json.dumps({"id": "ok", "text": ARTICLE}) + "\n" + deep + "\n"
          + '{"text": "x", "more": ' + deep_object + "}\n")
    write("one.json", deep_object)
    write("docs/a.txt", ARTICLE)
    write("docs/metadata.jsonl", '{"file": "a.txt", "x": ' + deep + "}\n")
    corpus = read(tmp_path)
    assert [d.id for d in corpus.documents] == ["feed:ok", "docs/a"]
    assert len(corpus.skipped) == 4
    assert all("nested over 1,024 levels deep" in s.reason for s in corpus.skipped)
    stdin = io.BytesIO(deep_object.encode() + b"\n" + b'{"text": "fine"}\n')
    corpus = read("-", stdin=stdin)
    assert [d.text for d in corpus.documents] == ["fine"]
    assert "nested" in corpus.skipped[0].reason


def test_lone_surrogates_are_repaired_and_said(tmp_path, write):
    write("feed.jsonl", '{"id": "a\\ud83d", "text": "Smile \\ud83d now.", "title": "T\\udc00"}\n'
          '{"id": "b", "text": "Fine \\ud83d\\ude00 pair."}\n')
    a, b = read(tmp_path).documents
    assert a.id == "feed:a\ufffd" and a.text == "Smile \ufffd now." and a.title == "T\ufffd"
    assert any("lone surrogate" in n and "U+FFFD" in n for n in a.notes)
    assert b.text == "Fine \U0001F600 pair." and b.notes == ()
    json.dumps(a.to_dict(), ensure_ascii=False).encode("utf-8")  # every writer can encode it


def test_undecodable_file_name_is_repaired_and_said(tmp_path):
    name = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    with open(name, "wb") as f:
        f.write(ARTICLE.encode())
    [doc] = read(tmp_path).documents
    assert doc.id == "caf\ufffd" and doc.path.endswith("caf\ufffd.txt")
    assert "not valid UTF-8" in doc.notes[0]
    json.dumps(doc.to_dict(), ensure_ascii=False).encode("utf-8")


def test_utf32_with_bom(tmp_path, write):
    write("le.txt", "Café “news”.".encode("utf-32"))
    write("be.txt", b"\x00\x00\xfe\xff" + "Café news.".encode("utf-32-be"))
    docs = {d.id: d for d in read(tmp_path).documents}
    assert docs["le"].text == "Café “news”." and docs["le"].encoding == "utf-32"
    assert docs["be"].text == "Café news."


def test_csv_unterminated_quote_is_one_skipped_entry(tmp_path, write):
    rows = "".join(f"{i},Story number {i}.\n" for i in range(3, 19))
    write("a.csv", f'id,text\n1,First story.\n2,"Open quote never closed.\n{rows}')
    corpus = read(tmp_path)
    assert [d.id for d in corpus.documents] == ["a:1"]
    [skipped] = corpus.skipped
    assert skipped.path.endswith("a.csv:3")
    assert "quote opened there is never closed" in skipped.reason
    assert "1 rows before it were read" in skipped.reason


def test_two_text_columns_or_fields_are_refused(tmp_path, write):
    write("a.csv", "id,text,text\n1,first,second\n")
    write("b.jsonl", '{"text": "first", "text": "second"}\n{"text": "only"}\n')
    corpus = read(tmp_path)
    assert [d.text for d in corpus.documents] == ["only"]
    why = reasons(corpus)
    assert "2 columns named 'text'" in why["a.csv"]
    assert "field 'text' twice" in why["b.jsonl:1"]


def test_repeated_ids_are_renamed_without_collisions(tmp_path, write):
    write("a.txt", ARTICLE)
    write("a.md", ARTICLE)
    write("z.jsonl", '{"id": "x", "text": "one"}\n{"id": "x", "text": "two"}\n'
          '{"id": "x@z.jsonl:2", "text": "three"}\n')
    docs = read(tmp_path).documents
    ids = [d.id for d in docs]
    assert ids == ["a", "a@a.txt", "z:x", "z:x@z.jsonl:2", "z:x@z.jsonl:2@z.jsonl:3"]
    assert len(set(ids)) == len(ids)
    assert [bool(d.notes) for d in docs] == [False, True, False, True, True]
    assert "repeats the id of z.jsonl:1" in docs[3].notes[0]
    kept = read(tmp_path, duplicate_ids="keep").documents
    assert [d.id for d in kept][:4] == ["a", "a", "z:x", "z:x"]
    assert "kept (duplicate_ids='keep')" in kept[3].notes[0]
    with pytest.raises(ConfigError, match="duplicate_ids must be one of rename, keep"):
        read(tmp_path, duplicate_ids="drop")


def test_id_field(tmp_path, write):
    write("reuters.jsonl", '{"newid": 7, "id": "ignored", "text": "one"}\n{"text": "two"}\n')
    write("cms.csv", "story_id,text\nS-1,Body.\n")
    docs = read(tmp_path / "reuters.jsonl", id_field="newid").documents
    assert [d.id for d in docs] == ["reuters:7", "reuters:2"]
    assert docs[1].notes == ("no 'newid' field; numbered 'reuters:2'",)
    assert [d.id for d in read(tmp_path / "cms.csv", id_field="story_id").documents] == ["cms:S-1"]


def test_deeply_nested_page_is_refused_quickly(tmp_path, write):
    write("deep.html", "<html><body>" + "<div>" * 200_000 + "text" + "</div>" * 200_000
          + "</body></html>")
    write("ok.html", "<p>" + ARTICLE + "</p>")
    start = time.perf_counter()
    corpus = read(tmp_path)
    assert time.perf_counter() - start < 10.0  # about 0.3 s on a quiet core; 98 s before
    assert [d.id for d in corpus.documents] == ["ok"]
    assert "nested 200,00" in reasons(corpus)["deep.html"]
    # just under the bound still parses, quickly
    page = "<div>" * (MAX_HTML_DEPTH - 10) + ARTICLE + "</div>" * (MAX_HTML_DEPTH - 10)
    start = time.perf_counter()
    assert extract_html(page).text == ARTICLE
    assert time.perf_counter() - start < 1.0


def _wide_page(megabytes: float) -> str:
    block = ("<div class='c'><section><div><span>" + "word " * 20 + "</span></div></section>"
             "</div>\n")
    return ("<html><body><article>" + block * int(megabytes * 1e6 // len(block))
            + "</article></body></html>")


def _seconds(page: str) -> float:
    start = time.perf_counter()
    extract_html(page)
    return time.perf_counter() - start


def test_page_cost_is_linear_in_its_size():
    small, large = _wide_page(0.5), _wide_page(2)
    _seconds(small)
    ratio = min(_seconds(large) for _ in range(2)) / min(_seconds(small) for _ in range(2))
    assert ratio < 8, f"4x the markup took {ratio:.1f}x the time (linear: 4x)"


@pytest.mark.slow
def test_twenty_megabyte_page_is_read_in_bounded_time(tmp_path, write):
    write("big.html", _wide_page(20))
    start = time.perf_counter()
    [doc] = read(tmp_path, max_bytes=25_000_000).documents
    seconds = time.perf_counter() - start
    assert doc.text.count("\n") > 100_000
    assert seconds < 60, f"{seconds:.1f} s for a 20 MB page"


def test_json_ld_that_is_not_json_is_ignored_and_said(tmp_path, write):
    write("p.html", '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
          '"datePublished": </script></head><body><article><p>' + ARTICLE + "</p></article>"
          "</body></html>")
    [doc] = read(tmp_path).documents
    assert doc.text == ARTICLE
    assert any("JSON-LD block is not valid JSON" in n for n in doc.notes)


def test_absurd_dates_are_refused_with_a_reason(tmp_path, write):
    from provenance import parse_date
    assert "unrecognized" in parse_date("30000-01-01")[1]
    assert "not a date (10,000 characters" in parse_date("1" * 10_000)[1]
    write("p.html", '<meta property="article:published_time" content="30000-04-05T10:00:00Z">'
          "<p>" + ARTICLE + "</p>")
    [doc] = read(tmp_path).documents
    assert doc.published == "30000-04-05T10:00:00Z"  # kept as given; the scan says why not used
    from provenance import analyze
    analysis = analyze([doc, Document("other", ARTICLE)])
    [row] = [d for d in analysis.to_dict()["documents"] if d["id"] == "p"]
    assert row["published_utc"] is None and "unrecognized" in row["date_problem"]


def test_read_jsonl_keeps_its_signature():
    items = list(read_jsonl(io.BytesIO(b'{"text": "a"}\n'), "s", id_prefix="s:", max_bytes=100))
    assert [i.id for i in items] == ["s:1"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"x")), max_size=20),
       st.booleans(), st.integers(1, 30), st.integers(1, 50))
def test_bounded_lines_equal_the_plain_split(lines, final_newline, limit, chunk):
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    expected = data.split(b"\n")
    if expected[-1] == b"":  # as iterating over a file: a last, empty piece is no line
        expected.pop()
    expected = [line if len(line) <= limit else None for line in expected]
    got = list(_bounded_lines(io.BytesIO(data), limit, chunk))
    assert got == expected


def test_stdin_lines_are_given_as_they_arrive():
    """A pipeline's stdin gives its first document before the writer has sent a megabyte."""
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b'{"id": "first", "text": "One."}\n')
    with os.fdopen(read_fd, "rb") as stream, deadline(10):
        items = read_jsonl(stream, "<stdin>")
        assert next(items).id == "first"  # the writer has not closed the pipe
        os.close(write_fd)
        assert list(items) == []
