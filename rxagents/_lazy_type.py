"""Field types whose class is imported when pydantic first builds a schema, not at import.

openai's type modules take most of a second to import; ``import rxagents`` and the
CLI's ``--help`` need none of them. A model field annotated with :func:`lazy_type`
(in a model with ``defer_build=True``) validates and serializes exactly as the real
class would: the schema is the real class's, generated on first use.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema

__all__ = ["lazy_type"]


class _LazyType:
    """Marker in ``Annotated[Any, ...]``: generate the schema of ``module.name`` when asked."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        real = getattr(importlib.import_module(self.module), self.name)
        return handler.generate_schema(real)

    def __repr__(self) -> str:
        return f"lazy_type({self.module!r}, {self.name!r})"


def lazy_type(module: str, name: str) -> Any:
    """``Annotated[Any, ...]`` standing for ``module.name`` in a deferred pydantic model."""
    return Annotated[Any, _LazyType(module, name)]
