"""The package's shape, drawn from its imports: every import points down a floor (or stays inside
its own unit), and no two units import each other, directly or in a circle.

A unit is a top-level module or sub-package of ``gouvernante``. Function-level and
``TYPE_CHECKING`` imports count like any other: they are arrows all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gouvernante"

# Lowest floor first. Units on one floor may not import each other.
FLOORS: tuple[frozenset[str], ...] = (
    frozenset({"lazy", "stand_in"}),
    frozenset({"__init__", "errors", "jstext", "procpool", "purl", "safetext", "vocab"}),
    frozenset({"fs", "trace"}),  # (trace escapes its lines with safetext: decision 0154)
    frozenset({"semver"}),
    frozenset({"rules"}),
    frozenset({"model"}),
    frozenset({"lockfiles"}),
    frozenset({"match", "sources"}),
    frozenset({"host", "heuristic"}),
    frozenset({"suppress", "report", "progress", "gitscan", "image"}),
    frozenset({"collect", "inventory"}),
    frozenset({"pipeline"}),
    frozenset({"cli"}),
    frozenset({"precommit"}),
    frozenset({"__main__"}),
)
FLOOR_OF = {unit: n for n, units in enumerate(FLOORS) for unit in units}


def _unit_of_module(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _unit_of_file(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                pytest.fail(f"{path}: relative import; use the absolute gouvernante.* name")
            if node.module == "gouvernante":
                found.update(f"gouvernante.{alias.name}" for alias in node.names)
            elif node.module and node.module.startswith("gouvernante."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("gouvernante"))
    return found


def _edges() -> dict[str, set[tuple[str, str]]]:
    """unit -> {(imported unit, importing file)} for imports that leave the unit."""
    edges: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        unit = _unit_of_file(path)
        for target in _imports(path):
            other = _unit_of_module(target)
            if other == "__version__":  # ``from gouvernante import __version__``
                other = "__init__"
            if other != unit:
                edges.setdefault(unit, set()).add((other, str(path.relative_to(SRC))))
    return edges


def test_every_unit_has_a_floor() -> None:
    units = {_unit_of_file(p) for p in SRC.rglob("*.py")}
    assert units - set(FLOOR_OF) == set(), "a new unit needs a floor in FLOORS"


def test_imports_only_point_down() -> None:
    upward = [
        f"{where}: {unit} (floor {FLOOR_OF[unit]}) imports {other} (floor {FLOOR_OF[other]})"
        for unit, targets in _edges().items()
        for other, where in sorted(targets)
        if FLOOR_OF[other] >= FLOOR_OF[unit]
    ]
    assert upward == []


def test_no_circle_between_units() -> None:
    graph = {unit: {other for other, _ in targets} for unit, targets in _edges().items()}
    assert _circles(graph) == []


def _circles(graph: dict[str, set[str]], passed: frozenset[str] = frozenset()) -> list[list[str]]:
    """The circles of ``graph`` (node -> the nodes it imports) not passing through ``passed``."""
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, set()) - passed):
            if state.get(nxt) == 1:
                circles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state and node not in passed:
            visit(node, [node])
    return circles


def _module_of_file(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = rel.parts[:-1] if rel.parts[-1] == "__init__" else rel.parts
    return ".".join(("gouvernante", *parts))


def test_no_circle_between_modules() -> None:
    """Inside a unit too, modules import one way (decision 0106): ``host.configs`` reads pnpm's
    ``.modules.yaml`` through ``host.install_state``, which must never import it back. The
    unit-level test above does not see a circle inside one unit."""
    files = {_module_of_file(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets = set()
        for target in _imports(path):
            # (an imported name inside a module: that module)
            while target not in files and "." in target:
                target = target.rpartition(".")[0]
            if target in files and target != module:
                targets.add(target)
        graph[module] = targets
    for module, path in files.items():  # (``from pkg import name`` of a submodule)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in files:
                graph[module].update(
                    f"{node.module}.{a.name}"
                    for a in node.names
                    if f"{node.module}.{a.name}" in files and f"{node.module}.{a.name}" != module
                )
    # a package's __init__ importing its own submodules, and they it, is Python's own pattern:
    # only circles that do not pass through a package's __init__ count
    packages = frozenset(m for m, p in files.items() if p.name == "__init__.py")
    assert _circles(graph, packages) == []


def test_only_the_command_line_runs_a_scan() -> None:
    users = sorted(
        where
        for unit, targets in _edges().items()
        for other, where in targets
        if other == "pipeline" and unit != "cli"
    )
    assert users == []


def test_readme_layout_matches_the_tree() -> None:
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    listed = {
        line.split()[0].rstrip("/").removesuffix(".py")
        for line in block.splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    }
    units = {_unit_of_file(p) for p in SRC.rglob("*.py")} - {"__init__", "__main__"}
    assert units - listed == set(), "a unit missing from the README's layout block"
    assert listed - units == set(), "the README lists a unit that no longer exists"


# Functions over ruff's complexity limit (pyproject: mccabe max-complexity) carry a C901 noqa.
# This is today's count; it may go down, never up: split a function rather than raise it.
C901_EXEMPTIONS = 13


def test_complexity_exemptions_only_shrink() -> None:
    count = sum(path.read_text(encoding="utf-8").count("noqa: C901") for path in SRC.rglob("*.py"))
    assert count <= C901_EXEMPTIONS, "a new function over the complexity limit: split it"
