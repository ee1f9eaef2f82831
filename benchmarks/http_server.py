"""The HTTP benchmark's servers, in their own process: ``python -m benchmarks.http_server N M``.

Serves, from rxagents' fake OpenAI server on 127.0.0.1, one bulk stream per
endpoint and size: Chat Completions and Responses, ``N`` deltas (the single-
stream benchmark) and ``M`` deltas (the concurrent one). Prints the four base
URLs as one JSON line, then serves until its stdin closes. A separate process
keeps the server's CPU time off the client's clock.
"""

from __future__ import annotations

import json
import sys

from rxagents.testing.openai_fixtures import chat_bulk, responses_bulk
from rxagents.testing.openai_server import FakeOpenAIServer, chat_stream, responses_stream


def main() -> None:
    single, concurrent = int(sys.argv[1]), int(sys.argv[2])
    servers = {
        "chat": FakeOpenAIServer(default=chat_stream(chat_bulk(single), batch=True)),
        "responses": FakeOpenAIServer(default=responses_stream(responses_bulk(single), batch=True)),
        "chat_small": FakeOpenAIServer(default=chat_stream(chat_bulk(concurrent), batch=True)),
        "responses_small": FakeOpenAIServer(
            default=responses_stream(responses_bulk(concurrent), batch=True)
        ),
    }
    for server in servers.values():
        server.start()
    print(json.dumps({name: s.base_url for name, s in servers.items()}), flush=True)
    try:
        sys.stdin.read()  # until the benchmark closes our stdin
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
