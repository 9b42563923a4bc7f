"""The OpenAPI document, held against the running service by schemathesis: generated requests
(valid and invalid) for every operation, authenticated with the keys of a creditor and an
uitvoerder so they reach the handlers. Not a single 5xx, and every answer as documented."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis import checks as builtin
from schemathesis.core.result import Ok
from schemathesis.python import asgi
from schemathesis.specs.openapi import checks as openapi_checks

from app.config import Settings
from app.main import create_app
from tests.conftest import Parties

EXAMPLES_PER_OPERATION = 20
# operations that only an uitvoerder may use; everything else is tried as a creditor
UITVOERDER_PATHS = ("/statusmeldingen", "/verlengingsverzoeken", "/vroegsignalering")
CHECKS = [
    builtin.not_a_server_error,
    openapi_checks.response_schema_conformance,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
]


@pytest.fixture
def api_schema(database_url: str, parties: Parties) -> Iterator[schemathesis.BaseSchema]:
    # the service as deployed, with the limits lifted that a burst of generated requests would hit
    app = create_app(
        Settings(
            database_url=database_url,
            routing_refresh_seconds=0,
            worker_in_process=False,
            rate_limit_per_key=0,
            rate_limit_per_address=0,
        )
    )
    yield schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    asgi.shutdown_lifespans()


def run(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    auth: dict[str, str],
    statuses: Counter[int],
) -> None:
    """Generated requests for one operation, each answer checked; raises on the first failure."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def call(case: schemathesis.Case[Any]) -> None:
        response = case.call_and_validate(headers=auth, checks=CHECKS)
        statuses[response.status_code] += 1

    call()


def test_the_service_answers_as_its_openapi_document_says(
    api_schema: schemathesis.BaseSchema, parties: Parties
) -> None:
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) > 10
    for operation in operations:
        uitvoerder = any(part in operation.path for part in UITVOERDER_PATHS)
        auth = (parties.amsterdam if uitvoerder else parties.water).auth
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run(operation, mode, auth, statuses)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode}): {exc}")

    assert not failures, "\n\n".join(failures)
    # the keys were accepted and the handlers reached: answers beyond 401
    assert statuses[200] + statuses[201] > 0
    assert statuses[400] > 0
    assert statuses[401] < sum(statuses.values()) / 2
