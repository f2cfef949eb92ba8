"""The import layers of the project (README, "Layout"): imports point down, and nothing forms a circle.

Reads every module's imports with `ast` (function-level imports included: a late import
is still a dependency), so it needs neither Django nor a database. Each failure names the
offending import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sources", "claims", "verifier")

# Lowest first. A module may import its own layer and the layers below it, never above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("sources core", ("sources", "sources.levels", "sources.normalize")),
    ("the extractor", ("sources.attribution",)),
    ("sources models and services", ("sources.models", "sources.services", "sources.apps", "sources.migrations")),
    ("claims models and roles", ("claims", "claims.models", "claims.roles", "claims.apps", "claims.migrations")),
    ("jobs (background work by name)", ("claims.jobs",)),
    ("delivery", ("claims.delivery",)),
    ("corroboration", ("claims.corroboration",)),
    ("workflow", ("claims.workflow",)),
    ("matching", ("claims.matching",)),
    ("triage (check-worthiness)", ("claims.triage",)),
    ("services and selectors", ("claims.services", "claims.selectors", "claims.tokens")),
    ("pipeline", ("claims.pipeline",)),
    ("tasks", ("claims.tasks",)),
    ("edges: api, admin, commands", (
        "claims.api", "claims.admin", "claims.public", "claims.templatetags", "claims.management",
        "sources.admin", "sources.management", "verifier.health",
    )),
    ("project config", ("verifier",)),
]
EDGES = ("claims.api", "claims.admin", "claims.public", "claims.tasks", "claims.templatetags", "claims.management")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(broken: list[str] | None = None) -> dict[str, dict[str, int]]:
    """{importer: {imported module: line}}, internal modules only; `broken` collects imports of no module."""
    modules = _modules()
    graph: dict[str, dict[str, int]] = defaultdict(dict)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path.name == "__init__.py", node)
                if base.split(".")[0] in PACKAGES and base not in modules and broken is not None:
                    broken.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name} imports {base}, which is no module")
                # `from pkg import mod` imports the module pkg.mod when there is one.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:  # `import a.b.c` of a symbol path
                    target = target.rpartition(".")[0]
                if target and target != name and target.split(".")[0] in PACKAGES:
                    graph[name].setdefault(target, node.lineno)
    return graph


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS in tests/test_layers.py"
    return best


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    nodes = set(graph) | {t for targets in graph.values() for t in targets}
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, {})))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def _where(graph, importer: str, imported: str) -> str:
    return f"{_modules()[importer].relative_to(ROOT)}:{graph[importer][imported]}: {importer} imports {imported}"


def test_every_module_has_a_layer():
    for module in _modules():
        layer_of(module)


def test_every_internal_import_names_a_module():
    broken: list[str] = []
    import_graph(broken)
    assert not broken, "\n".join(broken)


def test_imports_point_down():
    graph = import_graph()
    upward = [
        f"{_where(graph, importer, imported)} ({LAYERS[layer_of(importer)][0]} -> {LAYERS[layer_of(imported)][0]})"
        for importer, targets in graph.items()
        for imported in targets
        if layer_of(imported) > layer_of(importer)
    ]
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(sorted(upward))


def test_the_core_never_imports_an_edge_and_sources_never_imports_claims():
    graph = import_graph()
    bad = []
    for importer, targets in graph.items():
        for imported in targets:
            is_edge = lambda m: any(m == e or m.startswith(e + ".") for e in EDGES)  # noqa: E731
            if importer.startswith("claims.") and not is_edge(importer) and is_edge(imported):
                bad.append(_where(graph, importer, imported))
            if importer.startswith("sources.") and imported.startswith("claims"):
                bad.append(_where(graph, importer, imported))
    assert not bad, "forbidden imports:\n" + "\n".join(sorted(bad))


def test_no_import_circle():
    graph = import_graph()
    circles = _cycles(graph)
    described = [
        " ; ".join(_where(graph, a, b) for a in component for b in graph.get(a, {}) if b in component)
        for component in circles
    ]
    assert not circles, "import circles:\n" + "\n".join(described)


def test_the_check_sees_a_circle_and_an_upward_import():
    """The checker itself: a planted circle and an upward import are found (so the tests above can fail)."""
    graph = {"claims.workflow": {"claims.tasks": 1}, "claims.tasks": {"claims.workflow": 2}}
    assert _cycles(graph) == [["claims.tasks", "claims.workflow"]]
    assert layer_of("claims.tasks") > layer_of("claims.workflow")
    assert layer_of("claims.api.views") > layer_of("claims.pipeline.ingestion") > layer_of("claims.models")
    real = import_graph()  # and the graph holds the real imports, late ones included
    assert "claims.delivery.outbox" in real["claims.workflow"]
    assert "claims.pipeline.ingestion" in real["claims.management.commands.ingest"]
    assert "claims.jobs" in real["claims.pipeline.sweeper"]
