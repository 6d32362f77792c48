"""The Redis cache that keeps the portal answering when Redis does not.

The cache holds nothing the portal cannot do without (API rate-limit counters, short-lived values): when Redis is
unreachable, a read misses and a write is dropped, with a warning in the log, instead of every API call failing
with a server error.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, TimeoutError

log = logging.getLogger(__name__)

WARN_EVERY_SECONDS = 60.0
_last_warning = 0.0


def _warn(operation: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY_SECONDS:  # one line a minute, not one a request
        _last_warning = now
        log.warning("cache unreachable (%s: %s); carrying on without it", operation, exc)


def _fail_open(fallback: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the Redis operation; when Redis cannot be reached, log and answer ``fallback(*args)`` instead."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any) -> Any:
            try:
                return method(self, *args)
            except (ConnectionError, TimeoutError) as exc:
                _warn(method.__name__, exc)
                return fallback(*args)

        return wrapper

    return decorate


def _missing_key(key: Any, delta: Any) -> int:
    raise ValueError(f"Key '{key}' not found (cache unreachable)")


class FailOpenRedisCacheClient(RedisCacheClient):
    add = _fail_open(lambda *a: False)(RedisCacheClient.add)
    get = _fail_open(lambda key, default: default)(RedisCacheClient.get)
    set = _fail_open(lambda *a: None)(RedisCacheClient.set)
    touch = _fail_open(lambda *a: False)(RedisCacheClient.touch)
    delete = _fail_open(lambda *a: False)(RedisCacheClient.delete)
    get_many = _fail_open(lambda *a: {})(RedisCacheClient.get_many)
    has_key = _fail_open(lambda *a: False)(RedisCacheClient.has_key)
    incr = _fail_open(_missing_key)(RedisCacheClient.incr)
    set_many = _fail_open(lambda *a: None)(RedisCacheClient.set_many)
    delete_many = _fail_open(lambda *a: None)(RedisCacheClient.delete_many)
    clear = _fail_open(lambda *a: False)(RedisCacheClient.clear)


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, failing open: see the module's docstring."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
