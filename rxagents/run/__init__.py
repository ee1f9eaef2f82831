"""The run loop (asyncio only) and the Runner facade.

The modules under ``rxagents/run/`` are private; these names are the API.
"""

from rxagents.run._handle import RunHandle
from rxagents.run._loop import RunControl, new_run_id, run_events
from rxagents.run._runner import Runner
from rxagents.run._stream import RunStream

__all__ = ["RunControl", "RunHandle", "RunStream", "Runner", "new_run_id", "run_events"]

# Reprs and docs show the public home (httpx style); none of these is pickled or a
# pydantic model, so nothing resolves them by their defining module.
for _public, _home in (
    (Runner, "rxagents"),
    (RunStream, "rxagents"),
    (RunHandle, "rxagents"),
    (RunControl, "rxagents.run"),
):
    _public.__module__ = _home
del _public, _home
