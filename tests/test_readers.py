from __future__ import annotations

import gzip
import io
import json

import pytest

from provenance import Document, InputError, read, read_jsonl

ARTICLE = "NATO warned China against arming Russia. Stoltenberg spoke in Brussels."


def by_id(corpus) -> dict[str, Document]:
    return {d.id: d for d in corpus.documents}


def test_text_and_markdown_files_recursively_with_stable_ids(tmp_path, write):
    write("b.txt", ARTICLE)
    write("wire/2023/a.md", "# Head\n\n" + ARTICLE)
    corpus = read(tmp_path)
    assert [d.id for d in corpus.documents] == ["b", "wire/2023/a"]
    assert by_id(corpus)["b"].text == ARTICLE
    assert by_id(corpus)["b"].path == str(tmp_path / "b.txt")
    assert corpus.skipped == ()


def test_html_gives_article_text_and_page_metadata(tmp_path, write):
    write("page.html", """<html><head><title>Page title</title>
        <meta property="og:site_name" content="Euronews">
        <meta property="article:published_time" content="2023-04-05T10:00:00Z">
        <link rel="canonical" href="https://example.org/a"></head>
        <body><nav>Home | World</nav><article><h1>NATO warns China</h1>
        <p>Stoltenberg <b>cautioned</b> China.</p><script>var x = "<p>not text</p>";</script>
        <figure><figcaption>(AP Photo)</figcaption></figure><p>Second &amp; last.</p>
        </article><footer>Copyright</footer></body></html>""")
    doc = by_id(read(tmp_path))["page"]
    assert doc.text == "NATO warns China\nStoltenberg cautioned China.\nSecond & last."
    assert (doc.outlet, doc.title, doc.url) == ("Euronews", "Page title", "https://example.org/a")
    assert doc.published == "2023-04-05T10:00:00Z"


def test_json_object_and_list(tmp_path, write):
    write("one.json", json.dumps({"text": ARTICLE, "outlet": "Reuters", "title": "T"}))
    write("many.json", json.dumps([{"id": "x1", "body": ARTICLE}, {"content": ARTICLE}]))
    docs = by_id(read(tmp_path))
    assert docs["one"].outlet == "Reuters" and docs["one"].title == "T"
    assert docs["many:x1"].text == ARTICLE
    assert docs["many:2"].text == ARTICLE


def test_jsonl_plain_and_gzipped_with_metadata_aliases(tmp_path, write):
    lines = [{"id": 7, "text": ARTICLE, "source": "AP", "date": "2023-03-16"},
             {"text": ARTICLE, "headline": "H", "link": "https://x"}]
    payload = "\n".join(json.dumps(x) for x in lines) + "\n"
    write("feed.jsonl", payload)
    write("old.jsonl.gz", gzip.compress(payload.encode()))
    docs = by_id(read(tmp_path))
    assert docs["feed:7"].outlet == "AP" and docs["feed:7"].published == "2023-03-16"
    assert docs["feed:2"].title == "H" and docs["feed:2"].url == "https://x"
    assert "old:7" in docs and "old:2" in docs


def test_csv_text_column_and_text_field_option(tmp_path, write):
    write("a.csv", 'id,text,outlet\n1,"Hello, world. Again.",BBC\n2,"Second, ""quoted"".",\n')
    write("b/b.csv", "id,story_text\nz,Some text here.\n")
    corpus = read(tmp_path / "a.csv")
    assert [(d.id, d.text, d.outlet) for d in corpus.documents] == [
        ("a:1", "Hello, world. Again.", "BBC"), ("a:2", 'Second, "quoted".', None)]
    corpus = read(tmp_path / "b", text_field="story_text")
    assert [d.id for d in corpus.documents] == ["b:z"]


def test_csv_without_a_text_column_is_skipped_with_the_fix(tmp_path, write):
    write("data.csv", "file,category\na.txt,cut\n")
    corpus = read(tmp_path)
    assert corpus.documents == ()
    [skipped] = corpus.skipped
    assert skipped.path.endswith("data.csv")
    assert "no text column" in skipped.reason and "--text-field" in skipped.reason


def test_stdin_jsonl():
    stream = io.BytesIO(b'{"id": "a", "text": "One."}\n\n{"text": "Two."}\nnot json\n')
    corpus = read("-", stdin=stream)
    assert [d.id for d in corpus.documents] == ["a", "stdin:3"]
    [bad] = corpus.skipped
    assert bad.path == "<stdin>:4" and "not valid JSON" in bad.reason


def test_read_jsonl_reports_every_bad_line_and_keeps_the_rest():
    stream = io.BytesIO(b'{"text": "ok"}\n{"text": \n[1, 2]\n{"title": "no text"}\n'
                        b'{"text": ""}\n{"text": "fine"}\n')
    items = list(read_jsonl(stream, "feed.jsonl", id_prefix="feed:"))
    docs = [i for i in items if isinstance(i, Document)]
    skipped = [i for i in items if not isinstance(i, Document)]
    assert [d.id for d in docs] == ["feed:1", "feed:6"]
    assert [s.path for s in skipped] == ["feed.jsonl:2", "feed.jsonl:3", "feed.jsonl:4",
                                         "feed.jsonl:5"]
    assert "not an object" in skipped[1].reason
    assert "no text field" in skipped[2].reason and "--text-field" in skipped[2].reason


def test_sidecar_metadata_csv_and_jsonl(tmp_path, write):
    write("a/x.txt", ARTICLE)
    write("a/metadata.csv", "file,outlet,published\nx.txt,Politico,2023-03-16\n")
    write("b/y.txt", ARTICLE)
    write("b/metadata.jsonl", json.dumps({"file": "y.txt", "outlet": "The Hill"}) + "\n")
    docs = by_id(read(tmp_path))
    assert set(docs) == {"a/x", "b/y"}  # sidecars are not documents
    assert (docs["a/x"].outlet, docs["a/x"].published) == ("Politico", "2023-03-16")
    assert docs["b/y"].outlet == "The Hill"
    [single] = read(tmp_path / "a" / "x.txt").documents
    assert (single.id, single.outlet) == ("x", "Politico")


def test_utf8_bom_utf16_and_windows_1252(tmp_path, write):
    write("bom.txt", b"\xef\xbb\xbfCaf\xc3\xa9 news.")
    write("utf16.txt", "Caf\u00e9 “news”.".encode("utf-16"))
    write("legacy.txt", b"He said \x93lethal aid\x94 isn\x92t confirmed \x96 yet.")
    docs = by_id(read(tmp_path))
    assert docs["bom"].text == "Café news."
    assert docs["utf16"].text == "Café “news”."
    assert docs["legacy"].text == "He said “lethal aid” isn’t confirmed – yet."
    assert docs["legacy"].encoding == "cp1252"


def test_clough_style_crlf_windows_1252_offsets(tmp_path, write):
    write("g0pA_taska.txt", b"Inheritance is a way\r\nto form new classes \x96 it\x92s old.\r\n")
    doc = read(tmp_path).documents[0]
    assert "it’s old." in doc.text


def test_include_exclude_and_hidden(tmp_path, write):
    write("keep/a.txt", ARTICLE)
    write("keep/b.html", "<p>" + ARTICLE + "</p>")
    write("drop/c.txt", ARTICLE)
    write(".git/d.txt", ARTICLE)
    write(".hidden.txt", ARTICLE)
    assert [d.id for d in read(tmp_path, include=["*.txt"]).documents] == ["drop/c", "keep/a"]
    assert [d.id for d in read(tmp_path, exclude=["drop/*"]).documents] == ["keep/a", "keep/b"]


def test_ids_stay_unique(tmp_path, write):
    write("a.txt", ARTICLE)
    write("a.md", ARTICLE)
    docs = read(tmp_path).documents
    assert [d.id for d in docs] == ["a", "a@a.txt"]
    assert "repeats the id of a.md" in docs[1].notes[0]


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        read(tmp_path / "nope")


def test_empty_folder_reads_nothing(tmp_path):
    corpus = read(tmp_path)
    assert corpus.documents == () and corpus.skipped == ()


def test_bad_files_are_skipped_with_reasons_and_nothing_else_is_lost(tmp_path, write):
    write("good.txt", ARTICLE)
    write("empty.txt", "")
    write("blank.txt", "  \n\n ")
    write("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write("photo.jpg", b"\xff\xd8\xff")
    write("broken.json", "{not json")
    write("scalar.json", "42")
    write("empty.html", "<html><body><script>x()</script></body></html>")
    corpus = read(tmp_path)
    assert [d.id for d in corpus.documents] == ["good"]
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in corpus.skipped}
    assert set(reasons) == {"empty.txt", "blank.txt", "image.txt", "photo.jpg", "broken.json",
                            "scalar.json", "empty.html"}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["image.txt"]
    assert "unsupported file type '.jpg'" in reasons["photo.jpg"]
    assert "not valid JSON" in reasons["broken.json"]
    assert "no article text" in reasons["empty.html"]


def test_a_50_mb_file_is_skipped_with_the_limit_and_the_fix(tmp_path, write):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.write(b"word " * 10_000_000)  # 50 MB
    write("small.txt", ARTICLE)
    corpus = read(tmp_path)
    assert [d.id for d in corpus.documents] == ["small"]
    [skipped] = corpus.skipped
    assert "50.0 MB" in skipped.reason and "--max-bytes" in skipped.reason
    assert [d.id for d in read(big, max_bytes=60_000_000).documents] == ["big"]


def test_on_item_sees_everything(tmp_path, write):
    write("a.txt", ARTICLE)
    write("b.bin", b"\x00\x01")
    seen = []
    read(tmp_path, on_item=seen.append)
    assert len(seen) == 2
