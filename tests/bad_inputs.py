"""The catalogue of bad inputs and faults tried, and what the tool does with each (issue 18).

Data, not prose: the README's table is rendered from ``CATALOGUE``. Each row names the test that
holds it (``module::function``); ``tests/test_read_bad_inputs.py`` fails if a named test does
not exist. Other stages add their rows here.
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


_I = "test_index_cases"
_IX = "test_index"

CATALOGUE: tuple[Case, ...] = (
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
)
