"""OpenTelemetry spans from a run's events, per the GenAI semantic conventions.

``pip install -e '.[otel]'``. :func:`otel_spans` is an operator: it passes every
event through unchanged and records ``invoke_agent``, ``chat`` and ``execute_tool``
spans as the events go by, so it works on any stream of run events (a live run, a
merged stream, one read back from Redis). See docs/tracing.md.
"""

from rxagents.tracing._spans import otel_spans

__all__ = ["otel_spans"]
