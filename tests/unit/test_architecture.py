"""The dependency rules of docs/architecture.md, checked on the source tree.

Each rule is a statement about imports, read from the code with ``ast`` (an
import inside a function counts as much as one at the top). A rule broken
anywhere fails here with the module and the import that broke it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage")
#: what the pure core must never reach, directly or through the project's own modules
FRAMEWORKS = ("sqlalchemy", "sqlmodel", "slack_sdk", "slack_bolt", "httpx", "starlette")
FEATURES = (
    "bot.slack",
    "bot.outbound",
    "bot.digests",
    "bot.commands",
    "bot.sandbox",
    "bot.history",
    "bot.cli",
)


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(root: Path) -> list[Import]:
    """Every import statement of the project's packages under ``root``."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            importer = module_name(path, root)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found += [Import(importer, alias.name, node.lineno) for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.append(Import(importer, node.module, node.lineno))
                    # ``from bot import app`` names the module bot.app
                    found += [
                        Import(importer, f"{node.module}.{alias.name}", node.lineno)
                        for alias in node.names
                    ]
    return found


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def reachable(start: str, graph: dict[str, set[str]]) -> Iterator[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
                yield nxt


def violations(root: Path) -> list[str]:
    """Each broken rule, as a sentence naming the import that broke it."""
    imports = imports_in(root)
    modules = {i.importer for i in imports} | {
        module_name(p, root) for pkg in PACKAGES for p in (root / pkg).rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for i in imports:
        if i.imported in modules:
            graph.setdefault(i.importer, set()).add(i.imported)
    problems = []
    for i in imports:
        who, what = i.importer, i.imported
        if within(who, "storage") and within(what, "bot", "handlers"):
            problems.append(f"storage must not import bot or handlers: {i}")
        if within(who, "bot.core") and within(what, *FRAMEWORKS):
            problems.append(f"bot.core must stay free of frameworks: {i}")
        if within(who, "bot.leads") and within(what, *FEATURES, "handlers"):
            problems.append(f"bot.leads must not import a feature or handlers: {i}")
        if within(what, "handlers") and within(who, "bot") and who != "bot.app":
            problems.append(f"only bot.app may import handlers: {i}")
        if within(what, "bot.cli") and not within(who, "bot.cli"):
            problems.append(f"nothing may import the CLI: {i}")
    for module in sorted(m for m in modules if within(m, "bot.core")):
        for reached in reachable(module, graph):
            for i in imports:
                if i.importer == reached and within(i.imported, *FRAMEWORKS):
                    problems.append(f"bot.core reaches a framework through {reached}: {i}")
    return sorted(set(problems))


def test_the_dependency_rules_hold() -> None:
    assert violations(ROOT) == []


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in tests/support (benchmarks' in tests/perf); tests are no library."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found += [
                f"{path.relative_to(ROOT)} imports {name}"
                for name in names
                if name.startswith("tests.")
                and name.rsplit(".", 1)[-1].startswith(("test_", "bench_", "conftest"))
            ]
    assert found == []


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        ("bot/leads/sneaky.py", "import handlers.slack\n", "bot.leads must not import"),
        ("bot/leads/sneaky.py", "from bot.slack import handoff\n", "bot.leads must not import"),
        ("storage/sneaky.py", "from bot.core import scoring\n", "storage must not import"),
        ("bot/core/sneaky.py", "def f():\n    import httpx\n", "bot.core must stay free"),
        ("bot/core/sneaky.py", "from bot.core import helper\n", "bot.core reaches a framework"),
        ("bot/slack/sneaky.py", "from handlers import slack\n", "only bot.app may import"),
        ("handlers/sneaky.py", "from bot.cli import main\n", "nothing may import the CLI"),
    ],
)
def test_a_broken_rule_is_caught(tmp_path: Path, module: str, source: str, rule: str) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    (tmp_path / "bot" / "core").mkdir()
    (tmp_path / "bot" / "core" / "helper.py").write_text("import sqlalchemy\n")
    path = tmp_path / module
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    assert any(problem.startswith(rule) for problem in violations(tmp_path))
