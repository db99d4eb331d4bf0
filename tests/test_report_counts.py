"""One set of counts: scan, trace and report say the same numbers for the same input."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from provenance import analyze, read
from provenance.render.counts import counts, counts_line
from provenance.render.html import report_data
from provenance_cli.main import cli


def test_scan_trace_and_report_agree(seeds_dir):
    analysis = analyze(read(seeds_dir))
    line = counts_line(analysis)
    runner = CliRunner()
    scan = runner.invoke(cli, ["scan", str(seeds_dir), "-q"])
    trace = runner.invoke(cli, ["trace", str(seeds_dir), "-q"])
    assert scan.exit_code == 0 and trace.exit_code == 0
    assert line in scan.stdout and line in trace.stdout
    c = report_data(analysis)["counts"]
    assert c == counts(analysis)
    numbers = [int(x.replace(",", "")) for x in re.findall(r"\d[\d,]*",
                                                            line.replace(">= 0.01", ""))]
    assert numbers == [c["documents"], c["pairs"], c["pairs_with_passages_below_min_score"],
                       c["passages"], c["families"], c["edges"]]
    scanned = json.loads(runner.invoke(cli, ["scan", str(seeds_dir), "-q", "-f",
                                             "json"]).stdout)
    assert len(scanned["pairs"]) == c["pairs"] and len(scanned["edges"]) == c["edges"]
    # the report's extra pairs are exactly the pairs only a passage joins
    pairs = report_data(analysis)["pairs"]
    assert sum(not p["listed"] for p in pairs) == c["pairs_with_passages_below_min_score"] == 1
