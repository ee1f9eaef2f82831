"""What one agent's box in a live view holds, in the order it happened.

Shared by the terminal and the notebook views: an agent that calls tools in one
turn and writes in the next shows its tool calls, then its text, as they came.
"""

from __future__ import annotations

from rxagents.items import MessageOutputItem, ToolCallItem
from rxagents.snapshot import RunSnapshot, ToolCallState

__all__ = ["agent_parts"]


def agent_parts(snapshot: RunSnapshot, agent: str) -> list[str | ToolCallState]:
    """``agent``'s text pieces and tool calls, in run order; text still streaming last.

    A message's text is its streamed deltas, so the agent's streamed text is cut
    at each complete message, in the order of the run's items; what follows the
    last complete message is the text of the message in progress.
    """
    text = snapshot.text_by_agent.get(agent, "")
    calls = {call.call_id: call for call in snapshot.tool_calls if call.agent == agent}
    parts: list[str | ToolCallState] = []
    used = 0
    for item in snapshot.items:
        if item.agent.name != agent:
            continue
        if isinstance(item, MessageOutputItem):
            piece = text[used : used + len(item.text)]
            used += len(piece)
            if piece:
                parts.append(piece)
        elif isinstance(item, ToolCallItem) and item.raw_item.call_id in calls:
            parts.append(calls[item.raw_item.call_id])
    if text[used:]:
        parts.append(text[used:])
    return parts
