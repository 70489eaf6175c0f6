"""Dockerfile and .dockerignore: one non-root python:3.11-slim image whose entrypoint is the offcampus CLI."""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import dockerfile
import pytest
from deploy_support import REPO_ROOT

BASE_IMAGE = "python:3.11-slim"


def stages(commands: tuple[dockerfile.Command, ...]) -> list[list[dockerfile.Command]]:
    """The build stages, each from its FROM, with ARG defaults declared before the first FROM applied."""
    args, result = {}, []
    for command in commands:
        if command.cmd == "ARG" and not result:
            name, _, default = command.value[0].partition("=")
            args[name] = default
        elif command.cmd == "FROM":
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), command.value[0])
            result.append([command._replace(value=(image, *command.value[1:]))])
        elif result:
            result[-1].append(command)
    return result


def _env(stage: list[dockerfile.Command]) -> dict[str, str]:
    env = {}
    for command in stage:
        if command.cmd == "ENV":
            values = command.value
            env.update(zip(values[::2], values[1::2], strict=True))
    return env


def _copy_destination(stage: list[dockerfile.Command], source: str) -> str | None:
    workdir = PurePosixPath("/")
    for command in stage:
        if command.cmd == "WORKDIR":
            workdir = workdir / command.value[0]
        elif command.cmd == "COPY" and source in command.value[:-1]:
            destination = PurePosixPath(command.value[-1])
            if command.value[-1].endswith("/"):
                destination = destination / PurePosixPath(source).name
            return os.path.normpath(workdir / destination)
    return None


def image_problems(commands: tuple[dockerfile.Command, ...]) -> list[str]:
    """What would make the image wrong for running every role of every service."""
    problems = []
    built = stages(commands)
    if not built:
        return ["the Dockerfile has no FROM"]
    final = built[-1]
    if final[0].value[0] != BASE_IMAGE:
        problems.append(f"the final stage is built on {final[0].value[0]}, not {BASE_IMAGE}")
    entrypoints = [c for c in final if c.cmd == "ENTRYPOINT"]
    if not entrypoints or entrypoints[-1].value != ("offcampus",):
        problems.append("the ENTRYPOINT is not the offcampus CLI")
    elif not entrypoints[-1].json:
        problems.append("the ENTRYPOINT is in shell form: SIGTERM would reach sh, not offcampus")
    users = [c.value[0] for c in final if c.cmd == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the image runs as root")
    healthchecks = [c for c in final if c.cmd == "HEALTHCHECK"]
    if not healthchecks or healthchecks[-1].value[0] != "CMD":
        problems.append("the image has no HEALTHCHECK")
    installs = [c.value[0] for stage in built for c in stage if c.cmd == "RUN" and "pip install" in c.value[0]]
    if not installs:
        problems.append("the project is never pip-installed")
    if any(re.search(r"(^|\s)(-e|--editable)(\s|$)", run) for run in installs):
        problems.append("the project is installed editable: the image would need its source tree")
    config = _env(final).get("OFFCAMPUS_GUNICORN_CONFIG")
    if config is None or config != _copy_destination(final, "deploy/gunicorn.conf.py"):
        problems.append("OFFCAMPUS_GUNICORN_CONFIG does not name where deploy/gunicorn.conf.py is copied")
    return problems


def context_sources(commands: tuple[dockerfile.Command, ...]) -> list[str]:
    """Paths the Dockerfile copies from the build context (not from another stage)."""
    return [source for c in commands if c.cmd in ("COPY", "ADD") and not any(f.startswith("--from") for f in c.flags)
            for source in c.value[:-1]]


# ------------------------------------------------------------------------------- .dockerignore semantics


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(re-include?, regex) per line of a .dockerignore, in order."""
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        rules.append((negated, _pattern_regex(pattern)))
    return rules


def excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether docker leaves path out of the build context: the last rule matching it or a parent wins."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    verdict = False
    for negated, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            verdict = not negated
    return verdict


def context_problems(sources: list[str], ignore_text: str, root: Path) -> list[str]:
    """Files the Dockerfile copies that are absent, or that .dockerignore keeps out of the context."""
    rules, problems = dockerignore_rules(ignore_text), []
    for source in sources:
        path = root / source
        if not path.exists():
            problems.append(f"{source} is copied but does not exist")
            continue
        files = [path] if path.is_file() else [
            p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
        for file in files:
            relative = file.relative_to(root).as_posix()
            if excluded(relative, rules):
                problems.append(f"{relative} is copied but .dockerignore leaves it out")
    return problems


# ------------------------------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def commands() -> tuple[dockerfile.Command, ...]:
    return dockerfile.parse_file(str(REPO_ROOT / "Dockerfile"))


@pytest.fixture(scope="module")
def ignore_text() -> str:
    return (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8")


def test_image_is_non_root_slim_python_with_the_offcampus_cli_as_entrypoint(commands):
    assert image_problems(commands) == []


BROKEN_DOCKERFILES = {
    "entrypoint is python": ('ENTRYPOINT ["offcampus"]', 'ENTRYPOINT ["python", "-m", "shared.cli"]',
                             "the ENTRYPOINT is not the offcampus CLI"),
    "entrypoint in shell form": ('ENTRYPOINT ["offcampus"]', "ENTRYPOINT offcampus", "shell form"),
    "runs as root": ("USER 10001:10001", "USER root", "the image runs as root"),
    "no USER": ("USER 10001:10001", "", "the image runs as root"),
    "editable install": ("pip install .", "pip install -e .", "installed editable"),
    "other base image": ("ARG PYTHON_IMAGE=python:3.11-slim", "ARG PYTHON_IMAGE=python:3.12",
                         "not python:3.11-slim"),
    "no healthcheck": ("HEALTHCHECK ", "# HEALTHCHECK ", "no HEALTHCHECK"),
    "gunicorn config elsewhere": ("./deploy/gunicorn.conf.py", "/etc/gunicorn.conf.py",
                                  "OFFCAMPUS_GUNICORN_CONFIG does not name"),
}


def test_the_runtime_image_has_the_cjk_font_the_charts_are_lettered_in(commands):
    runtime = stages(commands)[-1]
    installs = " ".join(" ".join(command.value) for command in runtime if command.cmd == "RUN")
    assert re.search(r"apt-get install\b[^&;]*\bfonts-noto-cjk\b", installs), installs


@pytest.mark.parametrize("breakage", BROKEN_DOCKERFILES, ids=list(BROKEN_DOCKERFILES))
def test_a_broken_copy_of_the_dockerfile_is_reported(breakage):
    old, new, expected = BROKEN_DOCKERFILES[breakage]
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert old in text

    problems = image_problems(dockerfile.parse_string(text.replace(old, new)))

    assert any(expected in problem for problem in problems), problems


def test_everything_the_dockerfile_copies_exists_and_reaches_the_build_context(commands, ignore_text):
    sources = context_sources(commands)

    assert {"pyproject.toml", "shared", "services", "deploy/gunicorn.conf.py"} <= set(sources)
    assert context_problems(sources, ignore_text, REPO_ROOT) == []


@pytest.mark.parametrize("path", [".env", ".venv/bin/python", "var/registry.sqlite3", ".git/config",
                                  "tests/unit/test_x.py", "shared/__pycache__/app.cpython-311.pyc"])
def test_dockerignore_keeps_secrets_state_and_caches_out_of_the_context(ignore_text, path):
    assert excluded(path, dockerignore_rules(ignore_text))


def test_a_dockerignore_that_drops_a_copied_file_is_reported(commands, ignore_text):
    problems = context_problems(context_sources(commands), ignore_text + "\nservices/**/migrations\n", REPO_ROOT)

    assert any("/migrations/" in problem and "leaves it out" in problem for problem in problems), problems


def test_dockerignore_matching_follows_docker_rules():
    rules = dockerignore_rules("*\n!shared/\n**/__pycache__\n")

    assert excluded("README.md", rules)
    assert not excluded("shared/app.py", rules)
    assert excluded("shared/bus/__pycache__/x.pyc", rules)
    assert excluded("sharedness/x.py", rules)  # `shared` names a directory, not a prefix


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_image_healthcheck_follows_offcampus_healthcheck_url(commands, local_server):
    probe = [c for c in stages(commands)[-1] if c.cmd == "HEALTHCHECK"][-1].value
    assert probe[:3] == ("CMD", "python", "-c")

    def exit_code(url: str) -> int:
        env = {**os.environ, "OFFCAMPUS_HEALTHCHECK_URL": url}
        return subprocess.run([sys.executable, "-c", probe[3]], env=env, capture_output=True, timeout=30).returncode

    assert exit_code(f"http://127.0.0.1:{local_server}/healthz") == 0
    assert exit_code(f"http://127.0.0.1:{local_server}/readyz") != 0
