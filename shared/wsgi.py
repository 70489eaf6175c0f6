"""WSGI entry for gunicorn: `shared.wsgi:app_for('registry')`."""

from __future__ import annotations

from flask import Flask

from shared.app import create_app
from shared.service import load_service


def app_for(service: str) -> Flask:
    """Build the named service's app in this (forked) worker process."""
    return create_app(load_service(service))
