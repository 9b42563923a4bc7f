# Warme doorverwijzing: one image for the API, the worker and the one-shot migration.
#   docker build -t wdv .
#   docker run -p 8000:8000 -v wdv-data:/srv/wdv/var wdv     SQLite, worker inside the API process
#   docker run … wdv migrate | api | worker | sandbox         the processes of compose.yaml
# (deploy/entrypoint.sh says what each one runs.)

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# the dependencies exactly as locked (versions and hashes), then the project itself without them
COPY requirements/runtime.txt requirements/runtime.txt
RUN python -m venv /opt/wdv && /opt/wdv/bin/pip install --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY app ./app
RUN /opt/wdv/bin/pip install --no-deps --no-build-isolation .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/wdv/bin:$PATH \
    WDV_HOME=/srv/wdv \
    DATABASE_URL=sqlite+aiosqlite:////srv/wdv/var/wdv.db
COPY --from=build /opt/wdv /opt/wdv
WORKDIR /srv/wdv
# read at run time from WDV_HOME: the migrations and the message specification
COPY alembic.ini ./
COPY migrations ./migrations
COPY schemas ./schemas
COPY deploy/entrypoint.sh /usr/local/bin/wdv-entrypoint
RUN useradd --system --uid 10001 --home-dir /srv/wdv wdv \
    && mkdir -p /srv/wdv/var && chown wdv /srv/wdv/var

USER wdv
# the SQLite database of the single-container default
VOLUME /srv/wdv/var
EXPOSE 8000
# ready, not merely alive: database, migrations, routing table, a recent worker heartbeat
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "-m", "app.ops.probe", "api"]
ENTRYPOINT ["wdv-entrypoint"]
CMD ["serve"]
