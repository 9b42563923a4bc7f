"""Limits at the HTTP edge: request budgets per API key and per address (429 with Retry-After),
harder for unknown keys; header size (431); HSTS over https; a content security policy on the
docs page; and no Server header from the service as it is started."""

import base64
import hashlib
import re
import shlex
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from app.ratelimit import RateLimiter
from tests.conftest import Parties
from tests.support.loopback import serving
from tests.test_http_hardening import assert_problem, referral


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# --- the limiter (pure) ---------------------------------------------------------------------------


def test_a_budget_is_spent_then_refused_with_the_seconds_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)

    allowed = [limiter.take("k") for _ in range(3)]
    refused = limiter.take("k")

    assert allowed == [None, None, None]
    assert refused == 20  # one request comes back every 60 / 3 seconds


def test_a_budget_refills_with_time_and_each_key_has_its_own() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, clock=clock)
    for _ in range(60):
        limiter.take("a")

    assert limiter.take("a") == 1
    assert limiter.take("b") is None
    clock.now = 1.0
    assert limiter.take("a") is None


def test_zero_means_unlimited() -> None:
    limiter = RateLimiter(per_minute=0)

    assert all(limiter.take("k") is None for _ in range(10_000))


def test_looking_does_not_spend() -> None:
    limiter = RateLimiter(per_minute=1, clock=Clock())

    assert limiter.exhausted("k") is None
    assert limiter.take("k") is None
    assert limiter.exhausted("k") == 60


def test_the_number_of_buckets_stays_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=10, clock=clock, max_buckets=100)
    for index in range(1_000):
        clock.now += 0.001
        limiter.take(f"address-{index}")

    assert len(limiter._buckets) <= 100


# --- the service --------------------------------------------------------------------------------


async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def limited(database_url: str, **overrides: Any) -> Settings:
    return Settings(
        database_url=database_url, routing_refresh_seconds=0, worker_in_process=False, **overrides
    )


@pytest.fixture
async def per_key(database_url: str, parties: Parties) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client_for(limited(database_url, rate_limit_per_key=5)):
        yield http


async def test_an_api_key_past_its_budget_gets_429_with_retry_after_and_others_go_on(
    per_key: httpx.AsyncClient, parties: Parties
) -> None:
    answers = [
        (await per_key.get("/v1/bezorgingen", headers=parties.water.auth)).status_code for _ in range(5)
    ]
    refused = await per_key.get("/v1/bezorgingen", headers=parties.water.auth)
    other = await per_key.get("/v1/bezorgingen", headers=parties.energie.auth)

    assert answers == [200] * 5
    assert_problem(refused, 429, "te-veel-verzoeken")
    assert int(refused.headers["retry-after"]) >= 1
    assert other.status_code == 200


@pytest.fixture
async def per_address(database_url: str, parties: Parties) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client_for(limited(database_url, rate_limit_per_address=4)):
        yield http


async def test_an_address_past_its_budget_gets_429_on_any_path(
    per_address: httpx.AsyncClient, parties: Parties
) -> None:
    for _ in range(4):
        await per_address.get("/v1/openapi.json")

    refused = await per_address.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth)

    assert_problem(refused, 429, "te-veel-verzoeken")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["api-version"]


@pytest.fixture
async def guarded(database_url: str, parties: Parties) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client_for(limited(database_url, rate_limit_failed_auth=3)):
        yield http


async def test_unknown_keys_are_throttled_harder_even_a_right_key_from_that_address_waits(
    guarded: httpx.AsyncClient, parties: Parties
) -> None:
    wrong = {"Authorization": "Bearer wdv_guessed"}
    tries = [(await guarded.get("/v1/bezorgingen", headers=wrong)).status_code for _ in range(3)]
    throttled = await guarded.get("/v1/bezorgingen", headers=wrong)
    right_key = await guarded.get("/v1/bezorgingen", headers=parties.water.auth)

    assert tries == [401, 401, 401]
    assert_problem(throttled, 429, "te-veel-verzoeken")
    assert int(throttled.headers["retry-after"]) >= 1
    assert right_key.status_code == 429


async def test_headers_larger_than_the_limit_are_a_431(client: httpx.AsyncClient, parties: Parties) -> None:
    response = await client.get(
        "/v1/bezorgingen", headers={**parties.water.auth, "X-Opvulling": "x" * 20_000}
    )

    assert_problem(response, 431, "headers-te-groot")


async def test_too_many_headers_are_a_431(client: httpx.AsyncClient, parties: Parties) -> None:
    many = {f"X-Kop-{index}": "1" for index in range(100)}

    response = await client.get("/v1/bezorgingen", headers={**parties.water.auth, **many})

    assert_problem(response, 431, "headers-te-groot")


async def test_no_hsts_over_plain_http_in_the_sandbox(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/openapi.json")

    assert "strict-transport-security" not in response.headers


async def test_hsts_when_the_public_address_is_https(database_url: str) -> None:
    async for http in client_for(limited(database_url, public_base_url="https://wdv.example.nl")):
        response = await http.get("/v1/openapi.json")

        assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_hsts_when_the_request_came_over_tls(app: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        response = await http.get("/v1/openapi.json")

    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_the_docs_page_has_a_policy_allowing_only_its_own_scripts(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/docs")

    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert response.status_code == 200
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "http" not in policy  # nothing from elsewhere
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in directives["script-src"]
    assert re.findall(r'<script src="([^"]+)"', response.text) == ["/v1/docs-static/swagger-ui-bundle.js"]


async def test_the_service_adds_no_server_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/openapi.json")

    assert "server" not in response.headers


def start_command_options(path: str) -> dict[str, Any]:
    """The uvicorn options of the start command in the Makefile or Dockerfile, as uvicorn.Config
    arguments (only those that concern what a client sees). The image starts uvicorn through
    deploy/entrypoint.sh."""
    text = (PROJECT_ROOT / path).read_text().replace("\\\n", " ")  # shell line continuations
    [command] = [line for line in text.splitlines() if "uvicorn --factory" in line][:1]
    words = shlex.split(command.split("uvicorn --factory", 1)[1].split('"]')[0])
    return {"server_header": "--no-server-header" not in words}


@pytest.mark.parametrize("path", ["Makefile", "deploy/entrypoint.sh"])
def test_the_service_as_started_sends_no_server_header(database_url: str, path: str) -> None:
    options = start_command_options(path)

    with serving(lambda _: create_app(limited(database_url)), lifespan="on", **options) as url:
        response = httpx.get(f"{url}/v1/openapi.json", timeout=30)

    assert response.status_code == 200
    assert "server" not in response.headers
