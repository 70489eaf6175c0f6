"""Structured JSON logs with request and correlation ids, and Prometheus metrics."""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid

import structlog
from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_flask_exporter import PrometheusMetrics

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


def _incoming_id(header: str) -> str | None:
    value = request.headers.get(header)
    return value if value and _ID_PATTERN.match(value) else None


def install_request_ids(app: Flask, service: str) -> None:
    """Accept or make `X-Request-ID` and `X-Correlation-ID`, bind them to every log line, return them."""
    log = structlog.get_logger("offcampus.http")

    @app.before_request
    def _bind_ids():
        request_id = _incoming_id("X-Request-ID") or uuid.uuid4().hex
        correlation_id = _incoming_id("X-Correlation-ID") or request_id
        request.request_id = request_id
        g.correlation_id = correlation_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(service=service, request_id=request_id,
                                               correlation_id=correlation_id)

    @app.after_request
    def _return_ids(response: Response) -> Response:
        request_id = getattr(request, "request_id", None)
        if request_id:
            response.headers["X-Request-ID"] = request_id
            response.headers["X-Correlation-ID"] = g.get("correlation_id", request_id)
        if request.path not in ("/metrics", "/healthz"):
            log.info("request", method=request.method, path=request.path, status=response.status_code)
        return response

    @app.teardown_request
    def _unbind(_exc):
        structlog.contextvars.clear_contextvars()


def install_metrics(app: Flask, service: str) -> PrometheusMetrics:
    """HTTP RED metrics per endpoint, and `/metrics` that also works across gunicorn worker processes."""
    registry = CollectorRegistry(auto_describe=True)
    metrics = PrometheusMetrics(app, registry=registry, path=None, group_by="endpoint",
                                default_labels={"service": service}, export_defaults=True,
                                excluded_paths=["^/metrics$", "^/healthz$"])

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
