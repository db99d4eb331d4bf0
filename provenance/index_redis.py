"""The Redis backend of :class:`index.Index`: several pipeline workers share one index.

Keys, under the prefix ``provenance:`` (format 2):

- ``provenance:meta`` -- hash: format and the index settings;
- ``provenance:ids`` -- set of document ids;
- ``provenance:doc:<id>`` -- hash: ``text`` (zstd, ``index.pack_text``), ``meta`` (JSON),
  ``sig`` (uint32 bytes), ``bands`` and ``sents`` (int64 bytes: the document's keys),
  ``shingles``;
- ``provenance:b:<key>`` / ``provenance:s:<key>`` -- sets of the ids holding a band / sentence key.

Every add and remove is one MULTI/EXEC transaction, under WATCH of the documents it replaces or
removes (retried when another worker changed them first): a client that dies before EXEC
changes nothing. Values are bytes and JSON; nothing is unpickled.
"""

from __future__ import annotations

import numpy as np

from .index import COMMON_KEY, FORMAT, IndexError_

__all__ = ["PREFIX", "RedisStore"]

PREFIX = "provenance:"


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
        self._watch_error = redis.exceptions.WatchError
        self.r = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5)
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
            if isinstance(exc, self._watch_error):
                raise
            raise IndexError_(f"{self.url}: Redis refused the call ({exc})") from exc

    @staticmethod
    def _doc(id_: str) -> str:
        return f"{PREFIX}doc:{id_}"

    def _transaction(self, ids: list[str], body):
        """Run ``body(pipe, existing)`` in MULTI/EXEC under WATCH of the documents ``ids``;
        ``existing`` maps the ids already stored to their (bands, sentences) bytes."""
        while True:
            with self.r.pipeline() as pipe:
                try:
                    pipe.watch(*[self._doc(i) for i in ids])
                    reads = self.r.pipeline(transaction=False)
                    for i in ids:
                        reads.hmget(self._doc(i), "bands", "sents")
                    existing = {i: (b, s) for i, (b, s) in zip(ids, reads.execute(), strict=True)
                                if b is not None}
                    pipe.multi()
                    result = body(pipe, existing)
                    pipe.execute()
                    return result
                except self._watch_error:
                    continue  # another worker changed one of these documents: read again

    @staticmethod
    def _unlink(pipe, id_: str, bands: bytes, sents: bytes) -> None:
        for k in np.frombuffer(bands, np.int64).tolist():
            pipe.srem(f"{PREFIX}b:{k}", id_)
        for k in np.frombuffer(sents, np.int64).tolist():
            pipe.srem(f"{PREFIX}s:{k}", id_)

    def add(self, batch, on_duplicate: str):
        ids = batch.ids

        def body(pipe, existing):
            if existing and on_duplicate == "error":
                raise IndexError_(f"{self.url}: {len(existing)} ids already indexed (first: "
                            f"{sorted(existing)[0]}); nothing was added. Use "
                            "on_duplicate='replace' or 'skip'")
            added, replaced, skipped = [], [], []
            for d, id_ in enumerate(batch.ids):
                if id_ in existing:
                    if on_duplicate == "skip":
                        skipped.append(id_)
                        continue
                    self._unlink(pipe, id_, *existing[id_])
                    replaced.append(id_)
                else:
                    added.append(id_)
                bands = batch.band_keys(d).view(np.int64)
                sents = batch.sentence_keys(d).view(np.int64)
                pipe.delete(self._doc(id_))
                pipe.hset(self._doc(id_), mapping={
                    "text": batch.texts[d], "meta": batch.metas[d],
                    "sig": batch.signatures[d].tobytes(), "bands": bands.tobytes(),
                    "sents": sents.tobytes(), "shingles": int(batch.shingles[d]),
                    "published": batch.published[d] or ""})
                pipe.sadd(PREFIX + "ids", id_)
                for k in bands.tolist():
                    pipe.sadd(f"{PREFIX}b:{k}", id_)
                for k in sents.tolist():
                    pipe.sadd(f"{PREFIX}s:{k}", id_)
            return added, replaced, skipped

        return self._guard(self._transaction, ids, body)

    def remove(self, ids: list[str]) -> list[str]:
        def body(pipe, existing):
            for id_, (bands, sents) in existing.items():
                self._unlink(pipe, id_, bands, sents)
                pipe.delete(self._doc(id_))
                pipe.srem(PREFIX + "ids", id_)
            return [i for i in ids if i in existing]

        return self._guard(self._transaction, ids, body)

    def candidates(self, bands: np.ndarray, sents: np.ndarray, min_shared: int):
        def go():
            pipe = self.r.pipeline(transaction=False)
            for k in bands.tolist():
                pipe.smembers(f"{PREFIX}b:{k}")
            for k in sents.tolist():
                pipe.scard(f"{PREFIX}s:{k}")
            found = pipe.execute()
            near = {x.decode() for members in found[: len(bands)] for x in members}
            keep = [k for k, n in zip(sents.tolist(), found[len(bands):], strict=True)
                    if n <= COMMON_KEY]
            pipe = self.r.pipeline(transaction=False)
            for k in keep:
                pipe.smembers(f"{PREFIX}s:{k}")
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
