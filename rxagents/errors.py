"""The exceptions rxagents raises. Every one is an :class:`AgentsError`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rxagents.guardrail import InputGuardrailResult, OutputGuardrailResult
    from rxagents.result import RunErrorDetails

__all__ = [
    "AgentsError",
    "AgentsException",
    "InputGuardrailTripwireTriggered",
    "MaxTurnsExceeded",
    "ModelBehaviorError",
    "ModelConfigError",
    "ModelConnectionError",
    "ModelEventTooLarge",
    "ModelHTTPError",
    "ModelTimeoutError",
    "OutputGuardrailTripwireTriggered",
    "RunCancelled",
    "ScriptExhausted",
    "ToolExecutionError",
    "UserError",
]


class AgentsError(Exception):
    """Base class of every error raised by rxagents.

    Attributes:
        run_data: when a run failed with it, what the run had done until then
            (:class:`~rxagents.result.RunErrorDetails`: items, usage, last agent);
            ``None`` for errors raised outside a run.
    """

    run_data: RunErrorDetails | None = None


AgentsException = AgentsError
"""The OpenAI Agents SDK's name for :class:`AgentsError`."""


class UserError(AgentsError):
    """The library was configured or called wrongly; the message says how to fix it."""


class ModelConfigError(UserError):
    """No model can run as configured: e.g. a model is named but no server is set up for it."""


class MaxTurnsExceeded(AgentsError):
    """The run used more model turns than ``max_turns`` allowed."""

    def __init__(self, max_turns: int) -> None:
        super().__init__(
            f"the run exceeded max_turns={max_turns} without a final output; "
            "raise max_turns or check why the agent keeps calling tools"
        )
        self.max_turns = max_turns


class ModelBehaviorError(AgentsError):
    """The model produced something the run cannot use (bad output, malformed stream)."""


class ModelHTTPError(AgentsError):
    """The model server answered with an HTTP error status after retries gave up."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"model server answered HTTP {status_code}: {message}")
        self.status_code = status_code


class ModelConnectionError(AgentsError):
    """The connection to the model server failed or dropped mid-stream (worth retrying).

    Raised for an unreachable server, a connection dropped mid-stream, a body
    that will not decompress, and a stream that ended before the response did.
    """


class ModelTimeoutError(ModelConnectionError):
    """The model server took longer than a :class:`~rxagents.models.StreamLimits` timeout.

    Attributes:
        setting: the limit that ran out: ``"connect"``, ``"first_event"`` or ``"idle"``.
        seconds: its value.
    """

    def __init__(self, setting: str, seconds: float, message: str) -> None:
        super().__init__(message)
        self.setting = setting
        self.seconds = seconds

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.setting, self.seconds, str(self)))


class ModelEventTooLarge(ModelBehaviorError):
    """One server-sent event was longer than ``StreamLimits.max_event_chars``.

    Attributes:
        limit: the cap, in characters.
    """

    def __init__(self, limit: int, message: str) -> None:
        super().__init__(message)
        self.limit = limit

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.limit, str(self)))


class ToolExecutionError(AgentsError):
    """A tool raised and its agent has ``tool_error_behavior="raise"``."""

    def __init__(self, tool_name: str, call_id: str, error: BaseException) -> None:
        super().__init__(
            f"tool {tool_name!r} (call {call_id}) raised {type(error).__name__}: {error}"
        )
        self.tool_name = tool_name
        self.call_id = call_id


class RunCancelled(AgentsError):
    """The run was cancelled before it produced a final output."""


class ScriptExhausted(AgentsError):
    """A ScriptedModel was asked for more turns than it was given."""


class InputGuardrailTripwireTriggered(AgentsError):
    """An input guardrail tripped: the run stopped, its in-flight model call cancelled.

    Attributes:
        guardrail_result: the guardrail and what it returned (``.output.output_info``).
    """

    def __init__(self, guardrail_result: InputGuardrailResult) -> None:
        name = guardrail_result.guardrail.get_name()
        super().__init__(
            f"input guardrail {name!r} triggered its tripwire; the run was stopped "
            "(see .guardrail_result.output.output_info for why)"
        )
        self.guardrail_result = guardrail_result


class OutputGuardrailTripwireTriggered(AgentsError):
    """An output guardrail tripped on the final output: the run ended without a result.

    Attributes:
        guardrail_result: the guardrail, the output it checked, and what it returned.
    """

    def __init__(self, guardrail_result: OutputGuardrailResult) -> None:
        name = guardrail_result.guardrail.get_name()
        agent = guardrail_result.agent.name
        super().__init__(
            f"output guardrail {name!r} triggered its tripwire on agent {agent!r}'s final "
            "output; the run was stopped (see .guardrail_result.output.output_info for why)"
        )
        self.guardrail_result = guardrail_result
