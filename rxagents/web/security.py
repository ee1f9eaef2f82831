"""Who may talk to the web app: Host and Origin checks and an optional bearer token.

The checks run as one ASGI middleware in front of every route (HTTP and
WebSocket), so endpoints added later are covered without doing anything.

- **Host** (defeats DNS rebinding): a request's ``Host`` must be an IP address,
  ``localhost`` (or a ``*.localhost`` name), or one of ``allowed_hosts``. A page
  an attacker serves from ``attacker.example`` that re-resolves to 127.0.0.1
  still sends ``Host: attacker.example`` and is refused.
- **Origin** (defeats cross-site requests): a WebSocket, and every request
  other than GET/HEAD/OPTIONS, that carries an ``Origin`` must come from the
  app's own origin (the one its ``Host`` names) or one of ``allowed_origins``.
  Requests without ``Origin`` (curl, scripts, servers) are not browsers' and pass.
- **Token** (optional): with ``token`` set, every request but the page itself
  needs ``Authorization: Bearer <token>`` or the ``rxagents_token`` cookie, which
  opening the page as ``/?token=<token>`` sets (HttpOnly, SameSite=Strict).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rxagents.errors import UserError

__all__ = ["TOKEN_COOKIE", "GuardMiddleware", "WebSecurity", "guard"]

TOKEN_COOKIE = "rxagents_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class WebSecurity:
    """The web app's access rules (see the module docs for what each check stops).

    Attributes:
        allowed_hosts: host names accepted in ``Host`` besides IP addresses and
            ``localhost``, e.g. ``("agents.example.com",)``; ``"*"`` accepts any.
        allowed_origins: origins allowed to make cross-site requests, e.g.
            ``("https://app.example.com",)``; ``"*"`` allows any.
        token: the bearer token every API request needs; ``None`` for none.
    """

    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    token: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.allowed_hosts, str) or isinstance(self.allowed_origins, str):
            raise UserError("allowed_hosts and allowed_origins take a tuple of strings")
        object.__setattr__(self, "allowed_hosts", tuple(h.lower() for h in self.allowed_hosts))
        origins = tuple(o.lower().rstrip("/") for o in self.allowed_origins)
        object.__setattr__(self, "allowed_origins", origins)
        if self.token is not None and len(self.token) < 16:
            raise UserError("token must be at least 16 characters; generate one with secrets")

    def host_allowed(self, host_header: str) -> bool:
        """Whether a ``Host`` header value names this app."""
        name = _host_name(host_header)
        if name is None:
            return False
        if "*" in self.allowed_hosts or name in self.allowed_hosts:
            return True
        if name == "localhost" or name.endswith(".localhost"):
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def origin_allowed(self, origin: str, host_header: str) -> bool:
        """Whether a request from ``origin`` to the app at ``host_header`` may proceed."""
        origin = origin.strip().lower().rstrip("/")
        if "*" in self.allowed_origins or origin in self.allowed_origins:
            return True
        if origin == "null":
            return False
        try:
            netloc = urlsplit(origin).netloc
        except ValueError:
            return False
        return bool(netloc) and netloc == host_header.strip().lower()

    def token_ok(self, headers: dict[str, str]) -> bool:
        """Whether the request carries the token (always true without one)."""
        if self.token is None:
            return True
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _same(credential.strip(), self.token):
            return True
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is just no token
            return False
        morsel = cookie.get(TOKEN_COOKIE)
        return morsel is not None and _same(morsel.value, self.token)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _host_name(host_header: str) -> str | None:
    value = host_header.strip().lower()
    if not value:
        return None
    if value.startswith("["):  # an IPv6 literal, [::1]:8000
        end = value.find("]")
        return value[1:end] if end > 0 else None
    name, _, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    if port and not port.isdigit():
        return None
    return name


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def guard(app: Any, security: WebSecurity, public_paths: Iterable[str] = ()) -> Any:
    """Wrap the ASGI ``app`` so every request passes the checks of ``security``.

    Args:
        app: the ASGI app.
        security: the rules.
        public_paths: GET paths (relative to the app) served without the token:
            the page and its assets, which hold no data.
    """
    public = frozenset(public_paths)

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        headers = _headers(scope)
        refusal = _refusal(scope, headers, security, public)
        if refusal is None:
            if kind == "http" and security.token is not None and _sets_cookie(scope, security):
                await _set_cookie_and_redirect(scope, send, security)
                return
            await app(scope, receive, send)
            return
        status, code, message = refusal
        if kind == "websocket":
            # Before accept, a close makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": code})
            return
        await _send_json(send, status, code, message)

    return guarded


class GuardMiddleware:
    """:func:`guard` as a Starlette middleware class, for ``app.add_middleware``."""

    def __init__(self, app: Any, security: WebSecurity, public_paths: Iterable[str] = ()) -> None:
        self._guarded = guard(app, security, public_paths)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._guarded(scope, receive, send)


def _refusal(
    scope: dict[str, Any], headers: dict[str, str], security: WebSecurity, public: frozenset[str]
) -> tuple[int, str, str] | None:
    host = headers.get("host", "")
    if host and not security.host_allowed(host):
        return (
            421,
            "host_not_allowed",
            f"this server does not answer for Host {host[:100]!r}; start it with "
            "--allowed-host NAME (or WebSecurity(allowed_hosts=...)) to serve that name",
        )
    origin = headers.get("origin")
    checks_origin = scope["type"] == "websocket" or scope.get("method", "GET") not in _SAFE_METHODS
    if origin is not None and checks_origin and not security.origin_allowed(origin, host):
        return (
            403,
            "origin_not_allowed",
            f"cross-site requests from {origin[:100]!r} are refused; allow the origin with "
            "--allowed-origin (or WebSecurity(allowed_origins=...))",
        )
    path = _relative_path(scope)
    is_page = scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") and path in public
    if not is_page and not security.token_ok(headers):
        return (
            401,
            "unauthorized",
            "this server needs its token: send Authorization: Bearer <token>, or open the "
            "page once as /?token=<token>",
        )
    return None


def _relative_path(scope: dict[str, Any]) -> str:
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", ""))
    if root and path.startswith(root):
        path = path[len(root) :]
    return path or "/"


def _sets_cookie(scope: dict[str, Any], security: WebSecurity) -> bool:
    if scope.get("method") != "GET" or _relative_path(scope) != "/":
        return False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    given = query.get("token", [""])[0]
    return bool(given) and security.token is not None and _same(given, security.token)


async def _set_cookie_and_redirect(scope: dict[str, Any], send: Any, security: WebSecurity) -> None:
    cookie: SimpleCookie = SimpleCookie()
    cookie[TOKEN_COOKIE] = security.token or ""
    morsel = cookie[TOKEN_COOKIE]
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    morsel["path"] = str(scope.get("root_path", "")) or "/"
    location = (str(scope.get("root_path", "")) or "") + "/"
    headers = [
        (b"location", location.encode("latin-1")),
        (b"set-cookie", morsel.OutputString().encode("latin-1")),
        (b"cache-control", b"no-store"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _send_json(send: Any, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
