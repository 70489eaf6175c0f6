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


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Route structlog and the standard library's loggers through one JSON renderer."""
    global _configured
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if fmt == "json" \
        else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*shared_processors, structlog.processors.format_exc_info,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
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
