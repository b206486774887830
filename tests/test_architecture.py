"""The architecture's rules that import-linter cannot see: kinds are named only in their registry, and every
surface offers the training options the registry declares."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi.testclient import TestClient
from studio_session import sign_in
from typer.main import get_command

from tunefork.cli.main import app
from tunefork.kinds import kind_names, project_kinds
from tunefork.kinds.registry import all_options
from tunefork.service.schemas import TrainingParametersIn
from tunefork.workflows.projects import create_project
from tunefork.workspace import Workspace

pytest_plugins = ["studio_session"]

PACKAGE = Path(__file__).parent.parent / "tunefork"
KIND_HOMES = ("kinds", "speech", "language", "vision", "store/migrations")
"""Where kind names may be written: the registry, the kinds' own engine packages, the database migrations."""
KINDS = {"speech", "language", "entities", "image"}


def _outside_kind_homes(suffix: str) -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob(f"*{suffix}"))
        if not any(path.relative_to(PACKAGE).as_posix().startswith(home) for home in KIND_HOMES)
    ]


def _kind_literals(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and n.value in KINDS]


def _branching_on_kinds(tree: ast.AST) -> list[tuple[int, str]]:
    """Kind names compared with (``==``, ``in``), listed in a literal collection, or keying a table of kinds."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
            found += [(node.lineno, name) for part in parts for name in _kind_literals(part) if isinstance(part, (
                ast.Constant, ast.Tuple, ast.List, ast.Set))]  # fmt: skip
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            found += [(node.lineno, c.value) for c in node.elts if isinstance(c, ast.Constant) and c.value in KINDS]
        elif isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and k.value in KINDS]
            if len(keys) >= 2:
                found += [(node.lineno, key) for key in keys]
        elif isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant) and node.value.value in KINDS:
            found.append((node.value.lineno, node.value.value))
    return found


def test_only_the_registry_and_the_kinds_packages_branch_on_a_kind() -> None:
    offences = []
    for path in _outside_kind_homes(".py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offences += [f"{path.relative_to(PACKAGE)}:{line}: {name!r}" for line, name in _branching_on_kinds(tree)]
    template_kind = re.compile(r"""(==|!=|\bin)\s*\(?\s*["'](speech|language|entities|image)["']""")
    for path in _outside_kind_homes(".html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if template_kind.search(line):
                offences.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()[:80]}")
    assert offences == []


def test_the_built_in_kinds() -> None:
    assert kind_names() == ("speech", "language", "entities", "image")


def test_rest_cli_and_studio_offer_exactly_the_registry_options(client: TestClient, workspace: Workspace) -> None:
    options = all_options()
    fields = TrainingParametersIn.model_fields
    assert set(fields) == {option.field for option in options}
    for option in options:
        metadata = {type(m).__name__: m for m in fields[option.field].metadata}
        assert ("Ge" in metadata) == (option.minimum is not None) and ("Le" in metadata) == (option.maximum is not None)
    train = get_command(app).commands["model"].commands["train"]  # type: ignore[attr-defined]
    flags = {flag for param in train.params for flag in [*param.opts, *param.secondary_opts]}
    for option in options:
        assert set(option.flag.split("/")) <= flags, option.flag
    sign_in(client)
    for kind in project_kinds():
        project = create_project(workspace, f"{kind.name}-options", kind.name)
        page = client.get(f"/studio/projects/{project['id']}/training").text
        form = page[page.index('id="train-form"') : page.index("</form>", page.index('id="train-form"'))]
        named = set(re.findall(r'name="([A-Za-z]+)"', form)) - {"csrf", "name", "description", "baseModel", "datasets",
                                                                   "testDataset", "terms"}  # fmt: skip
        assert named == {option.field for option in kind.options}, kind.name
