"""Which rows of the active set the cloud highlights, by role (query, neighbours, selection, ...), read
from the Session (no Qt): the CloudController places them, the cloud panel draws them."""
from __future__ import annotations

from dataclasses import dataclass, field

from .session import Session

HIGHLIGHTED = 200  # selected rows highlighted (and labelled, and placed when off the map) at most


@dataclass
class Roles:
    """Rows of the embedding set by highlight role (see gui.canvas.colors.ROLE_ORDER)."""

    rows: dict[str, list[int]] = field(default_factory=dict)

    def linked_rows(self) -> list[int]:
        """Words a placed point is linked to its true neighbours for: the query."""
        return self.rows.get("query", [])

    def all_rows(self) -> list[int]:
        return list(dict.fromkeys(r for rs in self.rows.values() for r in rs))


def roles_of(session: Session) -> Roles:
    es = session.embeddings
    if es is None:
        return Roles()
    found = session.neighbours.lookup
    q = found.resolved if found is not None and found.query == session.neighbours.query else None
    out: dict[str, list[int]] = {
        "marked": [int(r) for r in session.cloud.marked if 0 <= int(r) < len(es)],
        # a large selection (a lasso, a regex) is shown by greying the rest: only its first rows are highlighted
        "selection": [int(r) for r in session.selection[:HIGHLIGHTED] if 0 <= int(r) < len(es)],
        # a Milvus collection's words outside its fetched sample have row -1: not in the cloud
        "neighbour": [n.index for n in found.neighbours if n.index >= 0] if q is not None else [],
        "query": [q.index] if q is not None and q.index >= 0 else [],
        "hover": [session.hover] if 0 <= session.hover < len(es) else [],
    }
    a = session.arithmetic.result
    if a is not None:
        out["expression"] = list(a.input_ids)
        out["result"] = [a.results[0].index] if a.results and a.results[0].index >= 0 else []
    return Roles(out)


def arithmetic_key(session: Session) -> str:
    a = session.arithmetic.result
    return "" if a is None else f"{a.expression.text}|{a.method}"
