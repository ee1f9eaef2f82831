"""openai's modules load at first use: ``import rxagents`` and the CLI never import them.

The deferred schemas must still validate and dump the real openai types once used.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from rxagents.events import RawResponsesStreamEvent, stream_event_adapter
from rxagents.testing import ScriptedModel, text


@pytest.mark.parametrize("module", ["rxagents", "rxagents.cli"])
def test_importing_loads_no_openai_module(module: str) -> None:
    probe = (
        f"import sys, {module}\n"
        "print(sorted(m for m in sys.modules if m == 'openai' or m.startswith('openai.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_deferred_schemas_round_trip_the_real_openai_events() -> None:
    from openai.types.responses import ResponseTextDeltaEvent

    from rxagents import Agent, Runner

    result = Runner.run_sync(Agent("a", model=ScriptedModel([[text("hi")]])), "x")
    assert result.final_output == "hi"
    delta = ResponseTextDeltaEvent(
        type="response.output_text.delta",
        delta="hi",
        item_id="m",
        output_index=0,
        content_index=0,
        sequence_number=3,
        logprobs=[],
    )
    event = RawResponsesStreamEvent(run_id="r", sequence_number=1, data=delta)
    back = stream_event_adapter.validate_json(event.model_dump_json())
    assert isinstance(back, RawResponsesStreamEvent)
    assert isinstance(back.data, ResponseTextDeltaEvent)
    assert back.data.delta == "hi"
    items = result.model_dump(mode="json")["new_items"]
    messages = [i for i in items if i["type"] == "message_output_item"]
    assert messages[0]["raw_item"]["content"][0]["text"] == "hi"
