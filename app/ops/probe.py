"""Container health checks: `python -m app.ops.probe api` asks this container's API for
/health/ready; `python -m app.ops.probe worker` asks the database whether this container's
worker reported recently. Exit status 0 is healthy."""

import asyncio
import os
import socket
import sys
import urllib.request
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.ops.heartbeat import WorkerHeartbeat


def api_ready(port: int) -> bool:
    url = f"http://127.0.0.1:{port}/health/ready"
    try:
        with urllib.request.urlopen(url, timeout=4) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


async def worker_alive(host: str) -> bool:
    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            newest = await session.scalar(
                select(func.max(WorkerHeartbeat.laatste_slag)).where(
                    WorkerHeartbeat.worker_id.startswith(f"{host[:60]}:")
                )
            )
    finally:
        await engine.dispose()
    max_age = timedelta(seconds=settings.worker_heartbeat_max_age_seconds)
    return newest is not None and datetime.now(UTC) - newest <= max_age


def main(argv: list[str]) -> int:
    what = argv[1] if len(argv) > 1 else "api"
    if what == "api":
        return 0 if api_ready(int(os.environ.get("API_PORT", "8000"))) else 1
    if what == "worker":
        return 0 if asyncio.run(worker_alive(socket.gethostname())) else 1
    print("usage: python -m app.ops.probe api|worker", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
