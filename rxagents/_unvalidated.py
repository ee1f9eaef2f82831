"""Building pydantic models without validation, for values already typed.

The hot paths (a raw event per model event, a snapshot per event, a chat text
delta per chunk) build models from values they made themselves; validating
them again costs several times more than the rest of the path. These are the
slot stores pydantic's own ``model_construct`` ends with, bound once.

Every instance needs all four: its ``__dict__`` (the fields), the set of fields
given (``model_copy`` adds to it: a mutable set unless no copy is ever
updated), its extra fields (``None`` unless the model allows extras) and its
private attributes (``None`` when it has none).
"""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["new_model", "set_dict", "set_extra", "set_fields_set", "set_private"]

new_model = object.__new__
set_dict = BaseModel.__dict__["__dict__"].__set__
set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
set_private = BaseModel.__dict__["__pydantic_private__"].__set__
