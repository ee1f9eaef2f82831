"""Keeping API keys and URL passwords out of messages, events, reprs and logs.

A client's secrets are its API key (sent as ``Authorization: Bearer ...`` or
``api-key``) and the password of its base URL (``http://user:pass@host/v1``),
also in the base64 form a ``Basic`` header carries. Anything rxagents shows
(an exception, an event from the server, ``repr``, ``describe_model``) goes
through :meth:`Secrets.scrub` or :func:`safe_url` first.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "PLACEHOLDER_KEY",
    "Secrets",
    "header_secrets",
    "mask_url_passwords_in_logs",
    "safe_url",
    "split_credentials",
]

MASK = "***"
PLACEHOLDER_KEY = "no-key-needed"
"""Sent as the API key to servers configured by base URL alone (they ignore it)."""

_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)[^\s'\",}\]]+")
_SECRET_LOOKING = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}")
_SHORTEST = 4  # shorter "secrets" would mask ordinary words


def safe_url(url: str) -> str:
    """``url`` with the password of its user info (if any) masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if parts.password is None and "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    netloc = f"{user}:{MASK}@{host}" if user else f"{MASK}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def split_credentials(url: str) -> tuple[str, str | None]:
    """``url`` without its user info, and the ``Basic`` header value it stood for."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return bare, f"Basic {token}"


def header_secrets(headers: Mapping[str, object]) -> set[str]:
    """The credentials in request headers: ``Authorization`` and ``api-key`` values."""
    found: set[str] = set()
    for name, value in headers.items():
        if name.lower() not in ("authorization", "api-key", "x-api-key") or not isinstance(
            value, str
        ):
            continue
        found.add(value)
        scheme, _, credential = value.partition(" ")
        if credential:
            found.add(credential.strip())
            if scheme.lower() == "basic":
                try:
                    decoded = base64.b64decode(credential.strip(), validate=True).decode()
                except ValueError:
                    continue
                found.add(decoded)
                found.add(decoded.partition(":")[2])
    return found


class Secrets:
    """The strings one client must never show.

    Args:
        api_key: the API key (the placeholder sent to keyless servers is no secret).
        base_url: the base URL; its password, and ``user:password`` as base64, are secrets.
        headers: the client's default headers; their credentials are secrets.
    """

    __slots__ = ("values",)

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None = None,
        headers: Mapping[str, object] | None = None,
    ) -> None:
        found: set[str] = set()
        if api_key and api_key != PLACEHOLDER_KEY:
            found.add(api_key)
        if base_url:
            found |= _url_secrets(base_url)
        if headers:
            found |= header_secrets(headers)
        found.discard(PLACEHOLDER_KEY)
        self.values = tuple(
            sorted((v for v in found if len(v) >= _SHORTEST), key=len, reverse=True)
        )
        _IN_USE.update(self.values)

    def __repr__(self) -> str:
        return f"Secrets({len(self.values)} values)"

    def appear_in(self, text: str) -> bool:
        """Whether any secret occurs verbatim in ``text`` (cheap: a substring search each)."""
        return any(value in text for value in self.values)

    def scrub(self, text: str) -> str:
        """``text`` with the secrets, ``Bearer``/``Basic`` credentials and ``sk-`` keys masked."""
        for value in self.values:
            if value in text:
                text = text.replace(value, MASK)
        text = _BEARER.sub(rf"\1\2{MASK}", text)
        return _SECRET_LOOKING.sub(f"sk-{MASK}", text)


def _url_secrets(url: str) -> set[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    password = parts.password
    if not password:
        return set()
    user = parts.username or ""
    raw_password = parts.netloc.rpartition("@")[0].partition(":")[2]
    values = {password, raw_password, unquote(password)}
    for name, word in ((user, password), (unquote(user), unquote(password))):
        values.add(base64.b64encode(f"{name}:{word}".encode()).decode())
    return values


_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@")
_SUFFIXES = ("", ".http11", ".http2", ".connection", ".proxy", ".socks", "._client")
_LOGGERS = (
    *(
        f"{package}{suffix}"
        for package in ("httpx", "httpx2", "httpcore", "httpcore2")
        for suffix in _SUFFIXES
    ),
    "openai",
    "openai._base_client",
)
_IN_USE: set[str] = set()
"""Every secret a model call used in this process: the log filter masks them."""


class _MaskSecrets(logging.Filter):
    """Masks URL passwords and the secrets in use in the records of httpx, httpcore, openai.

    httpx logs every request's URL at INFO; httpcore's DEBUG traces show response
    headers, where a hostile server may echo the key.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        masked = message
        if "@" in masked and _URL_PASSWORD.search(masked):
            masked = _URL_PASSWORD.sub(rf"\1{MASK}@", masked)
        for value in tuple(_IN_USE):
            if value in masked:
                masked = masked.replace(value, MASK)
        if masked is not message:
            record.msg = masked
            record.args = None
        return True


_FILTER = _MaskSecrets()


def mask_url_passwords_in_logs() -> None:
    """Install the secret mask on the loggers of httpx, httpcore and openai (idempotent).

    Clients rxagents builds never put a password in a URL; this also covers an
    ``openai.AsyncOpenAI(base_url="http://user:pass@...")`` passed in by a user,
    and keys a server echoes into headers that httpcore's DEBUG traces print.
    """
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
