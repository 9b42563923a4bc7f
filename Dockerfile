# Warme doorverwijzing: migrations, then uvicorn, as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/wdv
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY schemas ./schemas
# editable: the code, schemas/ and migrations/ stay together under /srv/wdv
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /srv/wdv wdv \
    && mkdir -p /srv/wdv/var && chown wdv /srv/wdv/var

USER wdv
ENV DATABASE_URL=sqlite+aiosqlite:////srv/wdv/var/wdv.db
EXPOSE 8000
CMD ["sh", "-c", "wdv db upgrade && wdv routing load-default && exec uvicorn --factory app.main:create_app --host 0.0.0.0 --port 8000 --proxy-headers --no-server-header --h11-max-incomplete-event-size 16384"]
