"""The smallest JSON Patch (RFC 6902) we need: from one JSON document to the next.

Objects are compared key by key and lists index by index (new items ``add``-ed at
the end, ``/-``; missing ones removed from the end); any other change replaces
the value. Good for state that mostly appends and changes a few scalars.
"""

from __future__ import annotations

from typing import Any

__all__ = ["json_diff"]


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def json_diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """The operations that turn ``old`` into ``new`` (both plain JSON data)."""
    if isinstance(old, dict) and isinstance(new, dict):
        ops: list[dict[str, Any]] = []
        for key in old:
            if key not in new:
                ops.append({"op": "remove", "path": f"{path}/{_escape(key)}"})
        for key, value in new.items():
            where = f"{path}/{_escape(key)}"
            if key not in old:
                ops.append({"op": "add", "path": where, "value": value})
            else:
                ops.extend(json_diff(old[key], value, where))
        return ops
    if isinstance(old, list) and isinstance(new, list):
        ops = []
        for index in range(min(len(old), len(new))):
            ops.extend(json_diff(old[index], new[index], f"{path}/{index}"))
        ops.extend({"op": "add", "path": f"{path}/-", "value": v} for v in new[len(old) :])
        ops.extend(
            {"op": "remove", "path": f"{path}/{i}"} for i in range(len(old) - 1, len(new) - 1, -1)
        )
        return ops
    if old == new and type(old) is type(new):
        return []
    return [{"op": "replace", "path": path, "value": new}]
