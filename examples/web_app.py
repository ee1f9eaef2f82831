"""A FastAPI app: an SSE route of your own, and the whole run API mounted at /agent.

    python examples/web_app.py          # then open http://127.0.0.1:8000/agent/

``mount_agent`` gets a function that builds the agent, so every run gets a fresh
agent (and, here, a fresh ScriptedModel, which plays its script once).
"""

from __future__ import annotations

from fastapi import FastAPI
from handoffs import triage_agent
from quickstart import weather_agent

from rxagents import Runner
from rxagents.sinks import sse_response
from rxagents.web import mount_agent

app = FastAPI()


@app.get("/stream")
async def stream(query: str):  # type: ignore[no-untyped-def]
    # id: = sequence_number, event: = type, data: = JSON; a final `done`; heartbeats.
    return sse_response(Runner.run_streamed(weather_agent(), query))


# POST /agent/runs, SSE /agent/runs/{id}/events, WS /agent/runs/{id}/ws, a page at /agent/
mount_agent(app, triage_agent, prefix="/agent")


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
