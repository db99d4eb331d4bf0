"""The Spark engine (issue 16): the same answers as the local engine, over a cluster.

An optional extra (``pip install 'news-provenance[spark]'``: pyspark 4, Java 17+). The library
code runs inside Spark partitions (Arrow batches through ``mapInArrow``, the compiled kernels
on the executors); candidates come from band keys and sentence keys grouped by Spark's own
shuffles; nothing collects the corpus to the driver. No JVM package is fetched at run time.
"""

from provenance.spark.dedup import VERIFY, DedupFrames, dedup
from provenance.spark.families import FamilyFrames, families
from provenance.spark.inputs import Inputs, documents, read_input
from provenance.spark.passages import PassageFrames, pairs, passages
from provenance.spark.session import SparkUnavailable, missing, session

__all__ = ["VERIFY", "DedupFrames", "FamilyFrames", "Inputs", "PassageFrames",
           "SparkUnavailable", "dedup", "documents", "families", "missing", "pairs", "passages",
           "read_input", "session"]
