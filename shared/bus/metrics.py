"""The bus's Prometheus metrics (default registry, so a worker's `/metrics` and the web app's show them)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter(
    "offcampus_events_published_total", "Events the relay published and the broker confirmed", ["type"])
EVENTS_CONSUMED = Counter(
    "offcampus_events_consumed_total",
    "Events a consumer settled, by outcome: handled, duplicate, ignored, retried, dead",
    ["service", "type", "outcome"])
EVENT_HANDLING_SECONDS = Histogram(
    "offcampus_event_handling_seconds", "Time a consumer spent handling one event (its share of a batch)",
    ["service", "type"], buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10))
EVENT_LAG_SECONDS = Histogram(
    "offcampus_event_lag_seconds", "Now minus the event's time when a consumer handled it",
    ["service", "type"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600))
OUTBOX_PENDING = Gauge(
    "offcampus_outbox_pending", "Outbox rows not yet published, as the relay last counted them", ["service"])
OUTBOX_OLDEST_AGE_SECONDS = Gauge(
    "offcampus_outbox_oldest_age_seconds",
    "Age of the oldest outbox row not yet published (0 when none), as the relay last measured it", ["service"])
DEAD_LETTERS = Counter(
    "offcampus_dead_letters_total", "Messages a consumer sent to its dead-letter queue", ["service", "reason"])
