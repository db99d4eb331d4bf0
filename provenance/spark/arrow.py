"""Arrow batches in and out of the partitions (``mapInArrow``, ``applyInArrow``).

Columns are built with explicit Arrow types from the Spark schema, so what a partition yields
is exactly what Spark declared (pandas' own string and null inference is not involved).
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["arrow_schema", "batches", "columns", "table"]


def _arrow_type(t):
    import pyarrow as pa
    from pyspark.sql import types as T

    simple = {T.StringType: pa.string(), T.LongType: pa.int64(), T.IntegerType: pa.int32(),
              T.BooleanType: pa.bool_(), T.BinaryType: pa.binary(), T.DoubleType: pa.float64()}
    for cls, arrow in simple.items():
        if isinstance(t, cls):
            return arrow
    if isinstance(t, T.ArrayType):
        return pa.list_(_arrow_type(t.elementType))
    if isinstance(t, T.StructType):
        return pa.struct([pa.field(f.name, _arrow_type(f.dataType)) for f in t.fields])
    raise TypeError(f"no Arrow type for {t}")


def arrow_schema(schema):
    """The Arrow schema of a Spark ``StructType``."""
    import pyarrow as pa

    return pa.schema([pa.field(f.name, _arrow_type(f.dataType)) for f in schema.fields])


def table(data: dict[str, list], schema):
    """A ``pyarrow.Table`` of ``data`` (column -> list) typed by the Spark ``schema``."""
    import pyarrow as pa

    target = arrow_schema(schema)
    return pa.Table.from_arrays([pa.array(data[f.name], type=f.type) for f in target],
                                schema=target)


def batches(data: dict[str, list], schema) -> Iterator:
    """``data`` as record batches for ``mapInArrow``."""
    yield from table(data, schema).to_batches()


def columns(batch) -> dict[str, list]:
    """A record batch (or table) as column -> Python list."""
    return {name: batch.column(name).to_pylist() for name in batch.schema.names}
