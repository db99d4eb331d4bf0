from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    """Tests marked ``fork`` run first: the dedup reading process is forked only while this
    process runs one thread, and a Spark session leaves its threads running to the end."""
    items.sort(key=lambda item: item.get_closest_marker("fork") is None)  # stable


@pytest.fixture
def seeds_dir() -> Path:
    return ROOT / "seeds"


@pytest.fixture
def write(tmp_path):
    """write("a/b.txt", "text" or b"bytes") -> the path, folders made as needed."""

    def _write(rel: str, content: str | bytes) -> Path:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def redis_server():
    """A private ``redis-server`` on a free port for this test session (never a Redis someone
    runs on the default port): yields its URL without a database, ``redis://127.0.0.1:PORT``.
    Skipped with the reason when redis-server is absent -- a failure instead when
    PROVENANCE_REQUIRE_REDIS=1 (as .ci/run sets)."""
    import os
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    def unavailable(reason: str):
        if os.environ.get("PROVENANCE_REQUIRE_REDIS") == "1":
            pytest.fail(f"a Redis server is required (PROVENANCE_REQUIRE_REDIS=1): {reason}")
        pytest.skip(f"{reason}; install redis-server to run the Redis tests")

    exe = shutil.which("redis-server")
    if exe is None:
        unavailable("redis-server is not installed")
    try:
        import redis
    except ImportError:
        unavailable("the redis package is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="provenance-redis-")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", folder],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
                break
            except redis.exceptions.ConnectionError:
                if proc.poll() is not None:
                    unavailable(f"redis-server exited with {proc.returncode}")
                time.sleep(0.05)
        else:
            unavailable(f"redis-server did not answer on port {port} within 5 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
