"""Structured JSON logs with request and correlation ids, and Prometheus metrics."""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
from time import perf_counter
from typing import Any

import structlog
from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_configured = False


class _StdoutLogger:
    """Writes each rendered line to the current `sys.stdout` (looked up per line: test runners swap it)."""

    def __init__(self, name: str | None = None):
        self.name = name

    def msg(self, message: str) -> None:
        """Write one rendered log line."""
        out = sys.stdout
        out.write(message + "\n")
        out.flush()

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def _add_logger_name(logger, _method, event_dict):
    name = getattr(logger, "name", None)
    if name:
        event_dict.setdefault("logger", name)
    return event_dict


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """One JSON line per event: structlog renders its own loggers directly, the stdlib's through a formatter."""
    global _configured
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if fmt == "json" \
        else structlog.dev.ConsoleRenderer(colors=False)
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    # the request log line runs on every request: rendering it without a trip through stdlib logging
    # halves its cost (measured by bench/http_baseline.py)
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    _add_logger_name, timestamper, structlog.processors.format_exc_info, renderer],
        logger_factory=_StdoutLogger,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.contextvars.merge_contextvars, structlog.stdlib.add_log_level,
                           structlog.stdlib.add_logger_name, timestamper],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer],
    ))
    root = logging.getLogger()
    if not _configured:
        root.handlers = [handler]
    root.setLevel(level)
    for noisy in ("werkzeug", "amqp", "kombu", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    _configured = True


# Endpoints asked every few seconds by a scraper or a probe: neither counted nor logged.
_UNTRACKED = frozenset({"metrics", "healthz"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _incoming_id(value: str | None) -> str | None:
    return value if value and _ID_PATTERN.match(value) else None


class RequestMetrics:
    """HTTP RED metrics per endpoint: how many requests, how long they took, how many raised."""

    def __init__(self, service: str, registry: CollectorRegistry):
        labels = ("method", "endpoint", "status", "service")
        self.service = service
        # each (method, endpoint, status)'s two series, found once: `labels()` checks and locks every time,
        # half of what counting a request costs. Bounded: methods are folded, endpoints and statuses are few.
        self._series: dict[tuple[str, str | None, int], tuple[Any, Any]] = {}
        self.duration = Histogram("flask_http_request_duration_seconds", "HTTP request duration in seconds",
                                  labels, registry=registry)
        self.total = Counter("flask_http_request_total", "Total number of HTTP requests", labels,
                             registry=registry)
        self.exceptions = Counter("flask_http_request_exceptions_total",
                                  "Total number of HTTP requests which resulted in an exception", labels,
                                  registry=registry)

    def labels(self, method: str, endpoint: str | None, status: int) -> dict[str, str]:
        """The label values of one request (an unknown method counts as `other`: clients choose methods)."""
        return {"method": method if method in _METHODS else "other", "endpoint": str(endpoint),
                "status": str(status), "service": self.service}

    def observe(self, method: str, endpoint: str | None, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        key = (method if method in _METHODS else "other", endpoint, status)
        series = self._series.get(key)
        if series is None:
            labels = self.labels(*key)
            series = self._series[key] = (self.duration.labels(**labels), self.total.labels(**labels))
        duration, total = series
        duration.observe(seconds)
        total.inc()


def install_observability(app: Flask, service: str) -> RequestMetrics:
    """Request and correlation ids (accepted or made, bound to every log line, returned), one JSON log line
    per request, and HTTP metrics per endpoint at `/metrics` (also across gunicorn's worker processes)."""
    log = structlog.get_logger("offcampus.http")
    registry = CollectorRegistry(auto_describe=True)
    metrics = RequestMetrics(service, registry)

    @app.before_request
    def _begin():
        # read from the WSGI environ: `request.headers.get` raises and catches a KeyError for each absent one
        environ = request.environ
        request_id = _incoming_id(environ.get("HTTP_X_REQUEST_ID")) or secrets.token_hex(16)
        correlation_id = _incoming_id(environ.get("HTTP_X_CORRELATION_ID")) or request_id
        g.offcampus_request = (request_id, correlation_id, perf_counter())  # for `_finish`
        request.request_id = request_id
        g.correlation_id = correlation_id
        # the teardown clears them, so nothing of the previous request is left to clear here
        structlog.contextvars.bind_contextvars(service=service, request_id=request_id,
                                               correlation_id=correlation_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        current = g.get("offcampus_request")
        if current is None:
            return response  # answered before `_begin` ran: there is nothing to return or count
        request_id, correlation_id, started = current
        response.headers.extend((("X-Request-ID", request_id), ("X-Correlation-ID", correlation_id)))
        endpoint = request.endpoint
        if endpoint not in _UNTRACKED:
            method, status = request.method, response.status_code
            metrics.observe(method, endpoint, status, perf_counter() - started)
            log.info("request", method=method, path=request.path, status=status)
        return response

    @app.teardown_request
    def _end(exc: BaseException | None) -> None:
        structlog.contextvars.clear_contextvars()
        if exc is not None and request.endpoint not in _UNTRACKED:
            # an exception no error handler turned into an answer (those are counted by `_finish`)
            metrics.exceptions.labels(**metrics.labels(request.method, request.endpoint, 500)).inc()

    def _metrics_view():
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            collected = CollectorRegistry()
            multiprocess.MultiProcessCollector(collected)
            body = generate_latest(collected)
        else:
            body = generate_latest(registry) + generate_latest(REGISTRY)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", endpoint="metrics", view_func=_metrics_view)
    return metrics
