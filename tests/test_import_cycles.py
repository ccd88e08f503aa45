"""The package has no import cycles: every module's imports (at any depth in the file) form a directed acyclic graph."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ganforge"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(module: str, is_package: bool, node: ast.AST, known: set[str]) -> set[str]:
    """The package's own modules an import statement names (`from . import x` names the package and x)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)] if node.level else []
        prefix = ".".join(base + ([node.module] if node.module else []))
        names = [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
    return {name for name in names if name in known}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "module", None) != "__future__":
                edges |= imported(module, path.name == "__init__.py", node, set(files))
        graph[module] = edges - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first = last), or None; depth-first search with three colours."""
    colour, stack = dict.fromkeys(graph, "white"), []

    def visit(module):
        colour[module] = "grey"
        stack.append(module)
        for target in sorted(graph[module]):
            if colour[target] == "grey":
                return stack[stack.index(target):] + [target]
            if colour[target] == "white" and (found := visit(target)):
                return found
        colour[module] = "black"
        stack.pop()
        return None

    for module in sorted(graph):
        if colour[module] == "white" and (found := visit(module)):
            return found
    return None


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_sees_relative_and_package_imports():
    graph = import_graph()
    assert "ganforge.nets.registries" in graph["ganforge.nets.dcgan"]
    assert "ganforge.nets.dcgan" in graph["ganforge.nets"]  # `from . import ..., dcgan, ...` in the package face


def test_ganforge_has_no_import_cycle():
    assert find_cycle(import_graph()) is None
