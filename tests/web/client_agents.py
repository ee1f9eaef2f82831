"""The agent the real-client tests serve (``rxagents serve --agent ...:make_agent``).

A fresh agent per request; its scripted model chooses a scenario by a keyword
in the latest user message, and its turn by how many tool outputs follow it,
so every chat request replays the same scenario. Scenarios: ``text``,
``tool``, ``broken``, ``handoff``, ``subagent``, ``error``, ``slow``, ``framing``,
``history`` (answers with what conversation it was sent).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from typing import Any

from openai.types.responses import ResponseStreamEvent

from rxagents import Agent, function_tool
from rxagents.models.base import ModelRequest
from rxagents.testing import ScriptedModel, raise_error, text, tool_call
from rxagents.testing.scripted import ScriptStep

FRAMING = (
    "Line one\n\nLine two\r\ndata: not an event\n\nevent: nope\r\n\r\nid: 7\n"
    'quotes " and \\ backslashes \\n (not a newline), tabs\t, caf\u00e9 \u65e5\u672c '
    "\U0001f98a \u2028 end"
)

SCENARIOS: dict[str, list[list[ScriptStep]]] = {
    "text": [[text("Hello from rxagents, streamed in pieces.", chunk_size=6)]],
    "tool": [
        [
            text("Let me look that up.", chunk_size=5),
            tool_call("lookup", {"q": "weather"}, chunk_size=4),
        ],
        [text("It is sunny.", chunk_size=4)],
    ],
    "broken": [[tool_call("lookup", {"q": "explode"})], [text("The tool failed.")]],
    "handoff": [[tool_call("transfer_to_billing", {})]],
    "subagent": [
        [tool_call("researcher", {"input": "find facts"})],
        [text("Summary: the researcher found facts.")],
    ],
    "error": [[text("Starting"), raise_error(RuntimeError("the model service broke"))]],
    "slow": [[text("tick " * 150, chunk_size=5, delay=0.01)]],
    "framing": [[text(FRAMING, chunk_size=3)]],
}


_IDS = itertools.count()


def _tell_the_failure(ctx: Any, error: Exception) -> str:
    # The model (and so the UI's errorText) gets the exception's message here, by choice:
    # by default it would get the SDK's fixed sentence.
    return f"lookup failed: {error}"


@function_tool(failure_error_function=_tell_the_failure)
def lookup(q: str) -> str:
    """Look something up."""
    if q == "explode":
        raise ValueError("lookup service unavailable")
    return f"found: {q} is sunny"


def _user_text(item: dict[str, Any]) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class ChoosingModel:
    """Plays the scenario named in the latest user message."""

    def __init__(self, scenarios: dict[str, list[list[ScriptStep]]]) -> None:
        self.scenarios = scenarios

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        items = [i for i in request.input if isinstance(i, dict)]
        users = [n for n, i in enumerate(items) if i.get("role") == "user"]
        last = users[-1] if users else 0
        prompt = _user_text(items[last]) if users else ""
        after = items[last + 1 :]
        turn = sum(1 for i in after if i.get("type") == "function_call_output")
        if "history" in prompt:
            calls = sum(1 for i in items if i.get("type") == "function_call")
            outputs = [i.get("output") for i in items if i.get("type") == "function_call_output"]
            said = [_user_text(i) for i in items if i.get("role") == "assistant"]
            steps: Sequence[ScriptStep] = [
                text(f"history: {len(users)} user, {calls} calls, outputs {outputs}, said {said}")
            ]
        else:
            name = next((k for k in self.scenarios if k in prompt), "text")
            steps = self.scenarios[name][turn]
        # One id counter for every stream: ids stay unique across runs and chats.
        return ScriptedModel([steps], _ids=_IDS).stream(request)


def make_agent() -> Agent[Any]:
    """A fresh triage agent (with a billing handoff and a researcher tool) per run."""
    billing = Agent(name="billing", model=ScriptedModel([[text("Billing here, how can I help?")]]))
    researcher = Agent(
        name="researcher", model=ScriptedModel([[text("Research notes: three facts.")]])
    )
    return Agent(
        name="triage",
        instructions="Route the user.",
        model=ChoosingModel(SCENARIOS),
        tools=[lookup, researcher.as_tool("researcher", "Research a topic.")],
        handoffs=[billing],
    )
