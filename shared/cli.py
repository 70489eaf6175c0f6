"""The `offcampus` command: serve, worker, migrate, up, demo, token, dlq, events."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from shared.config import SERVICE_PORTS, Settings
from shared.county_file import CountyConfigError
from shared.service import UnknownService, available_services, load_service

REPO_ROOT = Path(__file__).resolve().parent.parent


def _spec(name: str):
    try:
        return load_service(name)
    except UnknownService as exc:
        raise click.BadParameter(str(exc), param_hint="SERVICE") from exc
    except CountyConfigError as exc:  # a service may read its section of the county file as it loads
        raise click.ClickException(str(exc)) from exc


def _check_county(spec, settings: Settings) -> None:
    """Stop at start, with the file, line and key, when the county file (or the service's section) is bad."""
    from shared.county import configured_county

    try:
        configured_county(settings.county_config, spec)
    except CountyConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _refuse_development_secret(settings: Settings) -> None:
    if settings.uses_development_secret and settings.env != "development":
        raise click.ClickException(
            "refusing to start with the development JWT secret: set OFFCAMPUS_JWT_SECRET (HS256) or "
            "OFFCAMPUS_JWT_PUBLIC_KEY (RS256), or OFFCAMPUS_ENV=development on a developer's machine")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Supervision platform for off-campus training institutions (校外培训监管平台)."""


@main.command()
@click.argument("service")
@click.option("--bind", default=None, help="HOST:PORT to listen on (default 0.0.0.0:<service port>).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="gunicorn worker processes.")
def serve(service: str, bind: str | None, workers: int | None) -> None:
    """Serve SERVICE's HTTP API with gunicorn (config in deploy/gunicorn.conf.py)."""
    spec = _spec(service)
    settings = Settings.from_env()
    _refuse_development_secret(settings)
    _check_county(spec, settings)
    metrics_dir = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.var_dir / "prometheus" / spec.name)
    # stale files from a previous run would add dead workers' counts to the new ones
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir.resolve())
    config = os.environ.get("OFFCAMPUS_GUNICORN_CONFIG") or str(REPO_ROOT / "deploy" / "gunicorn.conf.py")
    args = [sys.executable, "-m", "gunicorn", "--config", config, "--bind", bind or f"0.0.0.0:{spec.port}"]
    if workers:
        args += ["--workers", str(workers)]
    os.execv(sys.executable, [*args, f"shared.wsgi:app_for('{spec.name}')"])


@main.command()
@click.argument("service")
def worker(service: str) -> None:
    """Run SERVICE's worker: consume its queue, relay its outbox, run its scheduled checks."""
    from shared.worker import run_worker

    spec = _spec(service)
    settings = Settings.from_env()
    _refuse_development_secret(settings)
    _check_county(spec, settings)
    run_worker(spec, settings)


@main.command()
@click.argument("service")
@click.option("--revision", default="head", show_default=True)
def migrate(service: str, revision: str) -> None:
    """Bring SERVICE's database (or `all` of them) to the latest schema."""
    from shared.migrations import upgrade

    settings = Settings.from_env()
    names = sorted(available_services()) if service == "all" else [service]
    for name in names:
        spec = _spec(name)
        url = settings.database_url(name)
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        upgrade(spec, url, revision)
        click.echo(f"{name}: migrated to {revision}")


@main.command()
@click.argument("service")
def rebuild(service: str) -> None:
    """Rebuild what SERVICE derives from the events it keeps (reporting: its projections from its archive)."""
    from sqlalchemy.orm import Session

    from shared.db import make_engine

    spec = _spec(service)
    if spec.rebuild is None:
        raise click.ClickException(f"{service} 没有可重建的数据 keeps nothing to rebuild")
    settings = Settings.from_env()
    _check_county(spec, settings)
    engine = make_engine(settings.database_url(service))
    try:
        with click.progressbar(length=0, label=f"{service}: 重放事件 replaying", show_pos=True) as bar, \
                Session(engine) as session, session.begin():

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            count = spec.rebuild(session, progress)
    finally:
        engine.dispose()
    click.echo(f"{service}: 已从 {count} 个事件重建 rebuilt from {count} events")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--base-port", type=click.IntRange(1024, 65000), default=None,
              help="Move every service's port by the same offset (registry at this port; default 8001).")
@click.option("--identity-provider/--no-identity-provider", default=None,
              help="Start the development OpenID provider for the consoles (default: in development; refused in "
                   "production).")
def up(host: str, base_port: int | None, identity_provider: bool | None) -> None:
    """Run all four services and their workers in one process (embedded default unless URLs are set)."""
    from shared.embedded import run_embedded

    run_embedded(host=host, port_offset=(base_port - SERVICE_PORTS["registry"]) if base_port else 0,
                 identity_provider=identity_provider)


@main.command()
@click.option("--scenario", "scenario_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The county's year to play (default scenarios/chenggu.yaml).")
@click.option("--exit", "exit_after", is_flag=True, help="Stop the platform afterwards (one the demo started).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Write reporting's /v1/summary answer (all time) to this file.")
def demo(scenario_path: Path | None, exit_after: bool, json_path: Path | None) -> None:
    """Play a county's year through the services' HTTP APIs and print reporting's summary.

    Starts the embedded platform when none answers at OFFCAMPUS_<SVC>_URL. Running it again changes nothing.
    """
    from shared.demo.command import play

    play(scenario_path, exit_after, json_path)


@main.command()
@click.option("--dept", default="", help="Department of the caller, e.g. education (none for admin, integrator).")
@click.option("--role", "roles", multiple=True, required=True, help="A role; repeat for several.")
@click.option("--aud", "audiences", multiple=True, help="A service the token is for; default all.")
@click.option("--town", default=None, help="Scope a town officer to one town.")
@click.option("--sub", default="dev-user", show_default=True, help="Subject (user id).")
@click.option("--ttl", type=click.IntRange(min=1), default=8 * 3600, show_default=True,
              help="Lifetime in seconds, at most OFFCAMPUS_JWT_MAX_TTL_SECONDS (a day unless set).")
def token(dept: str, roles: tuple[str, ...], audiences: tuple[str, ...], town: str | None, sub: str,
          ttl: int) -> None:
    """Mint a bearer token (with OFFCAMPUS_JWT_SECRET, else the development secret); prints it last."""
    from shared.auth import NO_DEPARTMENT_ROLES, ROLES, mint_token
    from shared.county import configured_county

    for role in roles:
        if role not in ROLES:
            raise click.BadParameter(f"{role!r} is not one of {', '.join(ROLES)}", param_hint="--role")
    table = configured_county(Settings.from_env().county_config).departments  # services accept what it lists
    if dept and dept not in table:
        raise click.BadParameter(f"{dept!r} is not one of {', '.join(table)} (the county file)", param_hint="--dept")
    for role in roles:
        if role not in NO_DEPARTMENT_ROLES and role not in table.get(dept, ()):
            where = f"the {dept} department may hold only {', '.join(sorted(table[dept]))}" if dept else \
                f"without --dept only {', '.join(NO_DEPARTMENT_ROLES)}"
            raise click.BadParameter(f"{role!r}: {where} (the county file)", param_hint="--role")
    for aud in audiences:
        if aud not in SERVICE_PORTS:
            raise click.BadParameter(f"{aud!r} is not one of {', '.join(SERVICE_PORTS)}", param_hint="--aud")
    settings = Settings.from_env()
    if ttl > settings.jwt_max_ttl_seconds:
        raise click.BadParameter(f"{ttl} is longer than the {settings.jwt_max_ttl_seconds} seconds services accept "
                                 "(OFFCAMPUS_JWT_MAX_TTL_SECONDS)", param_hint="--ttl")
    if settings.uses_development_secret:
        click.echo("note: signed with the development secret", err=True)
    click.echo(mint_token(settings, sub=sub, dept=dept, roles=roles, aud=audiences or None, town=town, ttl=ttl))


from shared import cli_bus  # noqa: E402  (registers the dlq and events groups on `main`)

cli_bus.register(main)
