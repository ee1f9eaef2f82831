"""The run loop (asyncio only) and the Runner facade."""

from rxagents.run.handle import RunHandle
from rxagents.run.loop import RunControl, run_events
from rxagents.run.runner import Runner
from rxagents.run.stream import RunStream

__all__ = ["RunControl", "RunHandle", "RunStream", "Runner", "run_events"]
