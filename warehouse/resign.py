"""Stored signatures computed again when the MinHash scheme changes (migration 0009).

Signatures of two schemes estimate nothing when compared, so every stored one is replaced in
the migration's transaction: no load ever sees a mix.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from warehouse.bulk import TEXT, staged
from warehouse.stories import signature

# Articles re-signed per round trip: bounds the memory a large warehouse needs for it.
CHUNK = 5_000
_RESIGNED = pa.schema([("article_id", TEXT), ("signature", pa.list_(pa.uint32()))])


def resign_signatures(con: duckdb.DuckDBPyConnection) -> int:
    """Every stored signature computed again from its article's title and body (the text
    `warehouse.articles` signs); returns how many were re-signed. A changed article is signed
    as it reads now. Signatures without an article were deleted by the migration's SQL."""
    ids = [row[0] for row in con.execute(
        "SELECT article_id FROM article_signatures ORDER BY article_id").fetchall()]
    for start in range(0, len(ids), CHUNK):
        rows = con.execute("SELECT article_id, title, body FROM articles "
                           "WHERE article_id = ANY(?)", [ids[start:start + CHUNK]]).fetchall()
        fresh = [(article_id, signature(f"{title}\n{body}")) for article_id, title, body in rows]
        with staged(con, _RESIGNED, fresh, name="_newswatch_resigned") as batch:
            con.execute(f"""UPDATE article_signatures SET signature = b.signature
                FROM {batch} b WHERE article_signatures.article_id = b.article_id""")
    return len(ids)
