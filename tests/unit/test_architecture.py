"""The domains import downwards only: each package of ``portal/`` sits on a floor and
imports only packages on lower floors, counting imports anywhere in a module (inside
functions too). A lower domain tells a higher one through signals (blinker), never by
importing it. README, "How the code is laid out", draws the same floors."""

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"

# Bottom to top. Packages on one floor do not import each other.
FLOORS = [
    {"web"},  # HTTP plumbing shared by every screen: htmx, errors, forms, pagination, i18n
    {"audit"},  # the append-only change log that orgs and auth write to
    {"auth"},  # users, roles and permissions, passwords, signing in
    {"orgs", "workdays"},  # the unit tree and the tenancy boundary; the working-day calendar
    {"documents"},  # official documents (GB/T 9704-2012): numbers, the layout of PDFs
    {"notify"},  # in-portal notices and the e-mail outbox
    {"duty"},  # contacts and the A/B duty roster (Art. 6, 7)
    {"deadlines"},  # the Art. 11 clocks
    {"codes"},  # JR/T 0169-2018 codes, their versions and the crosswalk from categories
    {"complaints"},  # the lifecycle of a complaint
    # Art. 12; major complaints; contingency plans (9(3)); the complainant's /track page
    {"accountability", "major", "plans", "tracking"},
    {"statistics"},  # Art. 8(4) figures and charts
    {"analysis"},  # Art. 8(5): clusters, surges, typical cases and industry advice
    # the bulletin; members' summaries (9(4)); dossiers; API v1 for the banks' systems
    # the regulator return (监管报送)
    {"bulletins", "summaries", "archives", "api", "returns"},
    {"admin", "home", "jobs"},  # screens and commands across the domains
    {"demo"},  # the demo province, driven through every domain (and the sweep)
    {"national"},  # the national-scale generator, built on the demo province
]
FLOOR = {package: level for level, floor in enumerate(FLOORS) for package in floor}


def imported_packages(path: Path) -> set[str]:
    """The portal packages a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "portal" and len(parts) > 1 and (PORTAL / parts[1]).is_dir():
                found.add(parts[1])
    return found


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for package in sorted(p.name for p in PORTAL.iterdir() if (p / "__init__.py").exists()):
        edges = set()
        for module in (PORTAL / package).rglob("*.py"):
            edges |= imported_packages(module)
        graph[package] = edges - {package}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, if it has any (depth-first search)."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_every_package_has_a_floor():
    assert set(package_graph()) == set(FLOOR)


def test_the_packages_import_each_other_without_a_cycle():
    assert cycle(package_graph()) is None


def test_each_package_imports_only_lower_floors():
    upward = [
        (package, target)
        for package, targets in package_graph().items()
        for target in sorted(targets)
        if FLOOR[target] >= FLOOR[package]
    ]
    assert upward == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from portal.complaints.models import Complaint\n")
    assert imported_packages(module) == {"complaints"}
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
