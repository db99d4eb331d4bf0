"""The Redis backend of :class:`index.Index`: several pipeline workers share one index.

Keys, under the prefix ``provenance:`` (format 2):

- ``provenance:meta`` -- hash: format and the index settings;
- ``provenance:ids`` -- set of document ids;
- ``provenance:doc:<id>`` -- hash: ``text`` (``base.pack_text``), ``meta`` (JSON),
  ``sig`` (uint32 bytes), ``bands`` and ``sents`` (the document's keys, 8 little-endian bytes
  each), ``shingles``, ``published``;
- ``provenance:b:<8 bytes>`` / ``provenance:s:<8 bytes>`` -- sets of the ids holding a band /
  sentence key (the key's 8 bytes, as stored in ``bands`` / ``sents``, end the name);
- template counts (see ``stores.base``): hashes ``provenance:td`` (feature key -> documents),
  ``provenance:tv`` (-> variants held), ``provenance:tt`` (-> text), ``provenance:te`` (->
  example), the set ``provenance:thot`` of keys held by two documents or more (what a reader
  loads), and each document hash's ``tkeys`` (its 16-byte key, parent pairs);
  ``provenance:meta`` also holds ``templates`` and ``template_generation``.

Every add and remove is one Lua script (:data:`_ADD`, :data:`_REMOVE`): Redis runs a script
alone, start to end, so other workers see a batch entirely or not at all, and a client that
dies before its script arrives changes nothing. The script finds the documents it replaces and
unlinks their keys itself, so workers never race on a replacement. Values are bytes and JSON;
nothing is unpickled.

One script a batch instead of ~90 commands a document in a MULTI/EXEC (the format-1 way): 661
-> 2,377 adds a second in batches of 1,000 and 389 -> 1,012 one document at a time (20,000
synthetic articles, the two run one after the other). A batch blocks other clients while its
script runs (about 0.4 s for 1,000 articles): keep batches to thousands, not millions.

A URL names its database as a number (``redis://host:6379/2``, or ``?db=2``; none means 0);
anything else in the path, a port outside 1..65535, or a URL that does not parse is refused
before connecting. The password never appears in messages or :meth:`RedisStore.stats`.

Calls are not retried: a write that timed out may still run on the server (Redis runs a script
it received to the end), and a retry would run it twice; the error says the add may have been
applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from urllib.parse import parse_qs, urlsplit

import numpy as np

from provenance.documents import Document
from provenance.errors import StoreError
from provenance.stores.base import (
    COMMON_KEY,
    Batch,
    DuplicateIdsError,
    Problem,
    StoredRow,
    read_settings,
    redact,
    signature_bytes,
)

__all__ = ["PREFIX", "RedisStore", "check_url"]

PREFIX = "provenance:"

_UNLINK = """
local ZERO = string.rep(string.char(0), 8)
local function tcount(prefix, blob, sign)
  local td, tv, hot = prefix .. "td", prefix .. "tv", prefix .. "thot"
  for i = 1, #blob, 16 do
    local k, p = string.sub(blob, i, i + 7), string.sub(blob, i + 8, i + 15)
    local n = redis.call("HINCRBY", td, k, sign)
    if sign > 0 then
      if n == 2 then redis.call("SADD", hot, k) end
      if n == 1 and p ~= ZERO then redis.call("HINCRBY", tv, p, 1) end
    else
      if n == 1 then redis.call("SREM", hot, k) end
      if n <= 0 then
        redis.call("HDEL", td, k)
        redis.call("HDEL", tv, k)
        redis.call("HDEL", prefix .. "tt", k)
        redis.call("HDEL", prefix .. "te", k)
        if p ~= ZERO and redis.call("HINCRBY", tv, p, -1) <= 0 then redis.call("HDEL", tv, p) end
      end
    end
  end
end
local function unlink(prefix, id, bands, sents, tkeys)
  for i = 1, #bands, 8 do redis.call("SREM", prefix .. "b:" .. string.sub(bands, i, i + 7), id) end
  for i = 1, #sents, 8 do redis.call("SREM", prefix .. "s:" .. string.sub(sents, i, i + 7), id) end
  tcount(prefix, tkeys or "", -1)
end
"""

# ARGV: prefix, on_duplicate, n, m, then 9 values a document: id, text, meta, sig, bands, sents,
# shingles, published, tkeys (template features: 16-byte key, parent pairs); then m triples of
# a template feature's key (8 bytes), text and example. Returns one status a document: 0 added,
# 1 replaced, 2 skipped; or, with "error", {-1, count, first id} and no change.
_ADD = _UNLINK + """
local prefix, mode, n, m = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local W = 9
local ids = prefix .. "ids"
if mode == "error" then
  local found, first = 0, nil
  for d = 0, n - 1 do
    local id = ARGV[5 + d * W]
    if redis.call("SISMEMBER", ids, id) == 1 then
      found = found + 1
      if first == nil or id < first then first = id end
    end
  end
  if found > 0 then return {-1, found, first} end
end
local out = {}
for d = 0, n - 1 do
  local at = 5 + d * W
  local id = ARGV[at]
  local doc = prefix .. "doc:" .. id
  local old = redis.call("HMGET", doc, "bands", "sents", "tkeys")
  local status = 0
  if old[1] then
    status = 1
    if mode == "skip" then status = 2 else unlink(prefix, id, old[1], old[2] or "", old[3]) end
  end
  if status ~= 2 then
    redis.call("DEL", doc)
    redis.call("HSET", doc, "text", ARGV[at + 1], "meta", ARGV[at + 2], "sig", ARGV[at + 3],
               "bands", ARGV[at + 4], "sents", ARGV[at + 5], "shingles", ARGV[at + 6],
               "published", ARGV[at + 7], "tkeys", ARGV[at + 8])
    tcount(prefix, ARGV[at + 8], 1)
    redis.call("SADD", ids, id)
    local bands, sents = ARGV[at + 4], ARGV[at + 5]
    for i = 1, #bands, 8 do
      redis.call("SADD", prefix .. "b:" .. string.sub(bands, i, i + 7), id)
    end
    for i = 1, #sents, 8 do
      redis.call("SADD", prefix .. "s:" .. string.sub(sents, i, i + 7), id)
    end
  end
  out[d + 1] = status
end
local base = 5 + n * W
for j = 0, m - 1 do
  local k, text, example = ARGV[base + 3 * j], ARGV[base + 3 * j + 1], ARGV[base + 3 * j + 2]
  if redis.call("HEXISTS", prefix .. "td", k) == 1 then
    redis.call("HSETNX", prefix .. "tt", k, text)
    if example ~= "" then
      local old = redis.call("HGET", prefix .. "te", k)
      if not old or example < old then redis.call("HSET", prefix .. "te", k, example) end
    end
  end
end
redis.call("HINCRBY", prefix .. "meta", "template_generation", 1)
return out
"""

# ARGV: prefix, then ids. Returns 1 (removed) or 0 (not there) for each; a document whose
# hash or key lists are damaged is removed as well as the script can (for Index.check).
_REMOVE = _UNLINK + """
local prefix = ARGV[1]
local out = {}
for k = 2, #ARGV do
  local id = ARGV[k]
  local doc = prefix .. "doc:" .. id
  local old = redis.call("HMGET", doc, "bands", "sents", "tkeys")
  unlink(prefix, id, old[1] or "", old[2] or "", old[3])
  local held = redis.call("DEL", doc)
  local listed = redis.call("SREM", prefix .. "ids", id)
  -- a damaged document (its hash or its key lists gone) is removed too
  if held == 1 or listed == 1 then out[k - 1] = 1 else out[k - 1] = 0 end
end
redis.call("HINCRBY", prefix .. "meta", "template_generation", 1)
return out
"""


# ARGV: prefix, b (band key names that follow), min_shared, common, then b band key names and
# the sentence key names. Returns {near ids, {id, shared count, ...}, {id, signature, ...}}:
# the candidates of one query from one snapshot, in one round trip (a pipeline of their
# SMEMBERS sent every member of every key to the client to count).
_CANDIDATES = """
local prefix, nb = ARGV[1], tonumber(ARGV[2])
local min_shared, common = tonumber(ARGV[3]), tonumber(ARGV[4])
local near, counts = {}, {}
for i = 5, 4 + nb do
  for _, id in ipairs(redis.call("SMEMBERS", ARGV[i])) do near[id] = true end
end
for i = 5 + nb, #ARGV do
  if redis.call("SCARD", ARGV[i]) <= common then
    for _, id in ipairs(redis.call("SMEMBERS", ARGV[i])) do counts[id] = (counts[id] or 0) + 1 end
  end
end
local near_ids, shared, sigs, wanted = {}, {}, {}, {}
for id in pairs(near) do
  near_ids[#near_ids + 1] = id
  wanted[id] = true
end
for id, n in pairs(counts) do
  if n >= min_shared then
    shared[#shared + 1] = id
    shared[#shared + 1] = n
    wanted[id] = true
  end
end
for id in pairs(wanted) do
  local sig = redis.call("HGET", prefix .. "doc:" .. id, "sig")
  if sig then
    sigs[#sigs + 1] = id
    sigs[#sigs + 1] = sig
  end
end
return {near_ids, shared, sigs}
"""


def _names(kind: bytes, keys: np.ndarray) -> list[bytes]:
    """Redis key names of band (``b:``) or sentence (``s:``) keys given as 64-bit integers."""
    raw = np.ascontiguousarray(keys).view(np.uint64).astype("<u8", copy=False).tobytes()
    head = PREFIX.encode() + kind
    return [head + raw[i : i + 8] for i in range(0, len(raw), 8)]


def _key_bytes(key: int) -> bytes:
    """A template feature key as stored: 8 little-endian bytes of the int64."""
    return int(key).to_bytes(8, "little", signed=True)


def check_url(url: str) -> None:
    """Refuse a Redis URL that redis-py would read differently from what it says (a database
    that is not a number silently became 0; a port out of range was a traceback)."""
    shown = redact(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise StoreError(f"{shown}: not a usable Redis URL ({exc}); write it as "
                         "redis://[:password@]host:6379/0") from None
    path = ""
    if parts.scheme != "unix":
        if not parts.hostname:
            raise StoreError(f"{shown}: no host in the Redis URL; write it as "
                             "redis://localhost:6379/0")
        if port == 0:
            raise StoreError(f"{shown}: port 0 is outside 1..65535; Redis listens on 6379 "
                             "unless configured otherwise")
        path = parts.path.strip("/")
    dbs = ([path] if path else []) + parse_qs(parts.query).get("db", [])
    for db in dbs:
        if not db.isdigit():
            raise StoreError(f"{shown}: database {db!r} is not a number; Redis databases are "
                             "numbered from 0, as in redis://localhost:6379/0")
    if len({int(db) for db in dbs}) > 1:
        raise StoreError(f"{shown}: two different databases named; give one")


class RedisStore:
    """One Redis database; every add and remove is one Lua script."""

    name = "redis"

    def __init__(self, url: str, settings: dict[str, str], *, create: bool = True,
                 read_only: bool = False) -> None:
        self.location = redact(url)
        check_url(url)
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise StoreError(f"{self.location}: a Redis index needs the redis package: pip "
                             "install 'news-provenance[redis]'") from None
        self.read_only = read_only
        self._connect_error = redis.exceptions.ConnectionError
        self._timeout = redis.exceptions.TimeoutError
        self._redis_error = redis.exceptions.RedisError
        try:
            self.r = redis.Redis.from_url(url, socket_timeout=60, socket_connect_timeout=5,
                                          retry=Retry(NoBackoff(), 0))
        except ValueError as exc:
            raise StoreError(f"{self.location}: not a usable Redis URL ({exc})") from None
        self._add_script = self.r.register_script(_ADD)
        self._remove_script = self.r.register_script(_REMOVE)
        self._candidates_script = self.r.register_script(_CANDIDATES)
        meta = PREFIX + "meta"

        def setup():
            self.r.ping()
            if not self.r.exists(meta):
                if not create or read_only:
                    return None
                with self.r.pipeline() as pipe:
                    for key, value in settings.items():
                        pipe.hsetnx(meta, key, str(value))
                    pipe.execute()
            return {k.decode(errors="replace"): v.decode(errors="replace")
                    for k, v in self.r.hgetall(meta).items()}

        found = self._guard(setup)
        if found is None:
            raise StoreError(f"{self.location}: no such index (no {meta} in that database); "
                             f"create it with 'provenance index add {self.location} ARTICLES'")
        self.settings = found
        num_perm = read_settings(self.settings, self.location).num_perm

        def sample():
            id_ = self.r.srandmember(PREFIX + "ids")
            return None if id_ is None else (id_, self.r.hget(self._doc(id_), "sig"))

        one = self._guard(sample)
        if one is not None and one[1] is not None and len(one[1]) != 4 * num_perm:
            raise StoreError(f"{self.location}: the index setting num_perm is {num_perm}, but "
                             f"the stored signatures hold {len(one[1]) // 4} values (document "
                             f"{one[0].decode(errors='replace')!r}); the settings were edited: "
                             "restore num_perm, or rebuild the index")

    def _guard(self, func, *args, write: bool = False):
        try:
            return func(*args)
        except self._timeout as exc:
            may = (" The change may have been applied: Redis runs a script it received to the "
                   "end; check before retrying (count with 'provenance index stats', or query "
                   "the ids)" if write else "")
            raise StoreError(f"Redis at {self.location} did not answer in time ({exc}).{may}"
                             ) from None
        except self._connect_error as exc:
            before = "connecting to" in str(exc) or "Connection refused" in str(exc)
            said = ("Nothing was changed by the failed call" if before or not write else
                    "The change may have been applied: the connection broke after the call was "
                    "sent; check before retrying")
            raise StoreError(f"cannot reach Redis at {self.location} ({exc}); start redis-server "
                             f"or check the URL. {said}") from None
        except self._redis_error as exc:
            raise StoreError(f"{self.location}: Redis refused the call ({exc})") from None

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.location}: opened read-only; adding and removing need it "
                             "opened for writing")

    @staticmethod
    def _doc(id_: str | bytes) -> str | bytes:
        if isinstance(id_, bytes):
            return PREFIX.encode() + b"doc:" + id_
        return f"{PREFIX}doc:{id_}"

    def add(self, batch: Batch, on_duplicate: str):
        self._writable()
        texts: dict[int, tuple[str, str | None]] = {}
        args: list = [PREFIX, on_duplicate, len(batch.ids), 0]
        for d, id_ in enumerate(batch.ids):
            pairs, found = batch.feature_parts(d)
            args += [id_, batch.texts[d], batch.metas[d], signature_bytes(batch.signatures[d]),
                     batch.band_keys(d).astype("<u8").tobytes(),
                     batch.sentence_keys(d).astype("<u8").tobytes(),
                     int(batch.shingles[d]), batch.published[d] or "",
                     pairs.astype("<i8").tobytes()]
            for key, (text, example) in found.items():
                old = texts.get(key)
                if old is None or (example is not None and (old[1] is None or example < old[1])):
                    texts[key] = (text, example)
        args[3] = len(texts)
        for key, (text, example) in sorted(texts.items()):
            args += [_key_bytes(key), text, example or ""]
        status = self._guard(self._add_script, [], args, write=True)
        if status and status[0] == -1:
            first = status[2].decode(errors="replace")
            raise DuplicateIdsError(f"{self.location}: {status[1]} ids already indexed (first: "
                                    f"{first}); this add changed nothing",
                                    sorted(i for i in batch.ids if self.has(i)))
        by: dict[int, list[str]] = {0: [], 1: [], 2: []}
        for id_, s in zip(batch.ids, status, strict=True):
            by[int(s)].append(id_)
        return by[0], by[1], by[2]

    def remove(self, ids: list[str]) -> list[str]:
        self._writable()
        if not ids:
            return []
        gone = self._guard(self._remove_script, [], [PREFIX, *ids], write=True)
        return [i for i, g in zip(ids, gone, strict=True) if g]

    def candidates(self, bands: np.ndarray, sents: np.ndarray, min_shared: int):
        band_names, sent_names = _names(b"b:", bands), _names(b"s:", sents)
        near, shared, sigs = self._guard(
            self._candidates_script, [],
            [PREFIX, len(band_names), min_shared, COMMON_KEY, *band_names, *sent_names])
        return ({x.decode() for x in near},
                {shared[i].decode(): int(shared[i + 1]) for i in range(0, len(shared), 2)},
                {sigs[i].decode(): sigs[i + 1] for i in range(0, len(sigs), 2)})

    def compact(self) -> None:
        """Nothing to do: removals and replacements unlink their keys at once."""

    # --- template counts ----------------------------------------------------------------------

    def template_rows(self, min_documents: int):
        def go():
            hot = sorted(self.r.smembers(PREFIX + "thot"))
            out = []
            for start in range(0, len(hot), 5000):
                chunk = hot[start : start + 5000]
                pipe = self.r.pipeline(transaction=False)
                for name in ("td", "tv", "tt", "te"):
                    pipe.hmget(PREFIX + name, chunk)
                docs, variants, texts, examples = pipe.execute()
                for n, v, t, e in zip(docs, variants, texts, examples, strict=True):
                    if n is None or t is None or int(n) < max(2, min_documents):
                        continue
                    out.append((t.decode("utf-8", "surrogatepass"), int(n), int(v or 0),
                                e.decode("utf-8", "surrogatepass") if e else None))
            return sorted(out)
        return self._guard(go)

    def template_generation(self) -> str:
        value = self._guard(self.r.hget, PREFIX + "meta", "template_generation")
        return value.decode() if value is not None else "0"

    def has_template_counts(self) -> bool:
        return self._guard(self.r.hget, PREFIX + "meta", "templates") == b"1"

    def rebuild_template_counts(self, features_of, unpack) -> int:
        """Store every document again with its features counted, 1,000 a script (a
        replacement takes away what the document held before, so each state in between keeps
        every document's counts whole); then mark the counts complete."""
        self._writable()
        done = 0
        for rows in self.rows():
            self.add(features_of([unpack(r) for r in rows]), "replace")
            done += len(rows)
        self._guard(self.r.hset, PREFIX + "meta", "templates", "1")
        return done

    def document(self, id_: str) -> tuple[bytes, str]:
        text, meta = self._guard(self.r.hmget, self._doc(id_), "text", "meta")
        if text is None:
            raise KeyError(id_)
        return text, meta if meta is not None else b""

    def documents(self, ids: Sequence[str]) -> dict[str, tuple[bytes, bytes]]:
        wanted = list(dict.fromkeys(ids))

        def go():
            pipe = self.r.pipeline(transaction=False)
            for id_ in wanted:
                pipe.hmget(self._doc(id_), "text", "meta")
            return pipe.execute()
        found = self._guard(go) if wanted else []
        return {id_: (text, meta if meta is not None else b"")
                for id_, (text, meta) in zip(wanted, found, strict=True) if text is not None}

    def count(self) -> int:
        return int(self._guard(self.r.scard, PREFIX + "ids"))

    def has(self, id_: str) -> bool:
        return bool(self._guard(self.r.sismember, PREFIX + "ids", id_))

    def stats(self) -> dict:
        info = self._guard(self.r.info, "memory")
        return {"redis_used_memory": int(info.get("used_memory", 0)),
                "redis_keys": int(self._guard(self.r.dbsize)), "read_only": self.read_only}

    # --- checking -----------------------------------------------------------------------------

    def _ids(self) -> list[str]:
        return sorted(x.decode("utf-8", "surrogatepass")
                      for x in self._guard(self.r.smembers, PREFIX + "ids"))

    def rows(self, size: int = 1000) -> Iterator[list[StoredRow]]:
        ids = self._ids()
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            pipe = self.r.pipeline(transaction=False)
            for id_ in chunk:
                pipe.hmget(self._doc(id_), "text", "meta", "sig")
            found = self._guard(pipe.execute)
            yield [StoredRow(id_, t if t is not None else b"", m if m is not None else b"",
                             g if g is not None else b"")
                   for id_, (t, m, g) in zip(chunk, found, strict=True)]

    def check_structure(self) -> list[Problem]:
        """Every listed id has its hash and whole key lists (8 bytes a key), and is in the set
        of each of its keys."""
        problems: list[Problem] = []
        ids = self._ids()
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            pipe = self.r.pipeline(transaction=False)
            for id_ in chunk:
                pipe.hmget(self._doc(id_), "text", "bands", "sents")
            found = self._guard(pipe.execute)
            pipe = self.r.pipeline(transaction=False)
            asked: list[str] = []
            for id_, (text, bands, sents) in zip(chunk, found, strict=True):
                if text is None:
                    problems.append(Problem(id_, "keys", "listed in the index, but its "
                                            "document hash is gone"))
                elif bands is None or sents is None or len(bands) % 8 or len(sents) % 8:
                    problems.append(Problem(id_, "keys", "its stored key lists are damaged"))
                else:
                    for kind, raw in ((b"b:", bands), (b"s:", sents)):
                        for i in range(0, len(raw), 8):
                            pipe.sismember(PREFIX.encode() + kind + raw[i : i + 8], id_)
                            asked.append(id_)
            answers = self._guard(pipe.execute) if asked else []
            missing = sorted({i for i, ok in zip(asked, answers, strict=True) if not ok})
            problems += [Problem(i, "keys", "missing from the sets of some of its keys")
                         for i in missing]
        return sorted(problems, key=lambda p: (p.id or "", p.part))

    def rebuild_keys(self, keys_of: Callable[[list[Document]], Batch],
                     unpack: Callable[[StoredRow], Document]) -> int:
        """Store every document again, its keys recomputed, 1,000 a script: each state in
        between answers correctly (a document has its old keys or its new ones)."""
        self._writable()
        done = 0
        for rows in self.rows():
            self.add(keys_of([unpack(r) for r in rows]), "replace")
            done += len(rows)
        return done

    def close(self) -> None:
        self.r.close()
