"""The ``provenance`` command: a thin click layer over the library.

Each command parses its options, calls one library function, and renders the result. Library
errors become one-line messages: exit code 1 for runtime errors, 2 for usage errors (click's).
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import click

from provenance import (
    Analysis,
    ConfigError,
    Document,
    ProvenanceError,
    ScanConfig,
    Skipped,
    __version__,
    align,
    analyze,
    read,
)
from provenance.dedup import dedup as run_dedup
from provenance.index import Index
from provenance.options import DedupOptions, MinHashOptions, PassageOptions, parse_shingle
from provenance.read.files import DEFAULT_MAX_BYTES, iter_read
from provenance.render.counts import counts_line
from provenance.render.html import render_report
from provenance.render.png import matrix_png
from provenance.render.text import (
    compare_view,
    decisions_csv,
    edges_table,
    matrix_csv,
    matrix_json,
    matrix_table,
    pairs_csv,
    passages_csv,
    passages_table,
    table_report,
    to_json,
)
from provenance.trace.graph import to_dot, to_graphml

_DEFAULTS = ScanConfig()
_DEDUP = DedupOptions()
_SKIPPED_SHOWN = 10


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
def cli() -> None:
    """Find near-duplicate articles and repeated passages in a folder of news articles.

    Start with: provenance scan seeds/
    """


def _check_shingle(ctx, param, value: str) -> str:
    try:
        kind, n = parse_shingle(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None
    return f"{kind}:{n}"


def _input_options(func: Callable) -> Callable:
    """Options shared by every command that reads documents."""
    options = [
        click.argument("paths", nargs=-1, required=True,
                       type=click.Path(exists=True, allow_dash=True)),
        click.option("--include", multiple=True, metavar="GLOB",
                     help="Read only files matching GLOB (path relative to the folder, or "
                          "name). Repeatable."),
        click.option("--exclude", multiple=True, metavar="GLOB",
                     help="Leave out files matching GLOB. Repeatable."),
        click.option("--text-field", metavar="NAME",
                     help="JSON field or CSV column holding the article text "
                          "[default: text, body, content, article, maintext, story]."),
        click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                     show_default=True, help="Largest article read; larger ones are skipped."),
        click.option("--shingle", default=_DEFAULTS.shingle, show_default=True,
                     callback=_check_shingle,
                     help="Shingles: word:N (word n-grams) or char:N (character n-grams)."),
        click.option("--num-perm", type=click.IntRange(2, 1024), default=_DEFAULTS.num_perm,
                     show_default=True, help="MinHash permutations."),
        click.option("--seed", type=int, default=_DEFAULTS.seed, show_default=True,
                     help="MinHash seed (datasketch-compatible)."),
        click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True),
                     default=_DEFAULTS.threshold, show_default=True,
                     help="Jaccard at or above which documents are near-duplicates."),
        click.option("--passage-threshold", type=click.FloatRange(0.0, 1.0, min_open=True),
                     default=_DEFAULTS.passages.threshold, show_default=True,
                     help="Weighted term overlap at which two sentences match (rewritten or "
                          "closer)."),
        click.option("--engine", type=click.Choice(["auto", "numpy", "numba"]),
                     default=_DEFAULTS.engine, show_default=True,
                     help="Hashing core: numba kernel, numpy reference, or auto by size."),
        click.option("--matrix-limit", type=click.IntRange(min=0),
                     default=_DEFAULTS.matrix_limit, show_default=True,
                     help="Compare all pairs exactly up to this many documents; above it, "
                          "verify LSH candidates only."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
                     help="Write the result to this file instead of standard output."),
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress or notes on standard error."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run_analysis(paths, include, exclude, text_field, max_bytes, quiet, **config) -> Analysis:
    """Read the inputs and analyze them, with progress and skipped-file notes on stderr."""
    show = not quiet and sys.stderr.isatty()
    counter = _ReadCounter(show)
    try:
        scan_config = ScanConfig(**config)
        corpus = read(paths, include=include, exclude=exclude, text_field=text_field,
                      max_bytes=max_bytes, stdin=sys.stdin.buffer if "-" in paths else None,
                      on_item=counter)
        counter.close()
        if not quiet:
            _note_skipped(corpus.skipped)
            _note_legacy_encodings(corpus.documents)
        if not corpus.documents:
            where = ", ".join(paths)
            raise click.ClickException(
                f"no readable documents in {where}"
                + (f" ({len(corpus.skipped)} inputs skipped, reasons above)" if corpus.skipped
                   else "; add .txt, .md, .html, .json, .jsonl or .csv articles"))
        with _PhaseBar(show) as bar:
            return analyze(corpus, scan_config, progress=bar)
    except ProvenanceError as exc:
        raise click.ClickException(str(exc)) from exc


def _emit(text: str, output: str | None, quiet: bool) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}; choose another "
                                   "--output") from exc
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _command(func: Callable) -> Callable:
    """Turn stray OS errors (a file vanishing mid-read) into one-line errors, not tracebacks."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except OSError as exc:
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}") from exc

    return wrapper


@cli.command()
@_input_options
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True,
              help="table: a readable report; json: everything; csv: the pair list.")
@click.option("--min-score", type=click.FloatRange(0.0, 1.0), default=_DEFAULTS.min_score,
              show_default=True,
              help="List a pair when its Jaccard or either containment reaches this.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="Pairs and passages shown in the table report.")
@click.option("--passages/--no-passages", default=True, show_default=True,
              help="Also find repeated and rewritten passages.")
@_command
def scan(paths, fmt, output, top, quiet, **options) -> None:
    """Compare every article in PATHS with every other.

    PATHS are folders (read recursively), files, or - for JSONL on standard input. Prints the
    documents, the most similar pairs (exact Jaccard, MinHash estimate, containment both ways),
    near-duplicate clusters, and the similarity matrix when there are few documents.

    \b
    Examples:
      provenance scan seeds/
      provenance scan archive/ --include '*.html' --format json -o scan.json
      cat articles.jsonl | provenance scan - --threshold 0.8
    """
    analysis = _run_analysis(paths, quiet=quiet, **options)
    if fmt == "json":
        text = to_json(analysis)
    elif fmt == "csv":
        text = pairs_csv(analysis)
    else:
        text = table_report(analysis, top=top)
    _emit(text, output, quiet)


@cli.command()
@_input_options
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@click.option("--measure", type=click.Choice(["jaccard", "containment"]), default="jaccard",
              show_default=True,
              help="jaccard, or containment: row i, column j = share of i found in j.")
@click.option("--png", type=click.Path(dir_okay=False),
              help="Also draw the matrix as a PNG heat map (needs the 'plot' extra: "
                   "matplotlib).")
@_command
def matrix(paths, fmt, measure, png, output, quiet, **options) -> None:
    """Print the document x document similarity matrix of PATHS.

    Exact over shingle sets, for up to --matrix-limit documents.

    \b
    Examples:
      provenance matrix seeds/
      provenance matrix seeds/ --measure containment --format csv -o matrix.csv
      provenance matrix seeds/ --png matrix.png
    """
    # the matrix needs no pair list and no passages
    analysis = _run_analysis(paths, quiet=quiet, min_score=1.0, passages=False, **options)
    if analysis.matrix is None:
        raise click.ClickException(
            f"{len(analysis.documents)} documents is more than --matrix-limit "
            f"{analysis.config.matrix_limit}; raise the limit, or use 'provenance scan' for the "
            "pair list")
    if png:
        try:
            matrix_png(analysis, png, measure)
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            raise click.ClickException(f"cannot write {png}: {exc.strerror}; choose another "
                                       "--png") from exc
        if not quiet:
            click.echo(f"wrote {png}", err=True)
    render = {"table": matrix_table, "csv": matrix_csv, "json": matrix_json}[fmt]
    text = render(analysis.matrix, measure)
    _emit(text if text.endswith("\n") else text + "\n", output, quiet)


@cli.command()
@_input_options
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@_command
def passages(paths, fmt, output, quiet, **options) -> None:
    """List the passages repeated or rewritten between the articles in PATHS.

    Each passage gives both documents, character spans into each, a score (weighted overlap of
    content words), a kind (verbatim, near_verbatim, rewritten) and whether the shared words
    are a quotation on both sides.

    \b
    Examples:
      provenance passages seeds/
      provenance passages seeds/ --format json -o passages.json
    """
    analysis = _run_analysis(paths, quiet=quiet, **options)
    found = analysis.passages
    if fmt == "json":
        text = json.dumps([p.to_dict() for p in found], sort_keys=True, indent=2,
                          ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = passages_csv(found)
    elif found:
        text = passages_table(found) + "\n"
    else:
        text = "No repeated or rewritten passages found.\n"
    _emit(text, output, quiet)


@cli.command()
@_input_options
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: edges with reasons; json: edges, attributions and "
                                      "dates.")
@click.option("--graphml", type=click.Path(dir_okay=False), help="Also write the graph as "
              "GraphML (for Gephi, yEd, networkx).")
@click.option("--dot", type=click.Path(dir_okay=False), help="Also write the graph as Graphviz "
              "DOT.")
@_command
def trace(paths, fmt, graphml, dot, output, quiet, **options) -> None:
    """Infer who likely repeated whom among the articles in PATHS, with the evidence.

    Edges run source -> target: attributed (an outlet or organization an article credits),
    copied / rewrote (a passage repeated, directed by publication times, attributions, the
    fuller version and containment), common_source (both quote the same speaker), undecided.

    \b
    Examples:
      provenance trace seeds/
      provenance trace archive/ --graphml graph.graphml --dot graph.dot
    """
    analysis = _run_analysis(paths, quiet=quiet, **options)
    for path, render in ((graphml, to_graphml), (dot, to_dot)):
        if path:
            _emit(render(analysis.documents, analysis.edges), path, quiet)
    if fmt == "json":
        data = analysis.to_dict()
        text = json.dumps({k: data[k] for k in ("edges", "attributions", "documents")},
                          sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    elif analysis.edges:
        text = (f"{len(analysis.edges)} edges among {len(analysis.documents)} documents\n"
                f"{counts_line(analysis)}\n\n"
                + edges_table(analysis.edges, width=400) + "\n")
    else:
        text = "No attributions or repeated passages: no provenance edges.\n"
    _emit(text, output, quiet)


@cli.command()
@_input_options
@click.option("--by", type=click.Choice(["document", "outlet"]), default="document",
              show_default=True, help="Heat map rows and spread graph nodes: documents, or "
                                      "outlets (edge width = passages taken).")
@click.option("--layout", type=click.Choice(["depth", "time"]), default="depth",
              show_default=True, help="Spread graph columns: depth in the spread tree (origins "
                                      "first) or publication day.")
@click.option("--max-edges", type=click.IntRange(min=0), default=300, show_default=True,
              help="Most confident provenance edges drawn in the graph.")
@click.option("--title", default="provenance report", show_default=True,
              help="Title of the page.")
@_command
def report(paths, by, layout, max_edges, title, output, quiet, **options) -> None:
    """Write a self-contained HTML report of PATHS (default file: report.html).

    First the story: the largest families of repeated text as sentences, each with a timeline
    (one row per outlet, a dot per publication, arrows of the spread tree; click for the
    members side by side, edits marked). Then who took from whom (a layered spread graph),
    outlet flows and churnalism, a heat map of the similarity matrix on an absolute 0-1 scale
    (click a cell for the pair's passages), the pairs, documents and skipped inputs. Past a
    size the page summarizes and says what it left out. One file, no network: open it in any
    browser, offline.

    \b
    Examples:
      provenance report seeds/ -o report.html
      provenance report archive/ --by outlet --layout time -o outlets.html
    """
    analysis = _run_analysis(paths, quiet=quiet, **options)
    page = render_report(analysis, by=by, max_edges=max_edges, title=title, layout=layout)
    _emit(page, output or "report.html", quiet)


@cli.command()
@click.argument("file_a", type=click.Path(exists=True, dir_okay=False))
@click.argument("file_b", type=click.Path(exists=True, dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: side by side; json: the passages.")
@click.option("--passage-threshold", type=click.FloatRange(0.0, 1.0, min_open=True),
              default=_DEFAULTS.passages.threshold, show_default=True,
              help="Weighted term overlap at which two sentences match.")
@click.option("--text-field", metavar="NAME", help="JSON field or CSV column with the text.")
@click.option("--width", type=click.IntRange(min=40), default=None,
              help="Width of the side-by-side view [default: the terminal's].")
@_command
def compare(file_a, file_b, fmt, passage_threshold, text_field, width) -> None:
    """Show the passages two articles share, side by side.

    Verbatim and near-verbatim passages mark the edits: words FILE_A has that FILE_B dropped
    or replaced [-like this-], words FILE_B has instead {+like this+}. Rewritten passages mark
    the content words both use [=like this=]. A quotation both give is named.

    \b
    Example:
      provenance compare seeds/000_f9740930b9afea8b.txt seeds/001_3f6639795f3717d1.txt
    """
    docs = []
    for path in (file_a, file_b):
        try:
            corpus = read(path, text_field=text_field)
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from exc
        if len(corpus.documents) != 1:
            reason = corpus.skipped[0].reason if corpus.skipped else (
                f"it holds {len(corpus.documents)} articles")
            raise click.ClickException(f"{path}: compare needs one article per file ({reason})")
        docs.append(corpus.documents[0])
    options = PassageOptions(threshold=passage_threshold)
    found = align(docs[0], docs[1], options)
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in found], sort_keys=True, indent=2,
                              ensure_ascii=False))
        return
    if not found:
        click.echo(f"{docs[0].id} and {docs[1].id} share no passage.")
        return
    width = width or shutil.get_terminal_size((100, 24)).columns
    click.echo(f"{len(found)} passages shared by {docs[0].id} and {docs[1].id}\n")
    click.echo(compare_view(found, docs[0].text, docs[1].text, width=width), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True))
@click.option("--include", multiple=True, metavar="GLOB",
              help="Read only files matching GLOB. Repeatable.")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Leave out files matching GLOB. Repeatable.")
@click.option("--text-field", metavar="NAME",
              help="JSON field or CSV column holding the article text "
                   "[default: text, body, content, article, maintext, story].")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Largest article read; larger ones are skipped.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True),
              default=_DEDUP.threshold, show_default=True,
              help="Estimated Jaccard at or above which two documents are near-duplicates.")
@click.option("--shingle", type=click.IntRange(1, 64), default=_DEDUP.shingle_size,
              show_default=True, help="Words per shingle.")
@click.option("--num-perm", type=click.IntRange(2, 1024), default=_DEDUP.num_perm,
              show_default=True, help="MinHash permutations.")
@click.option("--seed", type=int, default=_DEDUP.seed, show_default=True,
              help="MinHash seed (datasketch-compatible).")
@click.option("--engine", type=click.Choice(["auto", "numpy", "numba"]),
              default=_DEDUP.engine, show_default=True,
              help="Hashing core: numba kernel, numpy reference, or auto by size.")
@click.option("-f", "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True, help="One decision per document.")
@click.option("--dropped-only", is_flag=True, help="List only the documents to drop.")
@click.option("--skipped", "skipped_list", type=click.Path(dir_okay=False, writable=True),
              help="Also write the inputs that could not be read, with reasons, as JSONL.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the decisions to this file instead of standard output.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or notes on standard error.")
@_command
def dedup(paths, include, exclude, text_field, max_bytes, threshold, shingle, num_perm, seed,
          engine, fmt, dropped_only, skipped_list, output, quiet) -> None:
    """Decide which documents in PATHS to keep: one per group of near-duplicates.

    Writes one decision per document, in input order: id, keep (true/false), cluster and
    representative (the id of the document kept for its group), similarity to it, shingles,
    and near_clusters (other groups it also resembles: a chain). The representative is the
    earliest published, then the longest; the decisions do not depend on the input order.
    Documents are streamed: a corpus larger than memory works.

    \b
    Examples:
      provenance dedup archive/ -o decisions.jsonl
      zcat articles.jsonl.gz | provenance dedup - --threshold 0.9 --dropped-only
    """
    show = not quiet and sys.stderr.isatty()
    counter = _ReadCounter(show)
    skipped: list[Skipped] = []
    legacy: list[Document] = []

    def items():
        for item in iter_read(paths, include=include, exclude=exclude, text_field=text_field,
                              max_bytes=max_bytes,
                              stdin=sys.stdin.buffer if "-" in paths else None):
            counter(item)
            if isinstance(item, Skipped):
                skipped.append(item)
            elif item.encoding not in (None, "utf-8", "utf-8-sig"):  # noted, text not kept
                legacy.append(Document(item.id, "", path=item.path, encoding=item.encoding))
            yield item

    try:
        options = DedupOptions(threshold=threshold, minhash=MinHashOptions(
            shingle=f"word:{shingle}", num_perm=num_perm, seed=seed, engine=engine))
        result = run_dedup(items(), options)
    except ProvenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    counter.close()
    if skipped_list:
        _emit("".join(json.dumps(x.to_dict(), ensure_ascii=False) + "\n" for x in skipped),
              skipped_list, quiet)
    if not quiet:
        _note_skipped(tuple(skipped), "in --skipped FILE")
        _note_legacy_encodings(tuple(legacy))
    if not result.decisions:
        raise click.ClickException(
            f"no readable documents in {', '.join(paths)}"
            + (f" ({len(skipped)} inputs skipped, reasons above)" if skipped else ""))
    rows = [d for d in result.decisions if not (dropped_only and d.keep)]
    if fmt == "csv":
        text = decisions_csv(rows)
    else:
        text = "".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in rows)
    _emit(text, output, quiet)
    if not quiet:
        total = len(result.decisions)
        seconds = sum(result.timings.values())
        click.echo(f"{total:,} documents: keep {result.kept:,}, drop {total - result.kept:,} "
                   f"in {result.clusters:,} groups of near-duplicates; {len(skipped):,} inputs "
                   f"skipped; {seconds:.1f} s", err=True)


@cli.group()
def index() -> None:
    """A persistent index for pipelines: add articles as they arrive, query new ones.

    INDEX is a SQLite file (created on first use) or a Redis URL such as
    redis://localhost:6379/0 for several workers. Input and output are JSONL, so the commands
    compose in shell pipelines.

    \b
    Examples:
      provenance index add archive.db archive/
      zcat today.jsonl.gz | provenance index query archive.db - --format json
      provenance index stats archive.db
      provenance index remove archive.db wire/2023-04-05
      provenance index compact archive.db
    """


def _open_index(location: str, **settings) -> Index:
    try:
        return Index(location, **settings)
    except ProvenanceError as exc:
        raise click.ClickException(str(exc)) from exc


def _documents(paths, text_field, max_bytes, quiet):
    """Documents from PATHS (folders, files, - for JSONL on stdin), skipped inputs noted."""
    skipped: list[Skipped] = []
    for item in iter_read(paths, text_field=text_field, max_bytes=max_bytes,
                          stdin=sys.stdin.buffer if "-" in paths else None):
        if isinstance(item, Skipped):
            skipped.append(item)
            if not quiet:
                click.echo(f"skipped {item.path}: {item.reason}", err=True)
        else:
            yield item
    if skipped and not quiet:
        click.echo(f"{len(skipped)} inputs skipped (reasons above)", err=True)


@index.command("add")
@click.argument("location", metavar="INDEX")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True))
@click.option("--text-field", metavar="NAME", help="JSON field or CSV column with the text.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Largest article read; larger ones are skipped.")
@click.option("--on-duplicate", type=click.Choice(["replace", "skip", "error"]),
              default="replace", show_default=True, help="An id already in the index.")
@click.option("--batch", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Documents per transaction: a crash loses at most the batch in flight.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.5,
              show_default=True, help="For a new index: similarity its bands are tuned for.")
@click.option("-q", "--quiet", is_flag=True, help="No per-document lines, no notes.")
@_command
def index_add(location, paths, text_field, max_bytes, on_duplicate, batch, threshold,
              quiet) -> None:
    """Add the documents of PATHS to INDEX; one JSON line per document on stdout
    ({"id", "status": added | replaced | skipped})."""
    total = {"added": 0, "replaced": 0, "skipped": 0}
    pending: list[Document] = []
    ix: Index | None = None  # opened with the first document, so bad input creates no index

    def flush():
        nonlocal ix
        if not pending:
            return
        if ix is None:
            ix = _open_index(location, threshold=threshold)
        try:
            result = ix.add(pending, on_duplicate=on_duplicate)
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from exc
        pending.clear()
        for status, ids in (("added", result.added), ("replaced", result.replaced),
                            ("skipped", result.skipped)):
            total[status] += len(ids)
            if not quiet:
                for id_ in ids:
                    click.echo(json.dumps({"id": id_, "status": status}, ensure_ascii=False))

    try:
        for doc in _documents(paths, text_field, max_bytes, quiet):
            pending.append(doc)
            if len(pending) >= batch:
                flush()
        flush()
        if ix is None:
            raise click.ClickException(f"no readable documents in {', '.join(paths)}; nothing "
                                       "was added")
        size = len(ix)
    finally:
        if ix is not None:
            ix.close()
    click.echo(f"{location}: {total['added']:,} added, {total['replaced']:,} replaced, "
               f"{total['skipped']:,} skipped; {size:,} documents in the index", err=True)


@index.command("query")
@click.argument("location", metavar="INDEX")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True))
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=None,
              help="Similarity for a match without passages [default: the index's].")
@click.option("-k", "--top", "k", type=click.IntRange(min=1), default=10, show_default=True,
              help="Matches per query document.")
@click.option("--passages/--no-passages", default=True, show_default=True,
              help="Also find the passages each match shares with the query.")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="json: one line per query document.")
@click.option("--text-field", metavar="NAME", help="JSON field or CSV column with the text.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Largest article read; larger ones are skipped.")
@click.option("-q", "--quiet", is_flag=True, help="No notes on standard error.")
@_command
def index_query(location, paths, threshold, k, passages, fmt, text_field, max_bytes,
                quiet) -> None:
    """Which indexed documents each document of PATHS repeats, with the passages.

    PATHS are files, folders or - (JSONL on stdin); the queries are not added."""
    if not Path(location).exists() and "://" not in location:
        raise click.ClickException(f"{location}: no such index; create it with "
                                   "'provenance index add'")
    with _open_index(location) as ix:
        for doc in _documents(paths, text_field, max_bytes, quiet):
            try:
                found = ix.query(doc, threshold=threshold, k=k, passages=passages)
            except ProvenanceError as exc:
                raise click.ClickException(str(exc)) from exc
            if fmt == "json":
                click.echo(json.dumps({"query": doc.id, "matches": [m.to_dict() for m in found]},
                                      ensure_ascii=False, sort_keys=True))
                continue
            click.echo(f"{doc.id}: {len(found)} matches" if found else
                       f"{doc.id}: no matches")
            for m in found:
                click.echo(f"  {m.id}  similarity {m.similarity:.3f}  {len(m.passages)} "
                           f"passages" + (f"  ({m.outlet})" if m.outlet else ""))
                for p in m.passages[:3]:
                    click.echo(f"    {p.kind}: {' '.join(p.b_text.split())[:110]}")


@index.command("stats")
@click.argument("location", metavar="INDEX")
@_command
def index_stats(location) -> None:
    """Print what INDEX holds, as JSON: documents, format, settings, size on disk and key runs
    (SQLite) or memory and keys (Redis)."""
    if not Path(location).exists() and "://" not in location:
        raise click.ClickException(f"{location}: no such index")
    with _open_index(location) as ix:
        try:
            click.echo(json.dumps(ix.stats(), sort_keys=True))
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from exc


@index.command("remove")
@click.argument("location", metavar="INDEX")
@click.argument("ids", nargs=-1, required=True)
@_command
def index_remove(location, ids) -> None:
    """Remove documents by id from INDEX (- reads ids from stdin, one a line); one JSON line
    per id ({"id", "removed": true | false})."""
    if not Path(location).exists() and "://" not in location:
        raise click.ClickException(f"{location}: no such index")
    wanted = [line.strip() for line in sys.stdin if line.strip()] if ids == ("-",) else list(ids)
    with _open_index(location) as ix:
        try:
            gone = set(ix.remove(wanted))
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from exc
        for id_ in wanted:
            click.echo(json.dumps({"id": id_, "removed": id_ in gone}, ensure_ascii=False))
        click.echo(f"{location}: {len(gone)} removed; {len(ix):,} documents left", err=True)


@index.command("compact")
@click.argument("location", metavar="INDEX")
@_command
def index_compact(location) -> None:
    """Merge INDEX's key runs into one and drop the keys of removed documents (SQLite; adds
    merge as they go, so this is optional: after large removals, or before a read-only copy)."""
    if not Path(location).exists() and "://" not in location:
        raise click.ClickException(f"{location}: no such index")
    with _open_index(location) as ix:
        try:
            before = ix.stats()
            ix.compact()
            after = ix.stats()
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from exc
    if "runs" in after:
        click.echo(f"{location}: {before['runs']} runs -> {after['runs']}; key entries "
                   f"{before['key_entries']:,} -> {after['key_entries']:,}; "
                   f"{after['bytes']:,} bytes", err=True)
    else:
        click.echo(f"{location}: nothing to compact on {after['backend']}", err=True)


@index.command("upgrade")
@click.argument("source", metavar="OLD_INDEX", type=click.Path(exists=True, dir_okay=False))
@click.argument("target", metavar="NEW_INDEX")
@_command
def index_upgrade(source, target) -> None:
    """Copy a format-1 index (provenance before the key runs) into a new index, NEW_INDEX (a
    file or a Redis URL), with the same settings. OLD_INDEX is only read."""
    from provenance.index import upgrade

    if "://" not in target and Path(target).exists():
        raise click.ClickException(f"{target}: exists; give a new file for the upgraded index")
    try:
        copied = upgrade(source, target)
    except ProvenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{source} -> {target}: {copied:,} documents copied", err=True)


def _note_skipped(skipped: tuple[Skipped, ...],
                  where: str = "under 'skipped' in --format json") -> None:
    if not skipped:
        return
    click.echo(f"skipped {len(skipped)} inputs:", err=True)
    for s in skipped[:_SKIPPED_SHOWN]:
        click.echo(f"  {s.path}: {s.reason}", err=True)
    if len(skipped) > _SKIPPED_SHOWN:
        click.echo(f"  ... and {len(skipped) - _SKIPPED_SHOWN} more (all are listed {where})",
                   err=True)


def _note_legacy_encodings(documents: tuple[Document, ...]) -> None:
    legacy = [d for d in documents if d.encoding not in (None, "utf-8", "utf-8-sig")]
    if not legacy:
        return
    click.echo(f"note: {len(legacy)} files were not UTF-8 and were decoded as detected "
               "(check them, or save them as UTF-8):", err=True)
    for d in legacy[:_SKIPPED_SHOWN]:
        click.echo(f"  {d.path}: {d.encoding}", err=True)
    if len(legacy) > _SKIPPED_SHOWN:
        click.echo(f"  ... and {len(legacy) - _SKIPPED_SHOWN} more ('encoding' in --format "
                   "json)", err=True)


class _ReadCounter:
    """Counts documents as they are read, on one updating line of stderr."""

    def __init__(self, show: bool) -> None:
        self.show, self.docs, self.skipped = show, 0, 0

    def __call__(self, item: Document | Skipped) -> None:
        if isinstance(item, Document):
            self.docs += 1
        else:
            self.skipped += 1
        if self.show and (self.docs + self.skipped) % 500 == 0:
            click.echo(f"\rreading: {self.docs:,} documents, {self.skipped:,} skipped",
                       err=True, nl=False)

    def close(self) -> None:
        if self.show and self.docs + self.skipped >= 500:
            click.echo(f"\rreading: {self.docs:,} documents, {self.skipped:,} skipped", err=True)


class _PhaseBar:
    """A click progress bar per analysis phase, on stderr, for runs long enough to need one."""

    def __init__(self, show: bool) -> None:
        self.show, self.bar, self.phase = show, None, None

    def __enter__(self) -> _PhaseBar:
        return self

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.show or total < 1000:
            return
        if phase != self.phase:
            self._close()
            self.phase = phase
            self.bar = click.progressbar(length=total, label=f"{phase:<8}", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __exit__(self, *exc) -> None:
        self._close()


if __name__ == "__main__":  # pragma: no cover
    cli()
