"""Skip relinking when nothing it depends on changed (issue 18): a publish that loads only firms,
postings or indicators keeps the last publish's persons instead of linking every talent record
again (65 s at 1.26M records). The fingerprint covers the records' linkage fields, the reviewers'
decisions, the thresholds, and the code and library versions that normalise and compare; it is
stored in ``meta`` by the publish that linked.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import inspect
import json
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from etl.linkage import LinkReport

FINGERPRINT_KEY = "linkage_fingerprint"


def fingerprint(con: duckdb.DuckDBPyConnection, decisions: dict[tuple[str, str], str],
                limits: tuple[float, float, int]) -> str:
    """What the persons of a publish depend on: every linkage field of every record (an
    order-free sum of row hashes, with the count), the reviewers' decisions, the thresholds,
    and the code and libraries that normalise and compare (a change to any: a new value)."""
    from etl import linkage, linkage_keys, linkage_persons, linkage_score, transform_talent

    n, total = con.execute(f"""
        SELECT count(*), coalesce(sum(hash(r)::HUGEINT), 0)
        FROM ({linkage.RECORDS_SQL.replace("ORDER BY t.talent_id", "")}) r""").fetchone()  # noqa: S608
    h = hashlib.sha256()
    for part in (str(n), str(total), json.dumps(sorted([*k, v] for k, v in decisions.items())),
                 json.dumps(list(limits)), duckdb.__version__,
                 *(md.version(d) for d in ("splink", "pypinyin", "opencc") if _installed(d)),
                 *(inspect.getsource(m) for m in (linkage, linkage_keys, linkage_persons,
                                                  linkage_score, transform_talent))):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _installed(dist: str) -> bool:
    try:
        md.version(dist)
    except md.PackageNotFoundError:
        return False
    return True


def kept_persons(con: duckdb.DuckDBPyConnection, print_: str) -> LinkReport | None:
    """The last publish's persons when its fingerprint is this one and they cover every record
    (else None: link)."""
    from etl.linkage import LinkReport

    row = con.execute("SELECT value FROM meta WHERE key = ?", [FINGERPRINT_KEY]).fetchone()
    if row is None or row[0] != print_:
        return None
    records, persons, unlinked = con.execute("""
        SELECT count(*), count(DISTINCT t.person_id),
               count(*) FILTER (WHERE m.person_id IS DISTINCT FROM t.person_id)
        FROM talent t LEFT JOIN person_member m USING (talent_id)""").fetchone()
    if unlinked:
        return None
    review = con.execute("SELECT count(*) FROM link_review").fetchone()[0]
    return LinkReport(records=records, persons=persons, review_pairs=review, unchanged=True)
