"""Guardrails, with the OpenAI Agents SDK's names: checks on a run's input and final output.

An input guardrail looks at the starting agent's input; an output guardrail at
the last agent's final output. Each returns a :class:`GuardrailFunctionOutput`;
``tripwire_triggered=True`` stops the run with
:class:`~rxagents.errors.InputGuardrailTripwireTriggered` or
:class:`~rxagents.errors.OutputGuardrailTripwireTriggered`. The run loop runs
them (:mod:`rxagents.run._guardrails`); this module is vocabulary only.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar, overload

from pydantic import PlainSerializer

from rxagents.context import RunContext
from rxagents.errors import UserError

if TYPE_CHECKING:
    from rxagents.agent import Agent

__all__ = [
    "GuardrailFunctionOutput",
    "GuardrailResultRef",
    "InputGuardrail",
    "InputGuardrailResult",
    "OutputGuardrail",
    "OutputGuardrailResult",
    "input_guardrail",
    "output_guardrail",
]

TContext = TypeVar("TContext")

GuardrailInput = str | list[dict[str, Any]]
"""What an input guardrail sees: the run's input, a string or Responses input items."""


@dataclass
class GuardrailFunctionOutput:
    """What a guardrail function returns.

    Attributes:
        output_info: anything the check wants to report (scores, reasons).
        tripwire_triggered: ``True`` stops the run.
    """

    output_info: Any
    tripwire_triggered: bool


@dataclass
class InputGuardrailResult:
    """An input guardrail that ran, and what it returned."""

    guardrail: InputGuardrail[Any]
    output: GuardrailFunctionOutput


@dataclass
class OutputGuardrailResult:
    """An output guardrail that ran: the agent and output it checked, and what it returned."""

    guardrail: OutputGuardrail[Any]
    agent_output: Any
    agent: Agent[Any]
    output: GuardrailFunctionOutput


async def _call(fn: Callable[..., Any], *args: Any) -> GuardrailFunctionOutput:
    if not callable(fn):
        raise UserError(f"a guardrail function must be callable, got {fn!r}")
    value = fn(*args)
    if inspect.isawaitable(value):
        value = await value
    if not isinstance(value, GuardrailFunctionOutput):
        name = getattr(fn, "__name__", repr(fn))
        raise UserError(
            f"guardrail {name!r} returned {type(value).__name__}; return "
            "GuardrailFunctionOutput(output_info=..., tripwire_triggered=...)"
        )
    return value


@dataclass
class InputGuardrail(Generic[TContext]):
    """A check on the starting agent's input.

    Attributes:
        guardrail_function: ``(ctx, agent, input) -> GuardrailFunctionOutput``, sync or async.
        name: shown in results and errors; defaults to the function's name.
        run_in_parallel: ``True`` (the default) runs it concurrently with the first model
            call, which a trip cancels; ``False`` runs it before the model is asked.
    """

    guardrail_function: Callable[
        [RunContext[TContext], Agent[Any], GuardrailInput],
        GuardrailFunctionOutput | Awaitable[GuardrailFunctionOutput],
    ]
    name: str | None = None
    run_in_parallel: bool = True

    def get_name(self) -> str:
        """The guardrail's name."""
        return str(self.name or getattr(self.guardrail_function, "__name__", "input_guardrail"))

    async def run(
        self, agent: Agent[Any], input: GuardrailInput, context: RunContext[TContext]
    ) -> InputGuardrailResult:
        """Run the check (the SDK's argument order)."""
        output = await _call(self.guardrail_function, context, agent, input)
        return InputGuardrailResult(guardrail=self, output=output)


@dataclass
class OutputGuardrail(Generic[TContext]):
    """A check on the last agent's final output.

    Attributes:
        guardrail_function: ``(ctx, agent, output) -> GuardrailFunctionOutput``, sync or async.
        name: shown in results and errors; defaults to the function's name.
    """

    guardrail_function: Callable[
        [RunContext[TContext], Agent[Any], Any],
        GuardrailFunctionOutput | Awaitable[GuardrailFunctionOutput],
    ]
    name: str | None = None

    def get_name(self) -> str:
        """The guardrail's name."""
        return str(self.name or getattr(self.guardrail_function, "__name__", "output_guardrail"))

    async def run(
        self, context: RunContext[TContext], agent: Agent[Any], agent_output: Any
    ) -> OutputGuardrailResult:
        """Run the check (the SDK's argument order)."""
        output = await _call(self.guardrail_function, context, agent, agent_output)
        return OutputGuardrailResult(
            guardrail=self, agent_output=agent_output, agent=agent, output=output
        )


_InputFn = Callable[
    [RunContext[Any], "Agent[Any]", GuardrailInput],
    GuardrailFunctionOutput | Awaitable[GuardrailFunctionOutput],
]
_OutputFn = Callable[
    [RunContext[Any], "Agent[Any]", Any],
    GuardrailFunctionOutput | Awaitable[GuardrailFunctionOutput],
]


@overload
def input_guardrail(func: _InputFn) -> InputGuardrail[Any]: ...
@overload
def input_guardrail(
    *, name: str | None = None, run_in_parallel: bool = True
) -> Callable[[_InputFn], InputGuardrail[Any]]: ...
def input_guardrail(
    func: _InputFn | None = None, *, name: str | None = None, run_in_parallel: bool = True
) -> InputGuardrail[Any] | Callable[[_InputFn], InputGuardrail[Any]]:
    """Make a function ``(ctx, agent, input)`` an :class:`InputGuardrail`.

    Use bare (``@input_guardrail``) or with options
    (``@input_guardrail(name=..., run_in_parallel=False)``).
    """

    def decorate(f: _InputFn) -> InputGuardrail[Any]:
        return InputGuardrail(
            guardrail_function=f, name=name or f.__name__, run_in_parallel=run_in_parallel
        )

    return decorate(func) if func is not None else decorate


@overload
def output_guardrail(func: _OutputFn) -> OutputGuardrail[Any]: ...
@overload
def output_guardrail(*, name: str | None = None) -> Callable[[_OutputFn], OutputGuardrail[Any]]: ...
def output_guardrail(
    func: _OutputFn | None = None, *, name: str | None = None
) -> OutputGuardrail[Any] | Callable[[_OutputFn], OutputGuardrail[Any]]:
    """Make a function ``(ctx, agent, output)`` an :class:`OutputGuardrail`.

    Use bare (``@output_guardrail``) or with a name (``@output_guardrail(name=...)``).
    """

    def decorate(f: _OutputFn) -> OutputGuardrail[Any]:
        return OutputGuardrail(guardrail_function=f, name=name or f.__name__)

    return decorate(func) if func is not None else decorate


def _summary(result: Any) -> Any:
    """A guardrail result in JSON (events cross processes): its name and verdict."""
    if isinstance(result, (InputGuardrailResult, OutputGuardrailResult)):
        info = result.output.output_info
        plain = info if isinstance(info, (str, int, float, bool, type(None))) else repr(info)
        return {
            "guardrail": result.guardrail.get_name(),
            "tripwire_triggered": result.output.tripwire_triggered,
            "output_info": plain,
        }
    return result


if TYPE_CHECKING:
    GuardrailResultRef = Any
else:
    GuardrailResultRef = Annotated[Any, PlainSerializer(_summary)]
    """A guardrail result on a RunResult: the object in process, a summary in JSON."""
