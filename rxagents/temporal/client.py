"""connect_temporal(): a Temporal client with rxagents' typed error for a bad address."""

from __future__ import annotations

from temporalio.client import Client

from rxagents.errors import AgentsError, UserError

__all__ = ["TemporalUnavailable", "connect_temporal"]


class TemporalUnavailable(AgentsError):
    """The Temporal frontend could not be reached at the given address."""


async def connect_temporal(
    address: str,
    *,
    namespace: str = "default",
    tls: bool = False,
    api_key: str | None = None,
) -> Client:
    """A ``temporalio.client.Client`` for ``address`` (``HOST:PORT``).

    Args:
        address: the Temporal frontend, e.g. ``127.0.0.1:7233`` (dev server) or a
            cluster's ``namespace.account.tmprl.cloud:7233``.
        namespace: the Temporal namespace runs live in.
        tls: connect with TLS (the system's CA certificates).
        api_key: an API key (Temporal Cloud); implies TLS.

    Raises:
        UserError: the address is not ``HOST:PORT``.
        TemporalUnavailable: nothing answered there.
    """
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"--temporal takes HOST:PORT (e.g. 127.0.0.1:7233), got {address!r}")
    try:
        return await Client.connect(
            address, namespace=namespace, tls=tls or api_key is not None, api_key=api_key
        )
    except RuntimeError as exc:
        raise TemporalUnavailable(
            f"could not reach Temporal at {address} (namespace {namespace!r}): "
            f"{str(exc).splitlines()[0][:200]}; start one with `temporal server start-dev` "
            "or check the address"
        ) from None
