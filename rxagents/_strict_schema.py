"""Making a JSON schema "strict", as OpenAI structured outputs and the Agents SDK want it.

A strict schema lets the API enforce it while the model samples: every object
closes itself (``additionalProperties: false``) and lists every property in
``required``; a parameter that may be left out is instead typed nullable
(pydantic writes ``X | None`` as ``anyOf [X, null]``). The rules, applied from
the root down through ``$defs``, ``properties``, ``items``, ``anyOf``, ``oneOf``
and ``allOf``, give the same result as the OpenAI Agents SDK for the schemas
pydantic produces, so both send the model the same tools:

- an object without ``additionalProperties`` gets ``false``; one that allows
  extra properties (``dict[str, X]``, ``extra="allow"``) cannot be made strict;
- ``required`` becomes every property name, in order;
- ``oneOf`` becomes ``anyOf`` (nested ``oneOf`` is not accepted by the API);
- a one-entry ``allOf`` is merged into its parent; ``"default": null`` is dropped;
- a ``$ref`` with sibling keywords is replaced by what it points to (the API
  rejects such siblings), the siblings winning;
- the root must be a plain object, not a union.

A schema that cannot be made strict raises :class:`~rxagents.errors.UserError`
naming the field, so the caller can fix the type or opt out with
``strict_json_schema=False``.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import unquote

from rxagents.errors import UserError

__all__ = ["ensure_strict_json_schema", "strict_empty_object"]

_MAX_NODES = 100_000
"""Bound on nodes visited: a ``$ref`` fan-out could otherwise expand exponentially."""

_MAX_DEPTH = 100
"""Bound on nesting, well below Python's recursion limit."""

_NON_CONSTRAINING = frozenset(
    {"$comment", "$defs", "definitions", "default", "deprecated", "description",
     "examples", "readOnly", "writeOnly", "title"}
)
"""Keywords that may sit beside a ``$ref`` or be overridden in a merge without changing
which values the schema accepts."""


def strict_empty_object() -> dict[str, Any]:
    """The strict schema of an object with no properties (a handoff's arguments)."""
    return {"type": "object", "properties": {}, "required": [], "additionalProperties": False}


def ensure_strict_json_schema(schema: dict[str, Any], *, owner: str) -> dict[str, Any]:
    """A strict copy of ``schema``; the input is left unchanged.

    Args:
        schema: a JSON schema whose root is an object (or ``{}``).
        owner: what the schema describes, for error messages (e.g. ``"tool 'search'"``).

    Raises:
        UserError: the schema cannot be made strict; the message names the field.
    """
    if not isinstance(schema, dict):
        raise UserError(f"{owner}: a JSON schema must be a dict, got {type(schema).__name__}")
    _check_depth(schema, owner)
    if schema == {}:
        return strict_empty_object()
    root = copy.deepcopy(schema)
    strict = _Strictifier(root, owner).visit(root, (), 1)
    _check_root(strict, owner)
    return strict


def _check_depth(schema: Any, owner: str) -> None:
    stack: list[tuple[Any, int]] = [(schema, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise UserError(f"{owner}: the JSON schema nests deeper than {_MAX_DEPTH} levels")
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def _check_root(schema: dict[str, Any], owner: str) -> None:
    if isinstance(schema.get("anyOf"), list):
        raise UserError(
            f"{owner}: the root of a strict JSON schema must be an object, not a union (anyOf); "
            "wrap the union in a model field, or pass strict_json_schema=False"
        )
    kind = schema.get("type")
    if isinstance(kind, list) and "object" in kind:
        if kind != ["object"]:
            raise UserError(
                f"{owner}: the root of a strict JSON schema must be a non-nullable object, "
                f"its type is {kind}; make it a plain object, or pass strict_json_schema=False"
            )
        schema["type"] = "object"


def field_name(path: tuple[str, ...]) -> str:
    """A schema path as the field a user recognises: ``options.limits[]``, or ``(root)``."""
    parts: list[str] = []
    index = 0
    while index < len(path):
        key = path[index]
        if key in ("properties", "$defs", "definitions") and index + 1 < len(path):
            parts.append(path[index + 1])
            index += 2
            continue
        if key == "items":
            parts[-1:] = [f"{parts[-1] if parts else ''}[]"]
        elif key in ("anyOf", "oneOf", "allOf") and index + 1 < len(path):
            index += 1  # a union's variants are still the same field
        elif key == "additionalProperties":
            parts.append("(extra keys)")
        index += 1
    return ".".join(parts) or "(root)"


def _fields_using(root: dict[str, Any], ref: str) -> list[str]:
    """The fields outside ``$defs`` whose schema refers to ``ref``."""
    found: list[str] = []
    stack: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            if node.get("$ref") == ref and path[:1] not in (("$defs",), ("definitions",)):
                found.append(field_name(path))
            stack.extend((v, (*path, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, str(i))) for i, v in enumerate(node))
    return sorted(set(found))


class _Strictifier:
    """One pass over one schema: the root (for ``$ref``), the owner and the node budget."""

    def __init__(self, root: dict[str, Any], owner: str) -> None:
        self.root = root
        self.owner = owner
        self.budget = _MAX_NODES

    def fail(self, path: tuple[str, ...], problem: str) -> UserError:
        what = f"field {field_name(path)!r}"
        if len(path) >= 2 and path[0] in ("$defs", "definitions"):
            # A shared type's problem is every field's that uses it: name them too.
            users = _fields_using(self.root, f"#/{path[0]}/{path[1]}")
            if users:
                what += f" (the type of field {', '.join(repr(u) for u in users)})"
        return UserError(
            f"{self.owner}: {what} cannot be made a strict JSON schema: "
            f"{problem}; change its type, or pass strict_json_schema=False"
        )

    def visit(self, node: Any, path: tuple[str, ...], depth: int) -> dict[str, Any]:
        if depth > _MAX_DEPTH:
            raise UserError(f"{self.owner}: the JSON schema nests deeper than {_MAX_DEPTH} levels")
        if not isinstance(node, dict):
            raise self.fail(path, f"expected a schema object, got {node!r}")
        self.budget -= 1
        if self.budget < 0:
            raise UserError(
                f"{self.owner}: the JSON schema expands to more than {_MAX_NODES} nodes "
                "(a $ref fan-out?); simplify it"
            )
        self._check_ref_siblings(node, path)
        closed_by_author = node.get("additionalProperties") is False
        for defs_key in ("$defs", "definitions"):
            defs = node.get(defs_key)
            if isinstance(defs, dict):
                for name, sub in defs.items():
                    self.visit(sub, (*path, defs_key, name), depth + 1)
        self._close_object(node, path)
        self._visit_children(node, path, depth)
        all_of = node.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1:
            merged = self._merge_single_all_of(node, path, depth, closed_by_author)
            return self.visit(merged, path, depth + 1)
        if isinstance(all_of, list):
            node["allOf"] = [
                self.visit(e, (*path, "allOf", str(i)), depth + 1) for i, e in enumerate(all_of)
            ]
        if "default" in node and node["default"] is None:
            del node["default"]  # the field is nullable anyway; null is what the model sends
        ref = node.get("$ref")
        if isinstance(ref, str) and len(node) > 1:
            del node["$ref"]
            target = self.resolve(ref, path)
            merged = {**copy.deepcopy(target), **node}  # the siblings win
            node.clear()
            node.update(merged)
            return self.visit(node, path, depth + 1)  # the inlined part needs closing too
        return node

    def _check_ref_siblings(self, node: dict[str, Any], path: tuple[str, ...]) -> None:
        if "$ref" not in node:
            return
        constraining = set(node) - {"$ref"} - _NON_CONSTRAINING - {"$schema", "$id", "$anchor"}
        if constraining:
            raise self.fail(
                path,
                f"a $ref beside constraining keywords ({', '.join(sorted(constraining))}) "
                "cannot be merged without changing what it accepts",
            )

    def _close_object(self, node: dict[str, Any], path: tuple[str, ...]) -> None:
        kind = node.get("type")
        properties = node.get("properties")
        if kind is None and isinstance(properties, dict):
            kind = node["type"] = "object"
        elif kind is None and node.get("additionalProperties", False) is not False:
            raise self.fail(path, "it allows additional properties")
        is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
        if not is_object:
            return
        extra = node.setdefault("additionalProperties", False)
        # `is not False`: an empty schema `{}` (allow anything) is falsy but not closed.
        if extra is not False:
            raise self.fail(
                path,
                "it allows keys that are not declared (a dict[str, ...] or extra='allow' "
                "model); use a model with named fields",
            )

    def _visit_children(self, node: dict[str, Any], path: tuple[str, ...], depth: int) -> None:
        properties = node.get("properties")
        if isinstance(properties, dict):
            node["required"] = list(properties)
            node["properties"] = {
                key: self.visit(sub, (*path, "properties", key), depth + 1)
                for key, sub in properties.items()
            }
        items = node.get("items")
        if isinstance(items, dict):
            node["items"] = self.visit(items, (*path, "items"), depth + 1)
        variants: list[dict[str, Any]] = []
        for union in ("anyOf", "oneOf"):  # the API takes anyOf only: oneOf joins it
            entries = node.get(union)
            if isinstance(entries, list):
                variants.extend(
                    self.visit(e, (*path, union, str(i)), depth + 1) for i, e in enumerate(entries)
                )
        if variants:
            node.pop("oneOf", None)
            node["anyOf"] = variants

    def _merge_single_all_of(
        self, node: dict[str, Any], path: tuple[str, ...], depth: int, closed_by_author: bool
    ) -> dict[str, Any]:
        """``{"allOf": [X], ...siblings}`` as one schema: X with the siblings merged in."""
        entry = node.pop("allOf")[0]
        if isinstance(entry, dict) and "$ref" in entry and not set(entry) - {"$ref"} - (
            _NON_CONSTRAINING
        ):
            inner = self._follow_refs(entry, path)
        else:
            inner = self.visit(entry, (*path, "allOf", "0"), depth + 1)
        clashes = []
        if closed_by_author and not node.get("properties") and inner.get("properties"):
            # additionalProperties only sees its own schema's properties, not the allOf's:
            # merging would start accepting what the author's closed parent rejected.
            clashes.append("properties")
        if not closed_by_author:
            # We closed the parent ourselves above; the merged object is closed when revisited.
            node.pop("additionalProperties", None)
        merged = dict(inner)
        for key, value in node.items():
            if key not in merged or key in _NON_CONSTRAINING:
                merged[key] = value
            elif merged[key] != value and not (key in ("properties", "required") and not value):
                clashes.append(key)
        if clashes:
            raise self.fail(
                path,
                f"an allOf entry and its parent both set {', '.join(sorted(clashes))} differently",
            )
        return merged

    def _follow_refs(self, entry: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
        """The schema a chain of bare ``$ref`` points to, with the chain's annotations."""
        seen: set[str] = set()
        notes: dict[str, Any] = {}
        current = entry
        while "$ref" in current and not set(current) - {"$ref"} - _NON_CONSTRAINING:
            ref = current["$ref"]
            if ref in seen:
                raise self.fail(path, f"the $ref chain through {ref!r} is circular")
            seen.add(ref)
            notes = {**{k: v for k, v in current.items() if k != "$ref"}, **notes}
            current = self.resolve(ref, path)
        return {**copy.deepcopy(current), **notes}

    def resolve(self, ref: str, path: tuple[str, ...]) -> dict[str, Any]:
        """The schema a local ``#/...`` JSON pointer names."""
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise self.fail(path, f"only local references (#/...) are supported, got {ref!r}")
        target: Any = self.root
        for raw in unquote(ref[2:]).split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or key not in target:
                raise self.fail(path, f"the reference {ref!r} points nowhere")
            target = target[key]
        if not isinstance(target, dict):
            raise self.fail(path, f"the reference {ref!r} does not point to a schema")
        return target
