"""Runner: the SDK-shaped entry points."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from rxagents.agent import Agent
from rxagents.errors import UserError
from rxagents.lifecycle import RunHooks
from rxagents.models.base import ModelProvider
from rxagents.models.limits import StreamLimits
from rxagents.result import RunResult
from rxagents.run._handle import RunHandle
from rxagents.run._hooks import check_hooks
from rxagents.run._loop import RunControl, new_run_id, run_events
from rxagents.run._options import validate_agent_graph
from rxagents.run._stream import RunStream

__all__ = ["Runner", "new_run_id"]

Input = str | Sequence[dict[str, Any]]


class Runner:
    """Runs agents. Every method takes the same arguments:

    Args:
        agent: the starting agent.
        input: a user message, or Responses input items (e.g. ``result.to_input_list()``).
        context: any object, passed to tools and dynamic instructions as ``ctx.context``.
        max_turns: model calls allowed before :class:`~rxagents.errors.MaxTurnsExceeded`.
        model_provider: resolves model names; default: see ``rxagents.models.provider``.
        limits: timeouts and the event size cap for this run's model calls
            (:class:`~rxagents.models.StreamLimits`), over each model's own.
        hooks: a :class:`~rxagents.RunHooks` called at each step of the run; an
            exception in a hook ends the run with it.
    """

    @staticmethod
    def run_streamed(
        agent: Agent[Any],
        input: Input,
        *,
        context: Any = None,
        max_turns: int = 10,
        model_provider: ModelProvider | None = None,
        limits: StreamLimits | None = None,
        hooks: RunHooks[Any] | None = None,
    ) -> RunStream:
        """A cold Observable of the run's events: nothing runs until it is subscribed.

        Raises:
            UserError: at once, for bad configuration (duplicate tool names,
                ``max_turns < 1``...), before any model call.
        """
        validate_agent_graph(agent, max_turns)
        run_hooks = check_hooks(hooks)

        def factory() -> Any:
            return run_events(
                agent,
                input,
                run_id=new_run_id(),
                context=context,
                max_turns=max_turns,
                model_provider=model_provider,
                limits=limits,
                on_result=stream.record_result,
                hooks=run_hooks,
            )

        stream = RunStream(factory)
        return stream

    @staticmethod
    async def run(
        agent: Agent[Any],
        input: Input,
        *,
        context: Any = None,
        max_turns: int = 10,
        model_provider: ModelProvider | None = None,
        limits: StreamLimits | None = None,
        hooks: RunHooks[Any] | None = None,
    ) -> RunResult:
        """Run to completion and return the :class:`~rxagents.RunResult`."""
        stream = Runner.run_streamed(
            agent,
            input,
            context=context,
            max_turns=max_turns,
            model_provider=model_provider,
            limits=limits,
            hooks=hooks,
        )
        return await stream.result()

    @staticmethod
    def run_sync(
        agent: Agent[Any],
        input: Input,
        *,
        context: Any = None,
        max_turns: int = 10,
        model_provider: ModelProvider | None = None,
        limits: StreamLimits | None = None,
        hooks: RunHooks[Any] | None = None,
    ) -> RunResult:
        """:meth:`run` from synchronous code (starts and closes its own event loop).

        Raises:
            UserError: called inside a running event loop (a notebook, an async
                function): ``await Runner.run(...)`` there instead.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise UserError(
                "Runner.run_sync() cannot run inside a running event loop (an async "
                "function, Jupyter): use `await Runner.run(...)` there instead"
            )
        return asyncio.run(
            Runner.run(
                agent,
                input,
                context=context,
                max_turns=max_turns,
                model_provider=model_provider,
                limits=limits,
                hooks=hooks,
            )
        )

    @staticmethod
    def start(
        agent: Agent[Any],
        input: Input,
        *,
        context: Any = None,
        max_turns: int = 10,
        model_provider: ModelProvider | None = None,
        run_id: str | None = None,
        limits: StreamLimits | None = None,
        hooks: RunHooks[Any] | None = None,
    ) -> RunHandle:
        """Start a hot run now (inside a running event loop) and return its handle."""
        validate_agent_graph(agent, max_turns)
        run_hooks = check_hooks(hooks)
        control = RunControl()
        rid = run_id or new_run_id()

        def factory() -> Any:
            return run_events(
                agent,
                input,
                run_id=rid,
                context=context,
                max_turns=max_turns,
                model_provider=model_provider,
                limits=limits,
                control=control,
                on_result=stream.record_result,
                hooks=run_hooks,
            )

        stream = RunStream(factory)
        return RunHandle(rid, stream, control)
