"""The differential suite: the real OpenAI Agents SDK and rxagents side by side.

Skipped as a whole, and only, when openai-agents is not installed (it is in the
dev group, so ``python3 dev.py test`` runs it). The SDK's tracing is switched
off before it is imported: it would otherwise try to export to api.openai.com.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
agents = pytest.importorskip("agents", reason="openai-agents is not installed")
agents.set_tracing_disabled(True)
