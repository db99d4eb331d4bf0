"""The Spark session and the checks that pyspark and a Java runtime are there.

pyspark is an optional extra (``pip install 'news-provenance[spark]'``): nothing in the rest
of the library imports this package.
"""

from __future__ import annotations

import os
import shutil
import sys

from provenance.errors import ConfigError, ProvenanceError

__all__ = ["LOCAL_DRIVER_MEMORY", "SparkUnavailable", "missing", "session"]

LOCAL_DRIVER_MEMORY = "4g"


class SparkUnavailable(ProvenanceError):
    """pyspark or a Java runtime is missing; the message says what to install."""


def missing() -> str | None:
    """Why the Spark engine cannot run here, or None when it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return ("pyspark is not installed; install the extra: pip install "
                "'news-provenance[spark]'")
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))) \
            and shutil.which("java") is None:
        return ("no Java runtime (java not on PATH, JAVA_HOME unset); install Java 17+, e.g. "
                "apt-get install openjdk-17-jre-headless")
    return None


def session(master: str | None = None, app: str = "provenance", *,
            shuffle_partitions: int | None = None, conf: dict[str, str] | None = None):
    """The active SparkSession, or a new one on ``master`` (``local[2]``, ``yarn``,
    ``spark://host:7077``; None leaves it to ``spark-submit``).

    Local masters get few shuffle partitions (Spark's default of 200 costs seconds on small
    data) and a 4 GB heap (the JVM decodes a line whole: a 100 MB JSONL line needs about 1 GB
    to reach the reader, which then skips it with its reason) and no web UI (``conf`` may set
    ``spark.ui.enabled`` back); the executors run this Python
    (``PYSPARK_PYTHON``) unless it is set already.
    """
    why = missing()
    if why:
        raise SparkUnavailable(why)
    from pyspark.sql import SparkSession

    if master is not None and not isinstance(master, str):
        raise ConfigError(f"master must be a string such as 'local[2]', got {master!r}")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app)
    if master:
        builder = builder.master(master)
    local = (master or "").startswith("local")
    parts = shuffle_partitions or (8 if local else None)
    if parts:
        builder = builder.config("spark.sql.shuffle.partitions", str(parts))
    if local and not os.environ.get("SPARK_DRIVER_MEMORY") and "spark.driver.memory" not in (
            conf or {}):
        builder = builder.config("spark.driver.memory", LOCAL_DRIVER_MEMORY)
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    if local:  # no web UI to start (and no port to search for) on one machine
        builder = builder.config("spark.ui.enabled", "false")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
