# syntax=docker/dockerfile:1
# One image for every role of every service: `serve <svc>`, `worker <svc>`, `migrate <svc>`.
# Build: docker build -t offcampus:dev .   (docker compose builds it as ${OFFCAMPUS_IMAGE:-offcampus:dev})

# A registry mirror can stand in for Docker Hub where it is unreachable: --build-arg PYTHON_IMAGE=...
ARG PYTHON_IMAGE=python:3.11-slim

# The build stage installs the project into a venv, so no compiler, pip cache or source tree ships.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
# Non-editable: the image must not depend on /src, which the runtime stage does not copy.
RUN python -m venv /opt/offcampus \
 && /opt/offcampus/bin/pip install . \
 && /opt/offcampus/bin/offcampus --help > /dev/null

FROM ${PYTHON_IMAGE} AS runtime
# The venv lives at the same path in both stages because its scripts carry absolute shebangs.
COPY --from=build /opt/offcampus /opt/offcampus
ENV PATH=/opt/offcampus/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OFFCAMPUS_ENV=production \
    OFFCAMPUS_VAR_DIR=/app/var \
    OFFCAMPUS_GUNICORN_CONFIG=/app/deploy/gunicorn.conf.py \
    OFFCAMPUS_HEALTHCHECK_URL=http://127.0.0.1:8000/healthz

# A fixed numeric uid lets volumes and Kubernetes securityContext (runAsNonRoot) agree with the image;
# a writable home is where gunicorn puts its control socket.
RUN groupadd --system --gid 10001 offcampus \
 && useradd --system --uid 10001 --gid offcampus --create-home --home-dir /home/offcampus \
      --shell /usr/sbin/nologin offcampus \
 && mkdir -p /app/var \
 && chown offcampus:offcampus /app/var

# Reporting's charts letter their Chinese titles and labels in Noto Sans CJK (Debian's fonts-noto-cjk):
# without it matplotlib falls back to a font with no Chinese glyphs and every label is a row of boxes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Installed non-editable, the package has no repository beside it: OFFCAMPUS_GUNICORN_CONFIG points here.
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py

USER 10001:10001

# Web ports of registry, inspection, complaints, reporting; 9100 is a worker's metrics port.
EXPOSE 8001 8002 8003 8004 9100

# slim has no curl: the stdlib probe exits non-zero on a refused connection or any non-2xx answer.
# Each role points OFFCAMPUS_HEALTHCHECK_URL at its own probe (compose sets explicit healthchecks).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['OFFCAMPUS_HEALTHCHECK_URL'], timeout=4)"]

ENTRYPOINT ["offcampus"]
CMD ["--help"]
