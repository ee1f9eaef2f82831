"""Strict JSON schemas: rxagents makes the same schemas strict as the SDK, and refuses the same.

Each case is a tool signature or an output type; both libraries build its schema
and the results must be equal, or both must refuse with a UserError (ours naming
the field).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import agents
import pytest
from agents.agent_output import AgentOutputSchema as SdkOutputSchema
from agents.strict_schema import ensure_strict_json_schema as sdk_strict
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from rxagents import function_tool
from rxagents._strict_schema import ensure_strict_json_schema
from rxagents.agent_output import AgentOutputSchema
from rxagents.errors import UserError


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    zip_code: str | None = None


class Person(BaseModel):
    name: str = Field(description="full name")
    home: Address = Field(description="where they live")  # a $ref with a sibling
    work: Address | None = None
    tags: list[str] = []


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool


class Pet(BaseModel):
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]  # oneOf + discriminator


class Tree(BaseModel):
    value: int
    children: list[Tree] = []


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    x: int


class Movie(TypedDict):
    title: str
    year: int


@dataclass
class Point:
    x: float
    y: float = 0.0


def f_plain(city: str, days: int, units: str = "c", hourly: bool | None = None) -> str:
    """Weather.

    Args:
        city: the city.
        days: how many days.
    """
    return city


def f_models(person: Person, pets: list[Pet], color: Color = Color.RED) -> str:
    return ""


def f_recursive(tree: Tree, point: Point, movie: Movie) -> str:
    return ""


def f_literal(mode: Literal["fast", "slow"], limit: Annotated[int, Field(ge=1, le=10)] = 3) -> str:
    return ""


def f_nothing() -> str:
    return ""


def f_dict(scores: dict[str, int]) -> str:
    return ""


def f_open(value: Open) -> str:
    return ""


def f_any(value: Any) -> str:
    return ""


TOOL_FUNCTIONS = [f_plain, f_models, f_recursive, f_literal, f_nothing]
REFUSED_FUNCTIONS = [f_dict, f_open]
OUTPUT_TYPES: list[Any] = [Person, Pet, Tree, list[int], Movie, Point, int, Color, list[Person]]
REFUSED_OUTPUT_TYPES: list[Any] = [dict[str, int], Open, list[dict[str, int]]]


@pytest.mark.parametrize("func", TOOL_FUNCTIONS, ids=lambda f: f.__name__)
def test_tool_schemas_equal_the_sdks(func: Any) -> None:
    ours = function_tool(func)
    theirs = agents.function_tool(func)
    assert ours.strict_json_schema is theirs.strict_json_schema is True
    assert ours.params_json_schema == theirs.params_json_schema
    assert ours.description == theirs.description


@pytest.mark.parametrize("func", TOOL_FUNCTIONS, ids=lambda f: f.__name__)
def test_non_strict_tool_schemas_keep_their_optional_parameters(func: Any) -> None:
    ours = function_tool(strict_json_schema=False)(func)
    theirs = agents.function_tool(func, strict_mode=False)
    assert ours.strict_json_schema is theirs.strict_json_schema is False
    assert ours.params_json_schema.get("required") == theirs.params_json_schema.get("required")


@pytest.mark.parametrize("func", REFUSED_FUNCTIONS, ids=lambda f: f.__name__)
def test_tools_the_sdk_cannot_make_strict_are_refused_naming_the_parameter(func: Any) -> None:
    with pytest.raises(agents.UserError):
        agents.function_tool(func)
    with pytest.raises(UserError) as caught:
        function_tool(func)
    parameter = next(iter(func.__annotations__))
    assert f"tool {func.__name__!r}: field " in str(caught.value)
    assert repr(parameter) in str(caught.value)
    assert "strict_json_schema=False" in str(caught.value)
    # ... and accepted, as they are, when strict mode is off
    assert function_tool(strict_json_schema=False)(func).strict_json_schema is False


def test_a_tool_with_any_is_accepted_as_the_sdk_does() -> None:
    # {} for Any is not an object type: neither library can close it, neither refuses it.
    assert function_tool(f_any).params_json_schema == agents.function_tool(f_any).params_json_schema


@pytest.mark.parametrize("output_type", OUTPUT_TYPES, ids=str)
def test_output_schemas_equal_the_sdks(output_type: Any) -> None:
    ours = AgentOutputSchema(output_type)
    theirs = SdkOutputSchema(output_type)
    assert ours.json_schema() == theirs.json_schema()
    assert ours.is_strict_json_schema() is theirs.is_strict_json_schema() is True


@pytest.mark.parametrize("output_type", REFUSED_OUTPUT_TYPES, ids=str)
def test_output_types_the_sdk_cannot_make_strict_are_refused(output_type: Any) -> None:
    with pytest.raises(agents.UserError):
        SdkOutputSchema(output_type)
    with pytest.raises(UserError, match="cannot be made a strict JSON schema"):
        AgentOutputSchema(output_type)
    relaxed = AgentOutputSchema(output_type, strict_json_schema=False)
    assert relaxed.json_schema() == SdkOutputSchema(output_type, False).json_schema()


RAW_SCHEMAS: list[dict[str, Any]] = [
    {},
    {"type": "object", "properties": {"a": {"type": "string", "default": None}}},
    {"properties": {"a": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}},
    {  # a one-entry allOf around a $ref, with a description beside it
        "type": "object",
        "properties": {"a": {"allOf": [{"$ref": "#/$defs/A"}], "description": "an A"}},
        "$defs": {"A": {"type": "object", "properties": {"x": {"type": "integer"}}}},
    },
    {  # a chain of $refs with siblings
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/B", "description": "via B"}},
        "$defs": {
            "B": {"$ref": "#/$defs/C", "title": "B"},
            "C": {"type": "object", "properties": {"y": {"type": "array", "items": {}}}},
        },
    },
    {"type": ["object"], "properties": {"a": {"type": "integer"}}},
]
REFUSED_RAW_SCHEMAS: list[dict[str, Any]] = [
    {"anyOf": [{"type": "object", "properties": {}}, {"type": "null"}]},
    {"type": ["object", "null"], "properties": {}},
    {"type": "object", "properties": {"a": {"type": "object", "additionalProperties": {}}}},
    {"type": "object", "properties": {"a": {"$ref": "#/$defs/A", "minLength": 3}},
     "$defs": {"A": {"type": "string"}}},
]


@pytest.mark.parametrize("schema", RAW_SCHEMAS, ids=lambda s: str(s)[:60])
def test_raw_schemas_become_what_the_sdk_makes_of_them(schema: dict[str, Any]) -> None:
    import copy

    original = copy.deepcopy(schema)
    ours = ensure_strict_json_schema(schema, owner="test")
    assert schema == original  # ours copies; the SDK's mutates its argument
    assert ours == sdk_strict(copy.deepcopy(schema))


@pytest.mark.parametrize("schema", REFUSED_RAW_SCHEMAS, ids=lambda s: str(s)[:60])
def test_raw_schemas_the_sdk_refuses_are_refused(schema: dict[str, Any]) -> None:
    import copy

    with pytest.raises(agents.UserError):
        sdk_strict(copy.deepcopy(schema))
    with pytest.raises(UserError, match=r"^test: "):
        ensure_strict_json_schema(schema, owner="test")


def test_the_refusal_names_a_nested_field() -> None:
    class Inner(BaseModel):
        weights: dict[str, float]

    class Outer(BaseModel):
        items: list[Inner]

    with pytest.raises(UserError, match=r"field 'Inner\.weights'") as caught:
        AgentOutputSchema(Outer)
    assert "output_type Outer" in str(caught.value)


def test_a_fan_out_of_refs_is_refused_before_it_explodes() -> None:
    defs = {f"D{i}": {"type": "object", "properties": {
        "a": {"$ref": f"#/$defs/D{i + 1}", "description": "a"},
        "b": {"$ref": f"#/$defs/D{i + 1}", "description": "b"},
    }} for i in range(30)}
    defs["D30"] = {"type": "string"}
    schema = {"type": "object", "properties": {"x": {"$ref": "#/$defs/D0", "title": "x"}},
              "$defs": defs}
    with pytest.raises(UserError, match="more than 100000 nodes"):
        ensure_strict_json_schema(schema, owner="test")


async def test_an_output_type_that_cannot_be_strict_fails_when_the_run_is_started() -> None:
    from rxagents import Agent, Runner
    from rxagents.testing import ScriptedModel, text

    class Scores(BaseModel):
        by_name: dict[str, int]

    with pytest.raises(UserError, match=r"output_type Scores: field 'by_name'"):
        Runner.run_streamed(Agent("a", output_type=Scores), "x")
    model = ScriptedModel([[text('{"by_name": {"ada": 3}}')]])
    output_type = AgentOutputSchema(Scores, strict_json_schema=False)
    result = await Runner.run(Agent("a", model=model, output_type=output_type), "x")
    assert result.final_output == Scores(by_name={"ada": 3})
    sent = model.requests[0].output_schema
    assert sent is not None and sent.strict is False and sent.name == "final_output"
