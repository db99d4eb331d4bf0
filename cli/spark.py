"""``python -m provenance_cli.spark {dedup,passages,trace} INPUT... OUTPUT_DIR`` -- the Spark
engine's front end, also a ``spark-submit`` application (spark-submit takes a file:
``spark-submit --master yarn "$(python -c 'import provenance_cli.spark as m;
print(m.__file__)')" dedup hdfs:///news/*.jsonl.gz hdfs:///out``). A thin front end: it parses
arguments, calls one function of :mod:`provenance.spark.commands`, and prints its summary as
one JSON line; errors are one line on stderr and exit code 1 (2 for usage)."""

from __future__ import annotations

import argparse
import json
import sys

from provenance.errors import ProvenanceError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provenance_cli.spark",
                                     description="The Spark engine of provenance.")
    parser.add_argument("command", choices=("dedup", "passages", "trace"))
    parser.add_argument("paths", nargs="+", metavar="INPUT... OUTPUT_DIR",
                        help="JSONL or Parquet inputs (any path Spark reads), then the output "
                        "folder")
    parser.add_argument("--master", default=None,
                        help="Spark master (local[2], yarn, spark://...); default: spark-submit's")
    parser.add_argument("--input-format", choices=("jsonl", "parquet"), default="jsonl")
    parser.add_argument("--format", dest="output_format", choices=("jsonl", "parquet"),
                        default="jsonl", help="output format")
    parser.add_argument("--text-field", default=None)
    parser.add_argument("--max-bytes", type=int, default=None)
    parser.add_argument("--threshold", type=float, default=None,
                        help="dedup: estimated Jaccard (0.8); trace: pairs' LSH threshold (0.5)")
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--estimate", action="store_true",
                        help="dedup: decide on the MinHash estimate instead of the exact "
                        "Jaccard of the candidates' shingle sets (as `provenance dedup`)")
    parser.add_argument("--dropped-only", action="store_true")
    parser.add_argument("--passage-threshold", type=float, default=0.37)
    args = parser.parse_args(argv)
    if len(args.paths) < 2:
        parser.error("give at least one INPUT and the OUTPUT_DIR")
    *inputs, output = args.paths
    from provenance.options import DedupOptions, MinHashOptions, PassageOptions, ScanConfig
    from provenance.read.files import DEFAULT_MAX_BYTES
    from provenance.spark import commands

    common = {"master": args.master, "input_format": args.input_format,
              "output_format": args.output_format, "text_field": args.text_field,
              "max_bytes": args.max_bytes or DEFAULT_MAX_BYTES}
    try:
        if args.command == "dedup":
            options = DedupOptions(threshold=args.threshold or 0.8, minhash=MinHashOptions(
                num_perm=args.num_perm, seed=args.seed), exact=not args.estimate)
            summary = commands.run_dedup(inputs, output, options=options,
                                         dropped_only=args.dropped_only, **common)
        elif args.command == "passages":
            summary = commands.run_passages(
                inputs, output, options=PassageOptions(threshold=args.passage_threshold),
                **common)
        else:
            config = ScanConfig(threshold=args.threshold or 0.5, num_perm=args.num_perm,
                                seed=args.seed, passage_threshold=args.passage_threshold)
            summary = commands.run_trace(inputs, output, config=config, **common)
    except ProvenanceError as exc:
        print(f"provenance spark: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a failed Spark job: one line, not a JVM stack trace
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"provenance spark: the Spark job failed ({type(exc).__name__}: {first}); see "
              "the Spark log above", file=sys.stderr)
        return 1
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
