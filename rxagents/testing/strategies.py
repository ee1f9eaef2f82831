"""Hypothesis strategies: scripted multi-agent runs, grammar-valid streams, text chunkings.

Needs ``hypothesis`` (``pip install -e '.[testing]'``).

Example:
    >>> @given(script=scripts(agents=["triage", "billing"]))
    ... async def test_my_pipeline(script):
    ...     run = await collect(script.run_streamed("hi").pipe(my_operator()))
    ...     assert_valid_run(run)
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal, TypeVar

from hypothesis import strategies as st

from rxagents.agent import Agent, Handoff
from rxagents.errors import UserError
from rxagents.run._options import output_spec
from rxagents.testing._chunkings import text_chunkings
from rxagents.testing._events import stream_events
from rxagents.testing._schema import from_schema
from rxagents.testing.probes import sample_tools
from rxagents.testing.script import CallStep, ErrorStep, Script, ScriptTurn, Step, TextStep
from rxagents.tools import FunctionTool

__all__ = ["FAILURES", "Failure", "scripts", "stream_events", "text_chunkings", "timed"]

T = TypeVar("T")

Failure = Literal["model_error", "tool_raises", "invalid_json", "unknown_tool", "max_turns"]
FAILURES: tuple[Failure, ...] = (
    "model_error",
    "tool_raises",
    "invalid_json",
    "unknown_tool",
    "max_turns",
)
"""Every kind of failure :func:`scripts` can draw."""

_BROKEN_JSON = ('{"', "{'a': 1}", "not json", '{"a": 1', "[1, 2", '{"a": }')


def timed(
    items: st.SearchStrategy[list[T]] | None = None,
    *,
    max_gap: float = 2.0,
    resolution: float = 0.25,
) -> st.SearchStrategy[list[tuple[float, T]]]:
    """Give each item of a drawn list a time: ``[(time, item), ...]``, times non-decreasing.

    Gaps are multiples of ``resolution`` up to ``max_gap`` (zero included, so
    bursts happen). Feed the result to :meth:`Marbles.cold_timeline` to test a
    time-based operator under any timing.

    Args:
        items: the lists to time (default: :func:`stream_events`).
    """
    source: st.SearchStrategy[list[Any]] = items if items is not None else stream_events()
    steps = max(0, round(max_gap / resolution))

    @st.composite
    def build(draw: st.DrawFn) -> list[tuple[float, Any]]:
        values = draw(source)
        gaps = draw(st.lists(st.integers(0, steps), min_size=len(values), max_size=len(values)))
        out: list[tuple[float, Any]] = []
        now = 0
        for gap, value in zip(gaps, values, strict=True):
            now += gap
            out.append((now * resolution, value))
        return out

    return build()


def scripts(
    agents: Sequence[Agent[Any] | str] | None = None,
    tools: Sequence[FunctionTool] | None = None,
    *,
    max_turns: int = 4,
    max_parallel: int = 3,
    failures: bool | Collection[Failure] = True,
    texts: st.SearchStrategy[str] | None = None,
    tool_args: Mapping[str, st.SearchStrategy[dict[str, Any]]] | None = None,
    outputs: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[Script]:
    """Valid multi-turn, multi-agent scripts: text, parallel tool calls, handoffs, failures.

    Each drawn :class:`~rxagents.testing.Script` knows the outcome its run must
    have (``final_output`` or ``error``) and builds fresh runnable agents:
    ``script.run_streamed("hi")`` is a cold run of it.

    Args:
        agents: the agents a run may go through; the first starts. Agents are
            used with their own tools and handoffs (agents they hand off to are
            included). A name creates an agent that can hand off to every other
            agent given by name. Default: ``["triage", "expert"]``.
        tools: tools every agent offers besides its own. Default, when
            ``agents`` are names or omitted: :func:`sample_tools`.
        max_turns: most model calls per script.
        max_parallel: most tool calls in one turn.
        failures: ``True`` for all of :data:`FAILURES`, ``False`` for none, or the
            kinds to draw: the model call fails (``model_error``), a tool raises
            (``tool_raises``; it fails the run if its agent has
            ``tool_error_behavior="raise"``), arguments that are not JSON
            (``invalid_json``), a tool that does not exist (``unknown_tool``),
            too few turns allowed (``max_turns``).
        texts: strategy for message texts (default: short unicode text).
        tool_args: argument strategies by tool name, for tools whose schema is
            beyond the common subset.
        outputs: final output strategies by agent name, for agents with an
            ``output_type`` hypothesis cannot build with ``st.from_type``.
    """
    if max_turns < 1 or max_parallel < 1:
        raise UserError("scripts() needs max_turns >= 1 and max_parallel >= 1")
    given = list(agents) if agents is not None else ["triage", "expert"]
    if not given:
        raise UserError("scripts(agents=...) needs at least one agent")
    if tools is None:
        tools = sample_tools() if all(isinstance(a, str) for a in given) else []
    kinds: frozenset[str] = frozenset(FAILURES) if failures is True else frozenset(failures or ())
    unknown = kinds - set(FAILURES)
    if unknown:
        raise UserError(f"unknown failure kind(s) {sorted(unknown)}; choose from {FAILURES}")
    graph = _agent_graph(given)
    all_tools = {t.name: t for a in graph.values() for t in a.tools} | {t.name: t for t in tools}
    arg_strategies = {
        name: (tool_args or {}).get(name)
        or from_schema(tool.params_json_schema, where=f"tool {name!r}").filter(
            lambda v: isinstance(v, dict)
        )
        for name, tool in all_tools.items()
    }
    plan = _Plan(
        graph=graph,
        start=next(iter(graph)),
        extra_tools=tuple(tools),
        max_turns=max_turns,
        max_parallel=max_parallel,
        failures=kinds,
        texts=texts if texts is not None else st.text(max_size=24),
        args=arg_strategies,
        outputs=dict(outputs or {}),
    )
    return _draw_script(plan)


def _agent_graph(given: Sequence[Agent[Any] | str]) -> dict[str, Agent[Any]]:
    named = [a for a in given if isinstance(a, str)]
    made: dict[str, Agent[Any]] = {
        name: Agent(name, instructions=f"You are {name}.") for name in named
    }
    for name, agent in made.items():
        agent.handoffs = [other for n, other in made.items() if n != name]
    graph: dict[str, Agent[Any]] = {}
    todo = [made[a] if isinstance(a, str) else a for a in given]
    while todo:
        agent = todo.pop(0)
        known = graph.get(agent.name)
        if known is agent:
            continue
        if known is not None:
            raise UserError(
                f"two different agents are named {agent.name!r}; scripts() needs unique names"
            )
        graph[agent.name] = agent
        todo.extend(h.agent for h in agent.get_handoffs())
    return graph


class _Plan:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    graph: dict[str, Agent[Any]]
    start: str
    extra_tools: tuple[FunctionTool, ...]
    max_turns: int
    max_parallel: int
    failures: frozenset[str]
    texts: st.SearchStrategy[str]
    args: dict[str, st.SearchStrategy[dict[str, Any]]]
    outputs: dict[str, st.SearchStrategy[Any]]


@st.composite
def _text_step(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> TextStep:
    content = draw(texts)
    chunks = draw(text_chunkings(content))
    return TextStep(content, tuple(chunks), ticks=draw(st.integers(0, 2)))


def _weighted(draw: st.DrawFn, weights: list[tuple[str, int]]) -> str:
    """One of the names, with the given weights; shrinks towards the first."""
    pick = draw(st.integers(0, sum(w for _, w in weights) - 1))
    for name, weight in weights:
        if pick < weight:
            return name
        pick -= weight
    raise AssertionError("unreachable")


@st.composite
def _tool_call(draw: st.DrawFn, plan: _Plan, agent: Agent[Any]) -> CallStep:
    names = sorted({t.name for t in agent.tools} | {t.name for t in plan.extra_tools})
    # Mostly valid calls: 6 in 10 when every kind is possible (shrinks towards "tool").
    weights = [("tool", 6 if names else 0)]
    weights.append(("unknown_tool", 2 if "unknown_tool" in plan.failures or not names else 0))
    weights.append(("invalid_json", 2 if "invalid_json" in plan.failures and names else 0))
    kind = _weighted(draw, weights)
    chunk_size, ticks = draw(st.integers(1, 12)), draw(st.integers(0, 2))
    if kind == "unknown_tool":
        taken = set(names)
        name = next(
            f"no_such_tool{i or ''}"
            for i in range(len(taken) + 1)
            if f"no_such_tool{i or ''}" not in taken
        )
        return CallStep(name, "{}", "unknown_tool", chunk_size, ticks)
    name = draw(st.sampled_from(names))
    if kind == "invalid_json":
        broken = draw(st.sampled_from(_BROKEN_JSON))
        return CallStep(name, broken, "invalid_json", chunk_size, ticks)
    arguments = json.dumps(draw(plan.args[name]))
    fails = "tool_raises" in plan.failures and draw(st.integers(0, 4)) == 2
    return CallStep(name, arguments, "tool", chunk_size, ticks, fails, draw(st.integers(0, 3)))


def _final_text(draw: st.DrawFn, plan: _Plan, agent: Agent[Any]) -> tuple[list[Step], Any]:
    spec = output_spec(agent.output_type)
    if spec is None:
        steps: list[Step] = [draw(_text_step(plan.texts)) for _ in range(draw(st.integers(0, 2)))]
        last = [s for s in steps if isinstance(s, TextStep)]
        return steps, last[-1].content if last else ""
    strategy = plan.outputs.get(agent.name) or st.from_type(agent.output_type)
    value = draw(strategy)
    payload = spec.adapter.dump_python(value, mode="json")
    content = json.dumps({"response": payload} if spec.wrapped else payload)
    chunks = draw(text_chunkings(content))
    return [TextStep(content, tuple(chunks))], spec.parse(content, agent.name)


@st.composite
def _draw_script(draw: st.DrawFn, plan: _Plan) -> Script:
    turns: list[ScriptTurn] = []
    current = plan.start
    planned = draw(st.integers(1, plan.max_turns))
    final_output: Any = None
    error: type[BaseException] | None = None
    for index in range(planned):
        agent = plan.graph[current]
        handoffs = agent.get_handoffs()
        can_call = bool(agent.tools or plan.extra_tools) or "unknown_tool" in plan.failures
        last = index == planned - 1 or not (can_call or handoffs)
        if last:
            if "model_error" in plan.failures and draw(st.integers(0, 5)) == 3:
                said = [draw(_text_step(plan.texts)) for _ in range(draw(st.integers(0, 1)))]
                turns.append(ScriptTurn(current, (*said, ErrorStep())))
                error = _errors["model_error"]
            else:
                final_steps, final_output = _final_text(draw, plan, agent)
                turns.append(ScriptTurn(current, tuple(final_steps)))
            break
        options = (["tools"] if can_call else []) + (["handoff"] if handoffs else [])
        kind = draw(st.sampled_from(options))
        count = draw(st.integers(1 if kind == "tools" else 0, plan.max_parallel))
        steps: list[Step] = [draw(_tool_call(plan, agent)) for _ in range(count)]
        target: Handoff | None = None
        if kind == "handoff":
            target = draw(st.sampled_from(handoffs))
            extra = [draw(st.sampled_from(handoffs))] if draw(st.integers(0, 7)) == 3 else []
            for h in [target, *extra]:
                steps.insert(
                    draw(st.integers(0, len(steps))),
                    CallStep(h.tool_name, "{}", "handoff", ticks=draw(st.integers(0, 2))),
                )
        if draw(st.booleans()):
            steps.insert(draw(st.integers(0, len(steps))), draw(_text_step(plan.texts)))
        turns.append(ScriptTurn(current, tuple(steps)))
        raises = agent.tool_error_behavior == "raise"
        if raises and any(isinstance(s, CallStep) and s.fails for s in steps):
            error = _errors["tool_raises"]
            break
        if target is not None:
            # The run performs the first handoff the model asked for; others are refused.
            by_tool = {h.tool_name: h for h in handoffs}
            first = next(s for s in steps if isinstance(s, CallStep) and s.kind == "handoff")
            current = by_tool[first.name].agent.name
    max_turns = len(turns)
    if "max_turns" in plan.failures and len(turns) >= 2 and draw(st.integers(0, 7)) == 3:
        max_turns = draw(st.integers(1, len(turns) - 1))
        error, final_output = _errors["max_turns"], None
    return Script(
        agents=dict(plan.graph),
        start=plan.start,
        turns=tuple(turns),
        max_turns=max_turns,
        extra_tools=plan.extra_tools,
        final_output=None if error else final_output,
        error=error,
        last_agent=current,
    )


def _error_types() -> dict[str, type[BaseException]]:
    from rxagents.errors import MaxTurnsExceeded, ModelConnectionError, ToolExecutionError

    return {
        "model_error": ModelConnectionError,
        "tool_raises": ToolExecutionError,
        "max_turns": MaxTurnsExceeded,
    }


_errors = _error_types()
