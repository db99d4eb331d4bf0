"""The ``provenance`` command: a thin click layer over the library.

Each command parses its options, calls one library function, and renders the result with
``provenance.render``. Library errors become one-line messages in one place (:class:`_Group`):
exit code 2 for a setting outside its rule (``ConfigError``, like click's usage errors), 1 for
everything else that stops a run (nothing readable, an index that cannot be opened, an
unwritable output).
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from typing import TYPE_CHECKING

import click

from provenance import __version__
from provenance.dedup import PreparedBatches, dedup_prepared
from provenance.errors import ConfigError, ProvenanceError
from provenance.options import (
    DedupOptions,
    MinHashOptions,
    PassageOptions,
    ScanOptions,
)
from provenance.read import Corpus, iter_read, read
from provenance.render import csv as render_csv
from provenance.render import json as render_json
from provenance.render.counts import counted
from provenance.signatures import KERNEL_MIN_BYTES, kernels_cached, warm_up
from provenance_cli.console import Console, OutputTarget
from provenance_cli.options import (
    Inputs,
    Share,
    input_options,
    minhash_options,
    output_options,
    scan_options,
    spark_options,
)

# The commands import what only they use (the scan and the trace, the index, the HTML and PNG
# renderers) when they run: a new process for 'provenance dedup' starts without them.
if TYPE_CHECKING:
    from provenance.index import Index

_SCAN = ScanOptions()
_DEDUP = DedupOptions()


class _Group(click.Group):
    """The one error boundary: library errors become one-line messages and exit codes."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise  # click reports these itself (a closed pipe quietly)
        except ConfigError as exc:
            raise click.UsageError(str(exc), ctx) from exc
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
def cli() -> None:
    """Find near-duplicate articles and repeated passages in a folder of news articles.

    Start with: provenance scan seeds/
    """


def _shingle_note(console: Console) -> None:
    note = click.get_current_context().meta.get("shingle_note")
    if note:
        console.note(note)


def _read(console: Console, inputs: Inputs) -> Corpus:
    """The documents of PATHS, the skipped inputs noted; no document at all is an error."""
    corpus = read(inputs.paths, **inputs.reader_options(on_item=console.on_item))
    console.done_reading()
    console.notes_on_inputs(corpus.skipped, corpus.documents)
    if not corpus.documents:
        raise click.ClickException(
            f"no readable documents in {', '.join(inputs.paths)}"
            + (f" ({len(corpus.skipped)} inputs skipped, reasons above)" if corpus.skipped
               else "; add .txt, .md, .html, .json, .jsonl or .csv articles"))
    return corpus


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _kernels(console: Console, road: str | None, engine: str = "numba",
             passages: bool = False) -> None:
    """Compile the kernels of ``road`` (scan, dedup, index) ahead of their first use, saying
    so, when they are not cached yet (once per machine, 15-25 s of CPU), so no command stalls
    silently.
    The passage kernels compile at their first use, after the same note."""
    from provenance.passages.kernel import kernels_cached as passage_kernels_cached

    signing = road is not None and engine != "numpy" and not kernels_cached(road)
    if signing or (passages and not passage_kernels_cached()):
        console.note("compiling the kernels once (15-25 s of CPU; later runs load them from the "
                     "cache)")
    if signing:
        warm_up(road)


def _on_spark(console: Console, command: str, inputs: Inputs, output: str | None, master,
              spark_format: str, **options) -> None:
    """Run ``command`` on Spark (the spark extra): the results go to files under the folder
    ``-o`` names; a one-line JSON summary goes to standard output."""
    if not output or output == "-":
        raise click.UsageError("--engine spark writes a folder of files: give it with -o DIR")
    if inputs.include or inputs.exclude or inputs.id_field or "-" in inputs.paths:
        raise click.UsageError("--engine spark reads the JSONL or Parquet files named (any path "
                               "Spark reads); --include, --exclude, --id-field and - are not "
                               "available there")
    try:
        from provenance.spark import commands
    except ImportError as exc:
        raise click.ClickException("--engine spark needs the spark extra: pip install "
                                   "'news-provenance[spark]' (and Java 17+)") from exc
    run = {"dedup": commands.run_dedup, "passages": commands.run_passages,
           "trace": commands.run_trace}[command]
    parquet = all(str(p).endswith(".parquet") for p in inputs.paths)
    console.note(f"running {command} on Spark ({master or 'the default master'}); results "
                 f"under {output}/")
    try:
        summary = run(list(inputs.paths), output, master=master, output_format=spark_format,
                      input_format="parquet" if parquet else "jsonl",
                      text_field=inputs.text_field, max_bytes=inputs.max_bytes, **options)
    except (ProvenanceError, click.ClickException):
        raise
    except Exception as exc:  # a failed Spark job: one line, not a JVM stack trace
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise click.ClickException(f"the Spark job failed ({type(exc).__name__}: {first}); "
                                   "see the Spark log above") from exc
    click.echo(render_json.line(summary), nl=False)


def _scan(console: Console, inputs: Inputs, options: ScanOptions):
    from provenance.scan import analyze

    corpus = _read(console, inputs)
    signing = options.engine == "numba" or (options.engine == "auto" and sum(
        len(d.text) for d in corpus.documents) >= KERNEL_MIN_BYTES)
    _kernels(console, "scan" if signing else None, passages=options.passages is not None)
    with console:
        return analyze(corpus, options, progress=console.progress)


def _scan_options(shingle, num_perm, seed, engine, threshold, matrix_limit, dayfirst=None,
                  min_score=None, passage_threshold=None, passages=True) -> ScanOptions:
    return ScanOptions(
        minhash=MinHashOptions(shingle=shingle, num_perm=num_perm, seed=seed, engine=engine),
        threshold=threshold, matrix_limit=matrix_limit, dayfirst=dayfirst,
        min_score=_SCAN.min_score if min_score is None else min_score,
        passages=PassageOptions(threshold=passage_threshold) if passages else None)


@cli.command()
@input_options
@minhash_options
@scan_options
@click.option("--min-score", type=Share(closed=True), default=_SCAN.min_score,
              show_default=True,
              help="List a pair when its Jaccard or either containment reaches this.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="Pairs and passages shown in the table report.")
@click.option("--passages/--no-passages", default=True, show_default=True,
              help="Also find repeated and rewritten passages.")
@output_options(("table", "json", "csv"),
                help="table: a readable report; json: everything; csv: the pair list.")
def scan(inputs, fmt, output, quiet, top, passages, **settings) -> None:
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
    from provenance.render.text import table_report

    console, target = Console(quiet), OutputTarget(output, inputs=inputs.paths)
    _shingle_note(console)
    analysis = _scan(console, inputs, _scan_options(passages=passages, **settings))
    render = {"json": render_json.to_json, "csv": render_csv.pairs_csv}.get(fmt)
    target.write(render(analysis) if render else table_report(analysis, top=top), console)


@cli.command()
@input_options
@minhash_options
@scan_options(passages=False)
@click.option("--measure", type=click.Choice(["jaccard", "containment"]), default="jaccard",
              show_default=True,
              help="jaccard, or containment: row i, column j = share of i found in j.")
@click.option("--png", type=click.Path(dir_okay=False),
              help="Also draw the matrix as a PNG heat map (needs the 'plot' extra: "
                   "matplotlib).")
@output_options(("table", "json", "csv"))
def matrix(inputs, fmt, measure, png, output, quiet, **settings) -> None:
    """Print the document x document similarity matrix of PATHS.

    Exact over shingle sets, for up to --matrix-limit documents.

    \b
    Examples:
      provenance matrix seeds/
      provenance matrix seeds/ --measure containment --format csv -o matrix.csv
      provenance matrix seeds/ --png matrix.png
    """
    from provenance.render.png import matrix_png
    from provenance.render.text import matrix_table

    console, target = Console(quiet), OutputTarget(output, inputs=inputs.paths)
    picture = OutputTarget(png, "--png", inputs=inputs.paths) if png else None
    _shingle_note(console)
    # the matrix needs no pair list and no passages
    analysis = _scan(console, inputs, _scan_options(min_score=1.0, passages=False, **settings))
    if analysis.matrix is None:
        raise click.ClickException(
            f"{len(analysis.documents)} documents is more than --matrix-limit "
            f"{analysis.config.matrix_limit}; raise the limit, or use 'provenance scan' for the "
            "pair list")
    if picture is not None:
        picture.write_with(lambda path: matrix_png(analysis, path, measure))
        console.note(f"wrote {png}")
    render = {"table": matrix_table, "csv": render_csv.matrix_csv,
              "json": render_json.matrix_json}[fmt]
    text = render(analysis.matrix, measure)
    target.write(text if text.endswith("\n") else text + "\n", console)


@cli.command()
@input_options
@click.option("--passage-threshold", type=Share(), default=PassageOptions().threshold,
              show_default=True,
              help="Weighted term overlap at which two sentences match (rewritten or closer).")
@click.option("--engine", type=click.Choice(["auto", "spark"]), default="auto",
              show_default=True, help="auto: this machine; spark: run on Spark (the spark "
                                      "extra; results under -o DIR).")
@spark_options
@output_options(("table", "json", "csv"))
def passages(inputs, passage_threshold, engine, master, spark_format, fmt, output,
             quiet) -> None:
    """List the passages repeated or rewritten between the articles in PATHS.

    Each passage gives both documents, character spans into each, a score (weighted overlap of
    content words), a kind (verbatim, near_verbatim, rewritten) and whether the shared words
    are a quotation on both sides.

    \b
    Examples:
      provenance passages seeds/
      provenance passages seeds/ --format json -o passages.json
    """
    console = Console(quiet)
    if engine == "spark":
        _on_spark(console, "passages", inputs, output, master, spark_format,
                  options=PassageOptions(threshold=passage_threshold))
        return
    from provenance.render.text import passages_table

    target = OutputTarget(output, inputs=inputs.paths)
    options = ScanOptions(passages=PassageOptions(threshold=passage_threshold))
    found = _scan(console, inputs, options).passages
    if fmt == "json":
        text = render_json.passages_json(found)
    elif fmt == "csv":
        text = render_csv.passages_csv(found)
    elif found:
        text = passages_table(found) + "\n"
    else:
        text = "No repeated or rewritten passages found.\n"
    target.write(text, console)


@cli.command()
@input_options
@minhash_options(spark=True)
@scan_options
@spark_options
@click.option("--graphml", type=click.Path(dir_okay=False), help="Also write the graph as "
              "GraphML (for Gephi, yEd, networkx).")
@click.option("--dot", type=click.Path(dir_okay=False), help="Also write the graph as Graphviz "
              "DOT.")
@output_options(("table", "json"), help="table: families (largest first), outlet flows, then "
                                        "edges with reasons; json: the same with each "
                                        "document's churnalism share, attributions and dates.")
def trace(inputs, fmt, graphml, dot, master, spark_format, output, quiet, **settings) -> None:
    """Infer who likely repeated whom among the articles in PATHS, with the evidence.

    First the reuse families: each piece of repeated text, its origin (the earliest or fullest
    version, a credited outside source, or a quoted speaker) and its members in time order with
    whom each likely took it from. Then the flows between outlets, then the document edges
    derived from the families. Edges run source -> target: attributed (an outlet or
    organization an article credits), copied / rewrote (a member and the member it likely took
    the text from), common_source (siblings: both took it from the same origin, or quote the
    same speaker), undecided.

    \b
    Examples:
      provenance trace seeds/
      provenance trace archive/ --graphml graph.graphml --dot graph.dot
      provenance trace news.jsonl --engine spark --master 'local[2]' -o traced/
    """
    console = Console(quiet)
    if settings["engine"] == "spark":
        _on_spark(console, "trace", inputs, output, master, spark_format,
                  config=_scan_options(**{**settings, "engine": "auto"}))
        return
    from provenance.render.text import trace_report
    from provenance.trace.graph import to_dot, to_graphml

    target = OutputTarget(output, inputs=inputs.paths)
    graphs = [(OutputTarget(path, option, inputs=inputs.paths), render) for path, option, render in
              ((graphml, "--graphml", to_graphml), (dot, "--dot", to_dot)) if path]
    _shingle_note(console)
    analysis = _scan(console, inputs, _scan_options(**settings))
    for graph_target, render in graphs:
        graph_target.write(render(analysis.documents, analysis.edges), console)
    if fmt == "json":
        text = render_json.trace_json(analysis)
    else:
        text = trace_report(analysis)
    target.write(text, console)


@cli.command()
@input_options
@minhash_options
@scan_options
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
@output_options((), output_help="Write the page to this file [default: report.html].")
def report(inputs, by, layout, max_edges, title, output, quiet, **settings) -> None:
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
    from provenance.render.html import render_report

    console = Console(quiet)
    target = OutputTarget(output or "report.html", inputs=inputs.paths)
    _shingle_note(console)
    analysis = _scan(console, inputs, _scan_options(**settings))
    target.write(render_report(analysis, by=by, max_edges=max_edges, title=title,
                                 layout=layout), console)


@cli.command()
@click.argument("file_a", type=click.Path(exists=True, dir_okay=False))
@click.argument("file_b", type=click.Path(exists=True, dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: side by side; json: the passages.")
@click.option("--passage-threshold", type=Share(), default=PassageOptions().threshold,
              show_default=True, help="Weighted term overlap at which two sentences match.")
@click.option("--text-field", metavar="NAME", help="JSON field or CSV column with the text.")
@click.option("--width", type=click.IntRange(min=40), default=None,
              help="Width of the side-by-side view [default: the terminal's].")
def compare(file_a, file_b, fmt, passage_threshold, text_field, width) -> None:
    """Show the passages two articles share, side by side.

    Verbatim and near-verbatim passages mark the edits: words FILE_A has that FILE_B dropped
    or replaced [-like this-], words FILE_B has instead {+like this+}. Rewritten passages mark
    the content words both use [=like this=]. A quotation both give is named.

    \b
    Example:
      provenance compare seeds/000_f9740930b9afea8b.txt seeds/001_3f6639795f3717d1.txt
    """
    from provenance.passages import align
    from provenance.render.text import compare_view

    docs = []
    for path in (file_a, file_b):
        corpus = read(path, text_field=text_field)
        if len(corpus.documents) != 1:
            reason = corpus.skipped[0].reason if corpus.skipped else (
                f"it holds {len(corpus.documents)} articles")
            raise click.ClickException(f"{path}: compare needs one article per file ({reason})")
        docs.append(corpus.documents[0])
    found = align(docs[0], docs[1], PassageOptions(threshold=passage_threshold))
    if fmt == "json":
        click.echo(render_json.passages_json(found), nl=False)
    elif not found:
        click.echo(f"{docs[0].id} and {docs[1].id} share no passage.")
    else:
        width = width or shutil.get_terminal_size((100, 24)).columns
        click.echo(f"{len(found)} passages shared by {docs[0].id} and {docs[1].id}\n")
        click.echo(compare_view(found, docs[0].text, docs[1].text, width=width), nl=False)


@cli.command()
@input_options
@click.option("--threshold", type=Share(), default=_DEDUP.threshold, show_default=True,
              help="Jaccard at or above which two documents are near-duplicates.")
@minhash_options(shingle_help="word:N (word n-grams; a bare N still means word:N).",
                 spark=True)
@spark_options
@click.option("--estimate", is_flag=True,
              help="Decide on the MinHash estimate alone, without the exact check of each "
                   "candidate pair (faster, about 1% of decisions off at the threshold).")
@click.option("--dropped-only", is_flag=True, help="List only the documents to drop.")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Cores to use [default: all]: the compiled kernels' threads; with 2 or "
                   "more, the inputs are read in a second process (Linux) beside the signing.")
@click.option("--skipped", "skipped_list", type=click.Path(dir_okay=False, allow_dash=False),
              help="Also write the inputs that could not be read, with reasons, as JSONL.")
@output_options(("jsonl", "csv"), help="One decision per document.",
                output_help="Write the decisions to this file instead of standard output.")
def dedup(inputs, threshold, shingle, num_perm, seed, engine, master, spark_format, estimate,
          dropped_only, threads, skipped_list, fmt, output, quiet) -> None:
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
      provenance dedup news.jsonl.gz --engine spark --master 'local[2]' -o decisions/
    """
    console = Console(quiet)
    if engine == "spark":
        _on_spark(console, "dedup", inputs, output, master, spark_format,
                  dropped_only=dropped_only,
                  options=DedupOptions(threshold=threshold, exact=not estimate,
                                       minhash=MinHashOptions(shingle=shingle, num_perm=num_perm,
                                                              seed=seed)))
        return
    target = OutputTarget(output, inputs=inputs.paths)
    skipped_target = OutputTarget(skipped_list, "--skipped", inputs=inputs.paths) if skipped_list \
        else None
    _shingle_note(console)
    options = DedupOptions(threshold=threshold, exact=not estimate, threads=threads,
                           minhash=MinHashOptions(shingle=shingle, num_perm=num_perm, seed=seed,
                                                  engine=engine))
    items = iter_read(inputs.paths, **inputs.reader_options())
    # The run makes millions of short-lived objects and no garbage cycles: the collector would
    # only walk the modules' objects again and again, and numba's once more at the exit (0.3 s
    # of CPU at a load of 9).
    gc.disable()
    try:
        # reading starts first (in a second process unless --threads 1), then the kernels load
        with console, PreparedBatches(console.counting(items), options,
                                      separate_process=(threads or _cores()) > 1) as batches:
            _kernels(console, "dedup", engine)
            result = dedup_prepared(batches, options, progress=console.progress)
    finally:
        gc.freeze()  # what is left is kept until the exit, which then need not walk it
        gc.enable()
    if skipped_target is not None:
        skipped_target.write("".join(render_json.line(s.to_dict()) for s in result.skipped),
                             console)
    console.notes_on_inputs(result.skipped, result.legacy, "in --skipped FILE")
    if not result.decisions:
        raise click.ClickException(
            f"no readable documents in {', '.join(inputs.paths)}"
            + (f" ({len(result.skipped)} inputs skipped, reasons above)" if result.skipped
               else ""))
    rows = [d for d in result.decisions if not (dropped_only and d.keep)]
    target.write(render_csv.decisions_csv(rows) if fmt == "csv" else
                 render_json.decisions_jsonl(rows), console)
    total = len(result.decisions)
    console.note(f"{counted(total, 'document')}: keep {result.kept:,}, drop "
                 f"{total - result.kept:,} in {counted(result.clusters, 'group')} of "
                 f"near-duplicates; {counted(len(result.skipped), 'input')} skipped; "
                 f"{sum(result.timings.values()):.1f} s")


# --- the index --------------------------------------------------------------------------------


@cli.group(cls=_Group)
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
      provenance index check archive.db --repair
    """


def _existing(location: str) -> Index:
    """An index that must exist already (queries, stats, removals, checks): the library
    refuses a location that holds none, for a file and a Redis database alike."""
    from provenance.index import Index

    return Index(location, create=False)


def _documents(console: Console, inputs: Inputs, **reader):
    """Documents from PATHS (folders, files, - for JSONL on stdin), skipped inputs and the
    reader's repairs noted as they come (a stream may be endless)."""
    skipped = 0
    for item in iter_read(inputs.paths, **inputs.reader_options(**reader)):
        if hasattr(item, "reason"):
            skipped += 1
            console.note(f"skipped {item.path}: {item.reason}")
        else:
            if item.notes:
                console.note(f"note: {item.id}: {'; '.join(item.notes)}")
            yield item
    if skipped:
        console.note(f"{skipped} inputs skipped (reasons above)")


@index.command("add")
@click.argument("location", metavar="INDEX")
@input_options
@click.option("--on-duplicate", type=click.Choice(["replace", "skip", "error"]),
              default="replace", show_default=True, help="An id already in the index.")
@click.option("--batch", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Documents per transaction: a crash loses at most the batch in flight.")
@click.option("--threshold", type=Share(), default=0.5, show_default=True,
              help="For a new index: similarity its bands are tuned for.")
@click.option("-q", "--quiet", is_flag=True, help="No per-document lines, notes or summary.")
def index_add(location, inputs, on_duplicate, batch, threshold, quiet) -> None:
    """Add the documents of PATHS to INDEX; one JSON line per document on stdout
    ({"id", "status": added | replaced | skipped})."""
    from provenance.index import Index
    from provenance.stores.base import DuplicateIdsError

    console = Console(quiet)
    _kernels(console, "index")
    # a repeated id keeps its name, so the later record replaces the earlier one
    docs = _documents(console, inputs, duplicate_ids="keep")
    total = {"added": 0, "replaced": 0, "skipped": 0}
    size = None
    try:
        for result, ix in Index.add_stream(location, docs, batch=batch,
                                           on_duplicate=on_duplicate, threshold=threshold):
            for id_ in result.repeated:
                console.note(f"note: {id_} was given twice in one batch; the later record was "
                             "stored")
            for status in total:
                ids = getattr(result, status)
                total[status] += len(ids)
                if not quiet:
                    for id_ in ids:
                        click.echo(render_json.line({"id": id_, "status": status}), nl=False)
            size = len(ix)
    except DuplicateIdsError as exc:
        raise click.ClickException(f"{exc}; use --on-duplicate replace or skip") from exc
    if size is None:
        raise click.ClickException(f"no readable documents in {', '.join(inputs.paths)}; nothing "
                                   "was added")
    console.note(f"{location}: {total['added']:,} added, {total['replaced']:,} replaced, "
                 f"{total['skipped']:,} skipped; {size:,} documents in the index")


@index.command("query")
@click.argument("location", metavar="INDEX")
@input_options
@click.option("--threshold", type=Share(), default=None,
              help="Similarity for a match without passages [default: the index's].")
@click.option("-k", "--top", "k", type=click.IntRange(min=1), default=10, show_default=True,
              help="Matches per query document.")
@click.option("--passages/--no-passages", default=True, show_default=True,
              help="Also find the passages each match shares with the query, and the "
                   "families it joins.")
@output_options(("table", "json"), help="json: one line per query document.")
def index_query(location, inputs, threshold, k, passages, fmt, output, quiet) -> None:
    """Which indexed documents each document of PATHS repeats, with the passages, and the
    stored family each part of it joins: its key, origin, first stored member and the query's
    likely parent (JSON: "families"; with --no-passages none are found).

    PATHS are files, folders or - (JSONL on stdin); the queries are not added."""
    console, target = Console(quiet), OutputTarget(output, inputs=inputs.paths)
    _kernels(console, "index", passages=passages)
    lines: list[str] = []
    emit = (lambda text: click.echo(text, nl=False)) if target.path is None else lines.append
    with _existing(location) as ix:
        for doc in _documents(console, inputs):
            if passages:
                answer = ix.query_families(doc, threshold=threshold, k=k)
                found, joined = answer.matches, answer.families
            else:
                found, joined = ix.query(doc, threshold=threshold, k=k, passages=False), None
            if fmt == "json":
                emit(render_json.line({"query": doc.id,
                                       "matches": [m.to_dict() for m in found],
                                       "families": None if joined is None else
                                       [j.to_dict() for j in joined]}))
                continue
            if joined is not None and found:  # no matches: said once, below
                emit(_joined_lines(doc.id, joined))
            emit(f"{doc.id}: {len(found)} matches\n" if found else f"{doc.id}: no matches\n")
            for m in found:
                emit(f"  {m.id}  similarity {m.similarity:.3f}  {len(m.passages)} passages"
                     + (f"  ({m.outlet})" if m.outlet else "") + "\n")
                for p in m.passages[:3]:
                    emit(f"    {p.kind}: {' '.join(p.b_text.split())[:110]}\n")
    if target.path is not None:
        target.write("".join(lines), console)


def _joined_lines(query: str, joined) -> str:
    """The families a query joins, for the table output: key, stored count, first stored
    member, origin, the query's parent."""
    if not joined:
        return f"{query}: joins no stored family\n"
    out = []
    for j in joined:
        first = j.first
        when = f", published {first.published}" if first.published else ", undated"
        n = len(j.stored)
        out.append(f"{query}: joins family {j.key} ({n} stored document{'s' * (n != 1)}, first "
                   f"{first.doc}{when}) with its text [{j.member.start}:{j.member.end}]\n")
        o = j.family.origin
        who = {"document": o.doc, "source": f"source {o.name}",
               "speaker": f"speaker {o.name}"}.get(o.kind, "undecided")
        out.append(f"  origin {who}: {o.reason}\n")
        m = j.member
        out.append(f"  parent {m.parent} ({m.relation}, {m.confidence:.2f})" if m.parent else
                   f"  no parent ({m.relation}, {m.confidence:.2f})")
        out.append(": " + "; ".join(m.reasons) + "\n")
    return "".join(out)


@index.command("stats")
@click.argument("location", metavar="INDEX")
def index_stats(location) -> None:
    """Print what INDEX holds, as JSON: documents, format, settings, size on disk and key runs
    (SQLite) or memory and keys (Redis)."""
    with _existing(location) as ix:
        click.echo(render_json.line(ix.stats()), nl=False)


@index.command("remove")
@click.argument("location", metavar="INDEX")
@click.argument("ids", nargs=-1, required=True)
def index_remove(location, ids) -> None:
    """Remove documents by id from INDEX (- reads ids from stdin, one a line); one JSON line
    per id ({"id", "removed": true | false})."""
    if ids == ("-",):
        wanted = []
        for number, raw in enumerate(sys.stdin.buffer, start=1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise click.ClickException(f"standard input, line {number}: not UTF-8; give one "
                                           "UTF-8 id a line") from None
            if line:
                wanted.append(line)
    else:
        wanted = list(ids)
    with _existing(location) as ix:
        gone = set(ix.remove(wanted))
        for id_ in wanted:
            click.echo(render_json.line({"id": id_, "removed": id_ in gone}), nl=False)
        click.echo(f"{location}: {len(gone)} removed; {len(ix):,} documents left", err=True)


@index.command("compact")
@click.argument("location", metavar="INDEX")
def index_compact(location) -> None:
    """Merge INDEX's key runs into one and drop the keys of removed documents (SQLite; adds
    merge as they go, so this is optional: after large removals, or before a read-only copy)."""
    with _existing(location) as ix:
        before = ix.stats()
        ix.compact()
        after = ix.stats()
    if "runs" in after:
        click.echo(f"{location}: {before['runs']} runs -> {after['runs']}; key entries "
                   f"{before['key_entries']:,} -> {after['key_entries']:,}; "
                   f"{after['bytes']:,} bytes", err=True)
    else:
        click.echo(f"{location}: nothing to compact on {after['backend']}", err=True)


@index.command("check")
@click.argument("location", metavar="INDEX")
@click.option("--repair", is_flag=True,
              help="Remove the damaged documents (add them again from their sources) and "
                   "rebuild damaged keys from the stored texts.")
def index_check(location, repair) -> None:
    """Walk every stored document of INDEX (text checksums, metadata, signatures) and its key
    structures; print what is wrong as JSON. Exit code 1 when something is damaged and was not
    repaired."""
    with _existing(location) as ix:
        report = ix.check(repair=repair)
    click.echo(render_json.line(report.to_dict()), nl=False)
    for note in report.notes:
        click.echo(f"{location}: {note}", err=True)
    if report.ok:
        click.echo(f"{location}: {report.documents:,} documents checked, nothing damaged",
                   err=True)
    elif not (repair and (report.removed or report.rebuilt_keys)):
        raise click.ClickException(f"{location}: {len(report.problems)} problems found; run "
                                   "'provenance index check --repair' to remove the damaged "
                                   "documents")


@index.command("upgrade")
@click.argument("source", metavar="OLD_INDEX", type=click.Path(exists=True, dir_okay=False))
@click.argument("target", metavar="NEW_INDEX")
def index_upgrade(source, target) -> None:
    """Copy a format-1 index (provenance before the key runs) into a new index, NEW_INDEX (a
    file or a Redis URL), with the same settings. OLD_INDEX is only read."""
    from pathlib import Path

    from provenance.index import upgrade

    if "://" not in target and Path(target).exists():
        raise click.ClickException(f"{target}: exists; give a new file for the upgraded index")
    copied = upgrade(source, target)
    click.echo(f"{source} -> {target}: {copied:,} documents copied", err=True)


if __name__ == "__main__":  # pragma: no cover
    cli()
