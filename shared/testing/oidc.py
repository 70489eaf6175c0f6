"""The development OpenID provider started for a test (see shared/console/dev_provider.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

from shared.console.dev_provider import ProviderSetup, command, ensure_packages, provider_setup, staff, staff_member
from shared.testing.processes import Process, free_port, wait_until

__all__ = ["ProviderSetup", "running_provider", "staff", "staff_member"]


@contextmanager
def running_provider(service_urls: Mapping[str, str], log: Path, port: int | None = None
                     ) -> Iterator[ProviderSetup]:
    """Start the provider for the services at `service_urls` (npm ci first if needed); stop it on exit."""
    ensure_packages()
    setup = provider_setup(service_urls, port or free_port())
    process = Process(command(), setup.env, log)
    try:
        wait_until(lambda: requests.get(f"{setup.issuer}/.well-known/openid-configuration", timeout=2).ok, 60,
                   "the development OpenID provider", process)
        yield setup
    finally:
        process.stop()
