# EchoDash image: `docker build -t echodash .`, then see docs/deployment.md#docker.
# compose.yaml runs two of these on PostgreSQL behind nginx.
ARG PYTHON_VERSION=3.11

# --- 1. The wheel, built from the same files as `make dist` -------------------------------
FROM python:${PYTHON_VERSION}-slim AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip wheel --no-deps --wheel-dir /wheels .

# --- 2. The image: the wheel installed, nothing else of the repository --------------------
FROM python:${PYTHON_VERSION}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# With the PostgreSQL driver (asyncpg). Every dependency ships as a wheel: no compiler.
RUN --mount=type=bind,from=wheel,source=/wheels,target=/wheels \
    pip install "$(echo /wheels/echodash-*.whl)[postgres]"

# A non-root user that owns the data directory (SQLite database, secret.key).
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin echodash \
    && install -d -m 0700 -o echodash -g echodash /data

ENV ECHODASH_HOST=0.0.0.0 \
    ECHODASH_PORT=8000 \
    ECHODASH_DATA_DIR=/data
VOLUME /data
WORKDIR /data
USER echodash
EXPOSE 8000

# 200 from /healthz means the node can read and write its database; urlopen raises on anything else.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('ECHODASH_PORT') or '8000'), timeout=4)"]

CMD ["echodash", "serve"]
