"""Plain Responses text deltas skip validation: the event must equal full validation's."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import ResponseTextDeltaEvent

from rxagents.models.openai_responses import parse_event, text_delta

PLAIN: dict[str, Any] = {
    "type": "response.output_text.delta",
    "item_id": "msg_1",
    "output_index": 0,
    "content_index": 0,
    "delta": "hi",
    "sequence_number": 4,
    "logprobs": [],
}
LOGPROB = {"token": "a", "logprob": -1.0, "bytes": [97], "top_logprobs": []}

# Values of every JSON kind the fields may meet, right or wrong for them.
values = st.one_of(
    st.text(max_size=4),
    st.integers(min_value=-3, max_value=2**70),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
    st.just([]),
    st.just([LOGPROB]),
)
names = st.sampled_from([*PLAIN, "obfuscation", "extra"])


@given(
    st.dictionaries(names, values, max_size=3), st.sets(st.sampled_from(list(PLAIN)), max_size=2)
)
def test_the_fast_path_equals_full_validation(changed: dict[str, Any], dropped: set[str]) -> None:
    payload = {k: v for k, v in {**PLAIN, **changed}.items() if k not in dropped}
    data = json.dumps(payload)
    fast = text_delta(data)
    if fast is None:
        return  # left to full validation
    full = ResponseTextDeltaEvent.model_validate_json(data)
    assert fast == full
    assert fast.model_fields_set == full.model_fields_set
    assert fast.model_extra == full.model_extra
    assert fast.model_dump() == full.model_dump()
    assert repr(fast) == repr(full)


def test_the_plain_shape_takes_the_fast_path_and_others_do_not() -> None:
    assert text_delta(json.dumps(PLAIN)) is not None
    assert text_delta(json.dumps({**PLAIN, "obfuscation": "x1"})) is not None
    assert text_delta(json.dumps({**PLAIN, "logprobs": [LOGPROB]})) is None
    assert text_delta(json.dumps({**PLAIN, "output_index": True})) is None
    assert text_delta("not json") is None
    # parse_event still validates what the fast path leaves.
    event = parse_event(json.dumps({**PLAIN, "logprobs": [LOGPROB]}), None)
    assert isinstance(event, ResponseTextDeltaEvent) and event.logprobs[0].token == "a"
