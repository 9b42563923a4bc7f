"""The deployment files agree with the Compose Specification, with each other and with the lock."""

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from packaging.requirements import Requirement

from app.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "compose.yaml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
ENTRYPOINT = PROJECT_ROOT / "deploy" / "entrypoint.sh"
SPEC = PROJECT_ROOT / "tests" / "data" / "compose-spec" / "compose-spec.json"


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text("utf-8"))
    return document


def entrypoint_commands() -> set[str]:
    """The commands deploy/entrypoint.sh knows (its `case` branches)."""
    return set(re.findall(r"^  ([a-z]+)\)", ENTRYPOINT.read_text("utf-8"), re.MULTILINE))


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    validator = jsonschema.Draft7Validator(json.loads(SPEC.read_text("utf-8")))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []


def test_compose_starts_database_migration_two_apis_two_workers_and_both_simulators() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "data-key": {"condition": "service_completed_successfully"},
    }
    for name in ("api", "worker"):
        assert services[name]["deploy"]["replicas"] == 2
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["schuldenknooppunt"]["command"][:3] == ["wdv", "simulate", "schuldenknooppunt"]
    assert "wdv simulate vroegsignalering" in services["vroegsignalering"]["command"][0]


def test_every_process_of_the_stack_reads_the_data_key_made_once_into_a_volume() -> None:
    stack = compose()
    services = stack["services"]
    key_file = stack["x-service"]["environment"]["DATA_KEYS_FILE"]
    assert stack["x-service"]["volumes"] == [f"data-keys:{key_file.rsplit('/', 1)[0]}:ro"]
    for name in ("migrate", "api", "worker"):
        assert "volumes" not in services[name] or services[name]["volumes"] == stack["x-service"]["volumes"]
    made = services["data-key"]["command"][0]
    assert f"test -s {key_file} ||" in made
    assert f"wdv keys generate --id compose > {key_file}" in made


def test_compose_services_run_commands_of_the_image() -> None:
    known = entrypoint_commands()
    services = compose()["services"]
    for name in ("migrate", "api", "worker"):
        assert services[name]["command"][0] in known, name
    assert {"serve", "migrate", "api", "worker", "sandbox"} <= known


def test_every_process_of_the_stack_reaches_postgresql_and_the_peers() -> None:
    environment = compose()["x-service"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert environment["WORKER_IN_PROCESS"] == "false"
    assert environment["SCHULDENKNOOPPUNT_URL"].startswith(
        "${SCHULDENKNOOPPUNT_URL:-http://schuldenknooppunt:"
    )
    assert environment["VROEGSIGNALERING_URL"].startswith("${VROEGSIGNALERING_URL:-http://vroegsignalering:")


def _instruction(name: str) -> str:
    lines = [line for line in DOCKERFILE.read_text("utf-8").splitlines() if line.startswith(name + " ")]
    assert lines, f"no {name} in the Dockerfile"
    return lines[-1].removeprefix(name + " ")


def test_dockerfile_starts_through_the_entrypoint_with_a_health_check_and_a_volume() -> None:
    assert json.loads(_instruction("ENTRYPOINT")) == ["wdv-entrypoint"]
    assert json.loads(_instruction("CMD"))[0] in entrypoint_commands()
    assert _instruction("VOLUME") == "/srv/wdv/var"
    probe = json.loads(_instruction("HEALTHCHECK").split("CMD ", 1)[1])
    assert probe == ["python", "-m", "app.ops.probe", "api"]
    assert "deploy/entrypoint.sh /usr/local/bin/wdv-entrypoint" in _instruction("COPY")


def test_dockerfile_installs_the_lock_and_the_project_without_editable_mode() -> None:
    text = DOCKERFILE.read_text("utf-8")
    assert "--require-hashes -r requirements/runtime.txt" in text
    assert "pip install --no-deps --no-build-isolation ." in text
    assert "pip install -e" not in text


def test_the_api_starts_without_a_server_header() -> None:
    assert "--no-server-header" in ENTRYPOINT.read_text("utf-8")


def _locked(path: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^ \\;]+)", path.read_text("utf-8"), re.MULTILINE)
    return {name.lower().replace("_", "-"): version for name, version in pins}


def _declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    specs = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(spec) for spec in specs]


def _unsatisfied(requirements: list[Requirement], locked: dict[str, str]) -> list[str]:
    return [
        str(requirement)
        for requirement in requirements
        if requirement.name.lower().replace("_", "-") not in locked
        or locked[requirement.name.lower().replace("_", "-")] not in requirement.specifier
    ]


def test_lock_files_pin_every_declared_dependency_with_hashes() -> None:
    runtime = _locked(PROJECT_ROOT / "requirements" / "runtime.txt")
    dev = _locked(PROJECT_ROOT / "requirements" / "dev.txt")
    assert _unsatisfied(_declared(), runtime) == [], "run `make lock`"
    assert _unsatisfied(_declared() + _declared("dev"), dev) == [], "run `make lock`"
    for path in ("runtime.txt", "dev.txt"):
        text = (PROJECT_ROOT / "requirements" / path).read_text("utf-8")
        pins = re.findall(r"^[A-Za-z0-9_.\-]+==", text, re.MULTILINE)
        hashed = re.findall(r"^[A-Za-z0-9_.\-]+==[^\n]*\\\n\s+--hash=sha256:[0-9a-f]{64}", text, re.MULTILINE)
        assert len(hashed) == len(pins) > 0


def test_make_installs_from_the_lock() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text("utf-8")
    assert "--require-hashes -r requirements/dev.txt" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
