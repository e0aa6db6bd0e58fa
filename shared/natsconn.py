"""A NATS connection that a service keeps trying to (re)establish without blocking its HTTP side."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from shared.logs import get_logger
from shared.outage import RECONNECT_FIRST_S, RECONNECT_MAX_S, Backoff
from shared.settings import Settings

log = get_logger("danvan.nats")


class NatsLink:
    """Holds the connection once it exists; `connected` says whether it is usable now."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.client: Client | None = None
        self.js: JetStreamContext | None = None
        self.ready = asyncio.Event()
        # nats-py reports every failed reconnect attempt (ten a second while the server is
        # away): one line when the link breaks and one when it is back is enough.
        self._error_logged = False
        self._closing = False
        self._on_up: list[Callable[[], None]] = []

    def when_up(self, callback: Callable[[], None]) -> None:
        """Call `callback` (on the event loop) each time the link becomes usable: the first
        connection and every reconnection. Work held back while NATS was away (the relay's
        outbox) starts then rather than at its next timer."""
        self._on_up.append(callback)

    def _up(self) -> None:
        for callback in self._on_up:
            callback()

    @property
    def connected(self) -> bool:
        return self.client is not None and self.client.is_connected

    async def connect_forever(
        self, stop: asyncio.Event, on_connect: Callable[[JetStreamContext], Awaitable[None]]
    ) -> None:
        """Retry the first connection with backoff; nats-py handles later reconnects itself."""
        backoff = Backoff(RECONNECT_FIRST_S, RECONNECT_MAX_S)
        while not stop.is_set():
            self._closing = False
            try:
                client = await nats.connect(
                    # A cluster is given as a comma-separated list; nats-py wants a list,
                    # and tries every node of it (in a random order) until one answers,
                    # at this first connection as at each reconnection.
                    [url.strip() for url in self._settings.nats_url.split(",") if url.strip()],
                    name=f"danvan-{self._settings.service}",
                    user=self._settings.nats_user,
                    password=self._settings.nats_password,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    # Between reconnect attempts: a refused connection costs next to nothing,
                    # and the wait is how long a service stays away after NATS is back (with
                    # 0.5 s, a quarter of a second on average, 0.5 s at worst).
                    reconnect_time_wait=0.1,
                    connect_timeout=2,
                    # A node that stops answering without closing the connection (hung, cut off
                    # from us) is left within three ping intervals, not three times nats-py's
                    # 120 s (Settings.nats_ping_interval_s, docs/reliability.md).
                    ping_interval=self._settings.nats_ping_interval_s,
                    max_outstanding_pings=2,
                    error_cb=self._log_error,
                    disconnected_cb=self._log_disconnected,
                    reconnected_cb=self._log_reconnected,
                )
                self.client = client
                self.js = client.jetstream(timeout=self._settings.relay_publish_timeout_s)
                await on_connect(self.js)
                self.ready.set()
                log.info("nats_connected", url=self._settings.nats_url)
                self._up()
                return
            except Exception as exc:  # any failure means "not yet"; keep the service up
                delay = backoff.next()
                log.warning("nats_connect_failed", error=str(exc), retry_in_s=delay)
                if self.client is not None:
                    await _close_quietly(self.client)
                    self.client = None
                    self.js = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)

    async def _log_error(self, exc: Exception) -> None:
        if not self._error_logged:
            self._error_logged = True
            log.warning("nats_error", error=str(exc))

    async def _log_disconnected(self) -> None:
        # Our own close disconnects too: news only when it was not asked for.
        if not self._closing:
            log.warning("nats_disconnected")

    async def _log_reconnected(self) -> None:
        self._error_logged = False
        log.info("nats_reconnected")
        self._up()

    async def close(self) -> None:
        if self.client is not None:
            self._closing = True
            await _close_quietly(self.client)
            self.client = None
            self.js = None
            self.ready.clear()


async def _close_quietly(client: Client) -> None:
    try:
        await client.drain()
    except Exception:
        with contextlib.suppress(Exception):
            await client.close()
