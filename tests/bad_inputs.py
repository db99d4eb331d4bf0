"""The catalogue of bad inputs and faults tried, what the tool does with each, and the test that
holds it. The README's "Bad input" table is this list (tests/test_catalogue.py checks both).

Print the table with ``python -m tests.bad_inputs``.
"""

from __future__ import annotations

CATALOGUE: list[dict[str, str]] = [
    # --- command line and outputs -------------------------------------------------------------
    {"area": "cli", "case": "NaN or infinite share option (--threshold nan, --min-score nan)",
     "outcome": "usage error, exit 2",
     "test": "tests/test_cli_outputs.py::test_nan_and_out_of_range_options_are_usage_errors"},
    {"area": "cli", "case": "index add/query --threshold nan",
     "outcome": "usage error, exit 2; no index created",
     "test": "tests/test_cli_outputs.py::test_index_thresholds_refuse_nan"},
    {"area": "cli", "case": "--seed -1", "outcome": "usage error, exit 2",
     "test": "tests/test_cli_outputs.py::test_nan_and_out_of_range_options_are_usage_errors"},
    {"area": "cli", "case": "-o - (standard output)",
     "outcome": "written to standard output, no file named -",
     "test": "tests/test_cli_outputs.py::test_dash_output_is_standard_output"},
    {"area": "cli", "case": "-o names one of the inputs",
     "outcome": "usage error before any work; the article is untouched",
     "test": "tests/test_cli_outputs.py::test_an_output_that_is_an_input_is_refused"},
    {"area": "cli", "case": "-o in a missing or unwritable folder",
     "outcome": "exit 1 before the work starts (was: after 95 s on all Reuters)",
     "test": "tests/test_cli.py::test_unwritable_output"},
    {"area": "cli", "case": "a write that fails half-way (disk full)",
     "outcome": "exit 1; yesterday's output left as it was, no temporary file left",
     "test": "tests/test_cli_outputs.py::test_a_failed_write_keeps_yesterdays_output"},
    {"area": "cli", "case": "matrix --png /dev/full, -o /dev/full",
     "outcome": "exit 1, 'cannot write /dev/full' (was: 'wrote', exit 0)",
     "test": "tests/test_cli_outputs.py::test_png_to_a_full_device_is_an_error"},
    {"area": "cli", "case": "index query piped into head",
     "outcome": "quiet (was: 'Error: : Broken pipe')",
     "test": "tests/test_cli_outputs.py::test_a_closed_pipe_is_quiet"},
    {"area": "cli", "case": "index remove - with invalid UTF-8 on stdin",
     "outcome": "exit 1 naming the line (was: a traceback)",
     "test": "tests/test_cli_outputs.py::test_index_remove_with_invalid_utf8_on_stdin"},
    {"area": "cli", "case": "index add --on-duplicate error after earlier batches committed",
     "outcome": "exit 1 saying how many documents earlier batches added",
     "test": "tests/test_cli_outputs.py::test_on_duplicate_error_counts_earlier_batches"},
    {"area": "cli", "case": "index add --quiet", "outcome": "prints nothing",
     "test": "tests/test_cli_outputs.py::test_index_add_quiet_prints_nothing"},
    {"area": "output", "case": "CSV cell starting with = + - @",
     "outcome": "prefixed with ' (OWASP), numbers untouched",
     "test": "tests/test_exports.py::test_csv_cells_cannot_run_as_formulas"},
    {"area": "output", "case": "control characters in an id, GraphML",
     "outcome": "well-formed XML, the character as U+FFFD",
     "test": "tests/test_exports.py::test_graphml_with_control_characters_is_well_formed_xml"},
    {"area": "output", "case": "curly quotes in DOT", "outcome": "kept as UTF-8 (was \\u201c)",
     "test": "tests/test_exports.py::test_dot_keeps_unicode_and_escapes_quotes"},
    {"area": "docs", "case": "the README's library example",
     "outcome": "runs as written on seeds/ (tested)",
     "test": "tests/test_readme.py::test_readme_python_block_runs"},
]


def markdown() -> str:
    rows = ["| area | case | what the tool does | test |", "| --- | --- | --- | --- |"]
    rows += [f"| {c['area']} | {c['case']} | {c['outcome']} | `{c['test'].split('::')[1]}` |"
             for c in CATALOGUE]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")  # noqa: T201 -- a tool for writing the README
