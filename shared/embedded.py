"""`offcampus up`: every service and its worker in one process, on SQLite and an in-memory bus by default."""

from __future__ import annotations

import atexit
import os
import signal
import threading
from pathlib import Path

import click
from werkzeug.serving import make_server

from shared.app import create_app
from shared.config import Settings
from shared.db import Database
from shared.headers import QuietRequestHandler
from shared.migrations import upgrade
from shared.service import available_services, load_service
from shared.worker import Worker


def run_embedded(host: str = "127.0.0.1", port_offset: int = 0, identity_provider: bool | None = None) -> None:
    """Migrate and start all services and workers; Ctrl-C stops everything cleanly."""
    from shared.bus.transport import transport_from_url

    os.environ.setdefault("OFFCAMPUS_ENV", "development")
    settings = Settings.from_env()
    if settings.env != "development" and settings.uses_development_secret:
        raise click.ClickException("set OFFCAMPUS_JWT_SECRET, or OFFCAMPUS_ENV=development, to run `up`")
    if identity_provider and settings.env != "development":
        raise click.ClickException("the development identity provider is for development only: its staff list's "
                                   "passwords are public. In production, set OFFCAMPUS_OIDC_ISSUER to the county's.")
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    provider = None
    if settings.env == "development" and identity_provider is not False:
        provider = _start_identity_provider(settings, host, port_offset)
    transport = transport_from_url(settings.amqp_url, namespace=settings.bus_namespace)
    servers, workers, threads = [], [], []
    stop = threading.Event()
    for name in sorted(available_services(), key=lambda n: load_service(n).port):
        spec = load_service(name)
        url = settings.database_url(name)
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        upgrade(spec, url)
        database = Database(url)
        worker = Worker(spec, settings, transport, database=database)
        app = create_app(spec, settings=settings, database=database, bus=transport)
        port = spec.port + port_offset
        server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
        servers.append(server)
        workers.append(worker)
        threads.append(threading.Thread(target=server.serve_forever, name=f"{name}-web", daemon=True))
        click.echo(f"{name:<11} http://{host}:{port}/docs  http://{host}:{port}/console")
    # From the moment anything runs, Ctrl-C or SIGTERM stops it all cleanly: a signal that arrived between the
    # servers answering and the handlers being set ended `up` with click's "Aborted!" and exit 1.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    for worker in workers:
        worker.start()
    for thread in threads:
        thread.start()
    where = "RabbitMQ" if settings.amqp_url else "the in-memory bus"
    pages = " ".join(f"http://{host}:{load_service(name).port + port_offset}{path}"
                     for name, path in (("registry", "/board"), ("complaints", "/report"), ("reporting", "/dashboard"))
                     if name in available_services())
    click.echo(f"public pages: {pages}")
    click.echo(f"offcampus is up on {where}; a token: offcampus token --dept education --role clerk. "
               "Ctrl-C stops.")
    stop.wait()
    click.echo("stopping…")
    if provider is not None:
        provider.terminate()
        provider.wait(10)
    for server in servers:
        server.shutdown()
    for worker in workers:
        worker.stop()
    click.echo("stopped")


def _start_identity_provider(settings: Settings, host: str, port_offset: int):
    """The development OpenID provider for the consoles (deploy/oidc), and who can sign in through it."""
    from shared.console import dev_provider

    urls = {name: f"http://{host}:{load_service(name).port + port_offset}" for name in available_services()}
    port = dev_provider.UP_PORT + port_offset
    try:
        process, setup = dev_provider.start_for_up(urls, port, settings.var_dir / "oidc-provider.log")
    except (dev_provider.ProviderUnavailable, OSError) as exc:
        click.echo(f"consoles: no sign-in ({exc})")
        return None
    atexit.register(process.terminate)  # also when `up` stops by an error rather than Ctrl-C
    click.echo(f"identity provider {setup.issuer} (development only); sign in to any /console as:")
    for line in dev_provider.who_can_sign_in():
        click.echo(line)
    return process
