"""The package map holds (docs/architecture.md): referrals know nothing of delivery, the delivery
worker knows the channel protocol and not the peers, and routes leave writing to the services."""

import ast
from functools import cache
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def path_of(module: str) -> Path | None:
    base = PROJECT_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@cache
def imports_of(module: str) -> frozenset[str]:
    """The app modules a module imports directly (also inside functions)."""
    path = path_of(module)
    assert path is not None, module
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(name for name in found if name.startswith("app") and path_of(name))


def reachable(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(imports_of(current))
    return seen


def modules(package: str) -> list[str]:
    return sorted(module_name(p) for p in (APP / package).rglob("*.py"))


@pytest.mark.parametrize("module", modules("referrals"))
def test_no_referrals_module_imports_delivery_or_peers(module: str) -> None:
    assert not {m for m in imports_of(module) if m.startswith(("app.delivery", "app.peers"))}


def test_the_delivery_worker_reaches_no_peer_module() -> None:
    assert not {m for m in reachable("app.delivery.worker") if m.startswith("app.peers")}


@pytest.mark.parametrize("module", modules("delivery"))
def test_no_delivery_module_imports_a_peer(module: str) -> None:
    assert not {m for m in imports_of(module) if m.startswith("app.peers")}


def test_the_outbox_is_written_only_through_enqueue() -> None:
    writers = [
        module_name(path)
        for path in APP.rglob("*.py")
        if "Uitgaand(" in path.read_text("utf-8") and module_name(path) != "app.outbox"
    ]
    assert writers == []


ROUTE_MODULES = [module_name(p) for p in APP.rglob("*api.py")]


@pytest.mark.parametrize("module", ROUTE_MODULES)
def test_routes_write_no_tables(module: str) -> None:
    """Routes read the request and call a service; adding, deleting and flushing is the services'."""
    path = path_of(module)
    assert path is not None
    calls = [
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "session"
        and node.func.attr in {"add", "add_all", "delete", "flush", "commit", "execute"}
    ]
    assert calls == []
