"""The Redis backend of :class:`index.Index`: several pipeline workers share one index.

Keys, under the prefix ``provenance:`` (format 2):

- ``provenance:meta`` -- hash: format and the index settings;
- ``provenance:ids`` -- set of document ids;
- ``provenance:doc:<id>`` -- hash: ``text`` (zstd, ``index.pack_text``), ``meta`` (JSON),
  ``sig`` (uint32 bytes), ``bands`` and ``sents`` (the document's keys, 8 little-endian bytes
  each), ``shingles``, ``published``;
- ``provenance:b:<8 bytes>`` / ``provenance:s:<8 bytes>`` -- sets of the ids holding a band /
  sentence key (the key's 8 bytes, as stored in ``bands`` / ``sents``, end the name).

Every add and remove is one Lua script (:data:`_ADD`, :data:`_REMOVE`): Redis runs a script
alone, start to end, so other workers see a batch entirely or not at all, and a client that
dies before its script arrives changes nothing. The script finds the documents it replaces and
unlinks their keys itself, so workers never race on a replacement. Values are bytes and JSON;
nothing is unpickled.

One script a batch instead of ~90 commands a document in a MULTI/EXEC (the format-1 way): 661
-> 2,377 adds a second in batches of 1,000 and 389 -> 1,012 one document at a time (20,000
synthetic articles, the two run one after the other). A batch blocks other clients while its
script runs (about 0.4 s for 1,000 articles): keep batches to thousands, not millions.
"""

from __future__ import annotations

import numpy as np

from provenance.index import COMMON_KEY, FORMAT, IndexError_

__all__ = ["PREFIX", "RedisStore"]

PREFIX = "provenance:"

_UNLINK = """
local function unlink(prefix, id, bands, sents)
  for i = 1, #bands, 8 do redis.call("SREM", prefix .. "b:" .. string.sub(bands, i, i + 7), id) end
  for i = 1, #sents, 8 do redis.call("SREM", prefix .. "s:" .. string.sub(sents, i, i + 7), id) end
end
"""

# ARGV: prefix, on_duplicate, n, then 8 values a document: id, text, meta, sig, bands, sents,
# shingles, published. Returns one status a document: 0 added, 1 replaced, 2 skipped; or, with
# "error", {-1, count, first id} and no change.
_ADD = _UNLINK + """
local prefix, mode, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ids = prefix .. "ids"
if mode == "error" then
  local found, first = 0, nil
  for d = 0, n - 1 do
    local id = ARGV[4 + d * 8]
    if redis.call("SISMEMBER", ids, id) == 1 then
      found = found + 1
      if first == nil or id < first then first = id end
    end
  end
  if found > 0 then return {-1, found, first} end
end
local out = {}
for d = 0, n - 1 do
  local at = 4 + d * 8
  local id = ARGV[at]
  local doc = prefix .. "doc:" .. id
  local old = redis.call("HMGET", doc, "bands", "sents")
  local status = 0
  if old[1] then
    status = 1
    if mode == "skip" then status = 2 else unlink(prefix, id, old[1], old[2]) end
  end
  if status ~= 2 then
    redis.call("DEL", doc)
    redis.call("HSET", doc, "text", ARGV[at + 1], "meta", ARGV[at + 2], "sig", ARGV[at + 3],
               "bands", ARGV[at + 4], "sents", ARGV[at + 5], "shingles", ARGV[at + 6],
               "published", ARGV[at + 7])
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
return out
"""

# ARGV: prefix, then ids. Returns 1 (removed) or 0 (not there) for each.
_REMOVE = _UNLINK + """
local prefix = ARGV[1]
local out = {}
for k = 2, #ARGV do
  local id = ARGV[k]
  local doc = prefix .. "doc:" .. id
  local old = redis.call("HMGET", doc, "bands", "sents")
  if old[1] then
    unlink(prefix, id, old[1], old[2])
    redis.call("DEL", doc)
    redis.call("SREM", prefix .. "ids", id)
    out[k - 1] = 1
  else
    out[k - 1] = 0
  end
end
return out
"""


def _names(kind: bytes, keys: np.ndarray) -> list[bytes]:
    """Redis key names of band (``b:``) or sentence (``s:``) keys given as 64-bit integers."""
    raw = np.ascontiguousarray(keys).view(np.uint64).astype("<u8", copy=False).tobytes()
    head = PREFIX.encode() + kind
    return [head + raw[i : i + 8] for i in range(0, len(raw), 8)]


class RedisStore:
    name = "redis"

    def __init__(self, url: str, settings: dict) -> None:
        try:
            import redis
        except ImportError as exc:
            raise IndexError_(f"{url}: a Redis index needs the redis package: pip install "
                              "'news-provenance[redis]'") from exc
        self.url = url
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._redis_error = redis.exceptions.RedisError
        self.r = redis.Redis.from_url(url, socket_timeout=60, socket_connect_timeout=5)
        self._add_script = self.r.register_script(_ADD)
        self._remove_script = self.r.register_script(_REMOVE)
        meta = PREFIX + "meta"

        def setup():
            self.r.ping()
            if not self.r.exists(meta):
                with self.r.pipeline() as pipe:
                    for key, value in settings.items():
                        pipe.hsetnx(meta, key, str(value))
                    pipe.execute()
            return {k.decode(): v.decode() for k, v in self.r.hgetall(meta).items()}

        self.settings = self._guard(setup)
        if self.settings.get("format") != str(FORMAT):
            raise IndexError_(f"{url}: index format {self.settings.get('format')}, but this "
                              f"provenance reads format {FORMAT}; rebuild the index into an "
                              "empty Redis database")

    def _guard(self, func, *args):
        try:
            return func(*args)
        except self._errors as exc:
            raise IndexError_(f"cannot reach Redis at {self.url} ({exc}); start redis-server or "
                              "check the URL. Nothing was changed by the failed call") from exc
        except self._redis_error as exc:
            raise IndexError_(f"{self.url}: Redis refused the call ({exc})") from exc

    @staticmethod
    def _doc(id_: str) -> str:
        return f"{PREFIX}doc:{id_}"

    def add(self, batch, on_duplicate: str):
        args: list = [PREFIX, on_duplicate, len(batch.ids)]
        for d, id_ in enumerate(batch.ids):
            args += [id_, batch.texts[d], batch.metas[d], batch.signatures[d].tobytes(),
                     batch.band_keys(d).astype("<u8").tobytes(),
                     batch.sentence_keys(d).astype("<u8").tobytes(),
                     int(batch.shingles[d]), batch.published[d] or ""]
        status = self._guard(self._add_script, [], args)
        if status and status[0] == -1:
            raise IndexError_(f"{self.url}: {status[1]} ids already indexed (first: "
                              f"{status[2].decode()}); nothing was added. Use "
                              "on_duplicate='replace' or 'skip'")
        by = {0: [], 1: [], 2: []}
        for id_, s in zip(batch.ids, status, strict=True):
            by[int(s)].append(id_)
        return by[0], by[1], by[2]

    def remove(self, ids: list[str]) -> list[str]:
        if not ids:
            return []
        gone = self._guard(self._remove_script, [], [PREFIX, *ids])
        return [i for i, g in zip(ids, gone, strict=True) if g]

    def candidates(self, bands: np.ndarray, sents: np.ndarray, min_shared: int):
        def go():
            band_names, sent_names = _names(b"b:", bands), _names(b"s:", sents)
            pipe = self.r.pipeline(transaction=False)
            for name in band_names:
                pipe.smembers(name)
            for name in sent_names:
                pipe.scard(name)
            found = pipe.execute()
            near = {x.decode() for members in found[: len(band_names)] for x in members}
            keep = [name for name, n in zip(sent_names, found[len(band_names):], strict=True)
                    if n <= COMMON_KEY]
            pipe = self.r.pipeline(transaction=False)
            for name in keep:
                pipe.smembers(name)
            shared: dict[str, int] = {}
            for members in pipe.execute():
                for x in members:
                    shared[x.decode()] = shared.get(x.decode(), 0) + 1
            shared = {i: n for i, n in shared.items() if n >= min_shared}
            ids = sorted(near | set(shared))
            pipe = self.r.pipeline(transaction=False)
            for i in ids:
                pipe.hget(self._doc(i), "sig")
            sigs = {i: s for i, s in zip(ids, pipe.execute(), strict=True) if s is not None}
            return near, shared, sigs

        return self._guard(go)

    def compact(self) -> None:
        """Nothing to do: removals and replacements unlink their keys at once."""

    def document(self, id_: str) -> tuple[bytes, str]:
        text, meta = self._guard(self.r.hmget, self._doc(id_), "text", "meta")
        if text is None:
            raise KeyError(id_)
        return text, meta.decode()

    def count(self) -> int:
        return int(self._guard(self.r.scard, PREFIX + "ids"))

    def has(self, id_: str) -> bool:
        return bool(self._guard(self.r.sismember, PREFIX + "ids", id_))

    def stats(self) -> dict:
        info = self._guard(self.r.info, "memory")
        return {"redis_used_memory": int(info.get("used_memory", 0)),
                "redis_keys": int(self._guard(self.r.dbsize))}

    def close(self) -> None:
        self.r.close()
