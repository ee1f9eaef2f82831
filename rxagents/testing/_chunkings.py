"""``text_chunkings()``: the ways a text can arrive as deltas (re-exported by strategies)."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

__all__ = ["text_chunkings"]


def text_chunkings(
    text: str | st.SearchStrategy[str], *, allow_empty: bool = False
) -> st.SearchStrategy[list[str]]:
    """The ways ``text`` can be split into deltas: lists of strings joining to it.

    Args:
        text: the text, or a strategy for texts.
        allow_empty: also insert empty deltas (some providers send them).

    Example:
        >>> @given(chunks=text_chunkings("Hello"))
        ... def test(chunks): assert "".join(chunks) == "Hello"
    """
    if isinstance(text, st.SearchStrategy):
        return text.flatmap(lambda t: text_chunkings(t, allow_empty=allow_empty))
    return _chunkings(text, allow_empty)


@st.composite
def _chunkings(draw: st.DrawFn, text: str, allow_empty: bool) -> list[str]:
    if len(text) <= 1:
        pieces = [text] if text else []
    else:
        cuts = sorted(draw(st.sets(st.integers(1, len(text) - 1), max_size=len(text) - 1)))
        bounds = [0, *cuts, len(text)]
        pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    if allow_empty:
        for _ in range(draw(st.integers(0, 2))):
            pieces.insert(draw(st.integers(0, len(pieces))), "")
    return pieces
