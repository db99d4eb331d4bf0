"""The catalogue of bad inputs and faults tried, and what the tool does with each.

Data, not prose: the README's table is rendered from ``CATALOGUE``. Each row names the test that
holds it (``module::function``); ``tests/test_read_bad_inputs.py`` fails if a named test does
not exist. Other stages add their rows here. ``python -m tests.bad_inputs`` prints the table.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "Case"]


@dataclass(frozen=True)
class Case:
    stage: str
    case: str
    outcome: str
    test: str  # "module::function" under tests/


_R = "test_read_bad_inputs"
_C = "test_cli_outputs"
_I = "test_index_cases"
_IX = "test_index"

CATALOGUE: tuple[Case, ...] = (
    Case("read", "a FIFO (named pipe) in a scanned folder",
         "skipped entry: 'a named pipe (FIFO), not a regular file'; never opened, no hang",
         f"{_R}::test_fifo_in_a_folder_is_skipped_without_opening_it"),
    Case("read", "a `.txt` symbolic link to /dev/zero (size 0, endless)",
         "skipped entry: 'a character device, not a regular file'",
         f"{_R}::test_link_to_dev_zero_is_skipped"),
    Case("read", "a regular file that reports size 0 but holds more (as /proc files do)",
         "read stops at --max-bytes + 1 bytes: skipped entry over the limit",
         f"{_R}::test_reads_stop_at_the_limit_whatever_the_size_says"),
    Case("read", "a symbolic link to a sub-folder",
         "followed; its files are read once",
         f"{_R}::test_symlinked_folder_is_followed_and_loops_are_reported"),
    Case("read", "a symbolic link back to an ancestor folder (a loop)",
         "skipped entry: 'folder already read (a symbolic link to ...)'; the walk ends",
         f"{_R}::test_symlinked_folder_is_followed_and_loops_are_reported"),
    Case("read", "a sub-folder that cannot be listed (permissions)",
         "skipped entry: 'cannot list the folder (...); none of its files were read'",
         f"{_R}::test_unlistable_folder_is_a_skipped_entry"),
    Case("read", "a broken symbolic link",
         "skipped entry: 'broken symbolic link'",
         f"{_R}::test_broken_link_is_a_skipped_entry"),
    Case("read", "one 50 MB line inside a small `.jsonl.gz` (--max-bytes 1 MB)",
         "skipped entry for that line as it streams (peak memory about 2 x --max-bytes); the "
         "lines after it are read",
         f"{_R}::test_huge_gzipped_line_is_skipped_as_it_streams"),
    Case("read", "--max-bytes counted in characters instead of bytes",
         "bytes everywhere: a file, a JSONL line, a record's text in a JSON or CSV file",
         f"{_R}::test_max_bytes_means_bytes"),
    Case("read", "a large CSV (the 1 GB container limit no longer applies)",
         "rows streamed from the file: memory follows the largest row, not the file",
         f"{_R}::test_csv_is_streamed_row_by_row"),
    Case("read", "a bit-flipped `.jsonl.gz`",
         "the lines before the damage are read; one skipped entry names the line and the fix",
         f"{_R}::test_damaged_gzip_keeps_the_lines_before_the_damage"),
    Case("read", "a cut-short `.jsonl.gz`",
         "the lines before the cut are read; one skipped entry",
         f"{_R}::test_damaged_gzip_keeps_the_lines_before_the_damage"),
    Case("read", "JSON nested 100,000 deep in a JSONL line, a `.json` file, stdin, a sidecar",
         "skipped entry 'nested over 1,024 levels deep, the limit'; no RecursionError, no crash",
         f"{_R}::test_deep_json_is_a_skipped_entry_everywhere"),
    Case("read", 'a lone surrogate escape ("\\ud83d") in a JSON text, id or metadata',
         "replaced by U+FFFD (offsets unchanged) and said in the document's notes",
         f"{_R}::test_lone_surrogates_are_repaired_and_said"),
    Case("read", "a file name that is not valid UTF-8",
         "id and path get U+FFFD for the undecodable bytes, said in the notes",
         f"{_R}::test_undecodable_file_name_is_repaired_and_said"),
    Case("read", "UTF-32 text with a byte-order mark",
         "decoded as UTF-32 (was read as UTF-16 garbage)",
         f"{_R}::test_utf32_with_bom"),
    Case("read", "a CSV with an unterminated quote",
         "the rows before it are read; one skipped entry names the line",
         f"{_R}::test_csv_unterminated_quote_is_one_skipped_entry"),
    Case("read", "a CSV with two `text` columns, a JSON record with `text` twice",
         "skipped entry saying so (the last one is not kept silently)",
         f"{_R}::test_two_text_columns_or_fields_are_refused"),
    Case("read", "a repeated id (two files `a.txt`/`a.md`, a JSONL id given twice)",
         "renamed `id@file:line` (never an id given before or after), said in the notes; "
         "index add keeps it so the later record replaces the earlier, also said",
         f"{_R}::test_repeated_ids_are_renamed_without_collisions"),
    Case("read", "records whose id is in another field (Reuters `newid`, a CMS `story_id`)",
         "id_field names it; a record without it is numbered and says so",
         f"{_R}::test_id_field"),
    Case("read", "200,000 nested `<div>` in a 1.4 MB page (98 s before)",
         "skipped entry 'markup nested 200,000 elements deep, over the limit of 1,000' in "
         "well under a second, before parsing",
         f"{_R}::test_deeply_nested_page_is_refused_quickly"),
    Case("read", "a 20 MB page of nested markup (wide, 10 levels deep)",
         "read in time linear in its size (tested: 4x the markup, under 8x the time)",
         f"{_R}::test_twenty_megabyte_page_is_read_in_bounded_time"),
    Case("read", "a JSON-LD block that is not JSON",
         "ignored, said in the notes; the article is read",
         f"{_R}::test_json_ld_that_is_not_json_is_ignored_and_said"),
    Case("read", "a publication date in the year 30000, a 10,000-character date",
         "refused with the reason (`date_problem`); the article is read",
         f"{_R}::test_absurd_dates_are_refused_with_a_reason"),
    Case("read", "an ambiguous date `05/04/2023`",
         "refused as ambiguous unless dayfirst says which; `16/03/2023` is read either way",
         "test_read_dates::test_day_month_order"),
    # --- the index ------------------------------------------------------------------------
    Case("index", "`Index(\"\")`, `Index(\":memory:\")` (an unset `$ARCHIVE`)",
         "StoreError: 'keeps nothing ... give a file path such as archive.db'; nothing made",
         f"{_I}::test_locations_that_keep_nothing_are_refused"),
    Case("index", "a 0-byte index file (a failed copy)",
         "StoreError: 'an empty file (0 bytes), not an index'; the file is left as it was",
         f"{_I}::test_a_0_byte_file_is_refused_not_made_a_new_index"),
    Case("index", "two processes creating the same new index at once",
         "the file appears whole (built aside, hard-linked into place); the first wins, the "
         "other opens it", f"{_IX}::test_two_processes_adding_at_once"),
    Case("index", "a folder given as the index",
         "StoreError: 'a folder, not an index file; give a file in it'",
         f"{_I}::test_a_folder_a_missing_folder_and_a_read_only_file_each_get_their_diagnosis"),
    Case("index", "an index path in a folder that does not exist",
         "StoreError: 'the folder ... does not exist; create it (mkdir -p ...)'",
         f"{_I}::test_a_folder_a_missing_folder_and_a_read_only_file_each_get_their_diagnosis"),
    Case("index", "a read-only index file; adding to it",
         "opened read-only: queries answer; add/remove/compact: StoreError 'opened read-only "
         "... need a writable copy'",
         f"{_I}::test_a_folder_a_missing_folder_and_a_read_only_file_each_get_their_diagnosis"),
    Case("index", "a healthy index in a read-only folder (a published copy; WAL needs a write)",
         "queryable: opened read-only, immutable when SQLite cannot keep its shared memory; "
         "nothing written beside it",
         f"{_I}::test_a_healthy_index_in_a_read_only_folder_is_queryable"),
    Case("index", "`meta` lacking or garbling `threshold`, `num_perm`, `seed`, `shingle_size`",
         "StoreError naming the key and its value: 'the index setting 'threshold' is 'nan' ... "
         "meta is damaged'", f"{_I}::test_a_meta_that_lacks_or_garbles_a_setting_names_the_key"),
    Case("index", "`num_perm` edited so it contradicts the stored signatures",
         "StoreError: 'num_perm is 64, but the stored signatures hold 128 values'",
         f"{_I}::test_settings_that_contradict_the_stored_signatures_are_refused"),
    Case("index", "NaN threshold for a new index or a query; `stats()` as JSON",
         "ConfigError (CLI: usage error); stats always valid JSON",
         f"{_I}::test_nan_thresholds_are_refused_and_stats_are_always_json"),
    Case("index", "two flipped bytes in a stored zstd text frame",
         "frames carry checksums: StoreError 'document ... is damaged (text: ...)' naming "
         "'provenance index check'; other documents read as before",
         f"{_I}::test_stored_texts_are_checksummed_and_a_damaged_row_is_named"),
    Case("index", "damaged metadata JSON, a truncated signature, a text frame, in one index",
         "`Index.check()` lists each (document, part); `check(repair=True)` removes them and "
         "says which; no ZstdError/JSONDecodeError/ValueError",
         f"{_I}::test_check_lists_every_damaged_row_and_repair_removes_them"),
    Case("index", "a damaged key-run block (SQLite)",
         "queries: StoreError 'the key runs are damaged ... --repair'; repair rebuilds every "
         "key from the stored texts",
         f"{_I}::test_damaged_key_runs_are_found_and_rebuilt_from_the_texts"),
    Case("index", "texts stored before frames had checksums",
         "still read (a frame says whether it has one)",
         f"{_I}::test_frames_written_before_checksums_still_read"),
    Case("index", "`index upgrade 'old#1.db' NEW` (a `#` in the name)",
         "the file named is read (escaped `file:` URI), read-only; no other file opened",
         f"{_I}::test_upgrade_reads_the_file_named_even_with_uri_characters"),
    Case("index", "`on_duplicate=\"error\"` after earlier batches were committed",
         "DuplicateIdsError with `ids` and `committed`: 'the 4 documents of earlier batches "
         "were added and stay' (never 'nothing was added')",
         f"{_I}::test_on_duplicate_error_says_what_earlier_batches_committed"),
    Case("index", "one id twice in one add (a re-issued story)",
         "the last copy is stored (it replaces the earlier one), reported in "
         "`AddResult.repeated`",
         f"{_I}::test_a_repeated_id_within_one_add_the_last_wins_and_is_reported"),
    Case("index", "`redis:localhost:6379` (no `//`), `http://...`",
         "StoreError 'looks like a URL ... for a file of that name write ./...'; no file made",
         f"{_I}::test_urls_that_are_not_served_are_refused_not_made_files"),
    Case("index", "`redis://host/abc`, `?db=x`, port 99999, port 0, no host",
         "StoreError naming the part: 'database 'abc' is not a number', 'not a usable Redis "
         "URL' -- never db 0, never a traceback",
         f"{_I}::test_urls_that_are_not_served_are_refused_not_made_files"),
    Case("index", "a Redis URL with a password",
         "shown as `user:***@host` in every error, `stats()` and `Index.location`",
         f"{_I}::test_the_redis_password_is_never_shown"),
    Case("index", "a Redis server that stalls during an add (timeout)",
         "StoreError 'did not answer in time ... the change may have been applied'; no retry "
         "(it would run the script twice)",
         f"{_I}::test_a_redis_timeout_says_the_add_may_have_been_applied"),
    Case("index", "a Redis server gone (connection refused)",
         "StoreError 'cannot reach Redis ... Nothing was changed by the failed call'",
         f"{_IX}::test_redis_down_or_gone"),
    Case("index", "a damaged Redis document hash; a document missing from its key sets",
         "`check()` lists both; repair removes the damaged one and re-stores the other's keys",
         f"{_I}::test_redis_check_finds_and_repair_removes_a_damaged_document"),
    Case("index", "a garbled Redis `meta`; reading a Redis database with no index",
         "StoreError naming the key; 'no such index' with `create=False`",
         f"{_I}::test_redis_settings_are_checked_like_sqlite_ones"),
    Case("index", "SIGKILL in the middle of an add (SQLite and Redis)",
         "all or nothing: the index holds the batch entirely or not at all; integrity check ok",
         f"{_IX}::test_killed_in_the_middle_of_an_add"),
    Case("index", "two processes adding at once (SQLite and Redis)",
         "both batches stored, nothing lost", f"{_IX}::test_two_processes_adding_at_once"),
    Case("index", "queries while another process adds and merges key runs",
         "every query sees one whole snapshot",
         f"{_IX}::test_queries_while_another_process_adds_and_merges"),
    Case("index", "`index add \"\"`, `:memory:`, `redis:localhost:6379`; `index query --threshold "
         "nan` (CLI)", "exit 1 with the library's one-line error, no file made; NaN: usage "
         "error, exit 2", f"{_I}::test_the_cli_refuses_what_the_library_refuses"),
    Case("index", "the tests and a Redis on the default port",
         "tests start their own redis-server on a free port; nothing on 6379 is touched",
         "conftest::redis_server"),
    # --- command line and outputs ------------------------------------------------------------
    Case("cli", "NaN or infinite share option (--threshold nan, --min-score nan)",
         "usage error, exit 2", f"{_C}::test_nan_and_out_of_range_options_are_usage_errors"),
    Case("cli", "index add/query --threshold nan", "usage error, exit 2; no index created",
         f"{_C}::test_index_thresholds_refuse_nan"),
    Case("cli", "--seed -1", "usage error, exit 2",
         f"{_C}::test_nan_and_out_of_range_options_are_usage_errors"),
    Case("cli", "-o - (standard output)", "written to standard output, no file named -",
         f"{_C}::test_dash_output_is_standard_output"),
    Case("cli", "-o names one of the inputs (given itself, or an article in an input folder)",
         "usage error before any work; the article is untouched",
         f"{_C}::test_an_output_that_is_an_input_is_refused"),
    Case("cli", "-o in a missing or unwritable folder",
         "exit 1 before the work starts (was: after 95 s on all Reuters)",
         "test_cli::test_unwritable_output"),
    Case("cli", "a write that fails half-way (disk full)",
         "exit 1; yesterday's output left as it was, no temporary file left",
         f"{_C}::test_a_failed_write_keeps_yesterdays_output"),
    Case("cli", "matrix --png /dev/full, -o /dev/full",
         "exit 1, 'cannot write /dev/full' (was: 'wrote', exit 0)",
         f"{_C}::test_png_to_a_full_device_is_an_error"),
    Case("cli", "index query piped into head", "quiet (was: 'Error: : Broken pipe')",
         f"{_C}::test_a_closed_pipe_is_quiet"),
    Case("cli", "index remove - with invalid UTF-8 on stdin",
         "exit 1 naming the line (was: a traceback)",
         f"{_C}::test_index_remove_with_invalid_utf8_on_stdin"),
    Case("cli", "index add --on-duplicate error after earlier batches committed",
         "exit 1 saying how many documents earlier batches added",
         f"{_C}::test_on_duplicate_error_counts_earlier_batches"),
    Case("cli", "index add --quiet", "prints nothing",
         f"{_C}::test_index_add_quiet_prints_nothing"),
    Case("output", "CSV cell starting with = + - @", "prefixed with ' (OWASP), numbers untouched",
         "test_exports::test_csv_cells_cannot_run_as_formulas"),
    Case("output", "control characters in an id, GraphML",
         "well-formed XML, the character as U+FFFD",
         "test_exports::test_graphml_with_control_characters_is_well_formed_xml"),
    Case("output", "curly quotes in DOT", "kept as UTF-8 (was \\u201c)",
         "test_exports::test_dot_keeps_unicode_and_escapes_quotes"),
    Case("output", "U+202E (right-to-left override) in an id, in the HTML report",
         "shown as [U+202E]; the text after it is not reversed",
         "test_exports::test_a_bidi_override_in_an_id_cannot_reverse_the_report"),
    Case("scan", "3,000 near-identical copies of one short story (5 MB)",
         "one family, pairs kept as a star around the first copy: seconds and about 200 MB "
         "(was 4.5 M pairs, 110 s, 7.7 GB)",
         "test_families::test_thousands_of_copies_stay_proportional_in_time_and_memory"),
    Case("trace", "a family of 100,000 members (one story copied 100,000 times)",
         "one family object in linear time; origin `undecided`, saying why (1,667 members "
         "share the first second; undated: too large to compare), no invented parent",
         "test_families::test_a_family_of_100000_members_is_one_object_in_linear_time"),
    Case("trace", "two members with equal timestamps",
         "origin `undecided` ('same time'); no parent invented",
         "test_families::test_equal_timestamps_are_not_ordered_by_invention"),
    Case("trace", "a cycle of credits (A credits B, B credits A)",
         "both members `undecided`, the reason names the cycle",
         "test_families::test_a_cycle_of_credits_is_undecided"),
    Case("trace", "dates that contradict a credit",
         "the member is `undecided`, its reason says dates and credit disagree",
         "test_families::test_dates_contradicting_a_credit_are_undecided"),
    Case("trace", "an attribution sentence of 10,000 words",
         "read in bounded time (about a second; was quadratic), at most two credits",
         "test_attribution::test_a_10000_word_attribution_sentence_is_read_in_bounded_time"),
    Case("spark", "a malformed JSONL line, a null text, a text over `--max-bytes`, an id "
         "repeated across partitions, a line that is not an object",
         "rows of `skipped/` with the local reader's reason; repeated ids renamed `id@file:line` "
         "as locally; the job does not fail",
         "test_spark::test_bad_rows_are_skipped_as_the_local_reader_skips_them"),
    Case("docs", "the README's library example", "runs as written on seeds/ (tested)",
         "test_readme::test_readme_python_block_runs"),
)


def markdown() -> str:
    """The README's table."""
    rows = ["| stage | case | what the tool does | test |", "| --- | --- | --- | --- |"]
    rows += [f"| {c.stage} | {c.case} | {c.outcome} | `{c.test.split('::')[1]}` |"
             for c in CATALOGUE]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown())
