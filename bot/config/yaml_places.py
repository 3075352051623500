"""Read a rules file as YAML while keeping positions, and say where each problem is.

PyYAML's node tree carries line marks; pydantic reports error locations as
tuples of keys and indexes. Joining the two turns
``('scoring', 'fit', 2, 'points')`` into
``scoring.fit[2].points (line 31): must be an integer``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import ValidationError


class RulesError(Exception):
    """The rules file cannot be used; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_yaml(text: str, *, source: str) -> tuple[dict[str, Any], yaml.Node]:
    """The document as plain data plus its node tree; ``source`` names it in messages."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise RulesError([f"{source}: invalid YAML at {where}: {exc.problem}"]) from None
    if not isinstance(data, dict) or root is None:
        raise RulesError([f"{source}: expected a mapping with a scoring: section"])
    duplicates = list(_duplicate_keys(root, ()))
    if duplicates:
        raise RulesError(duplicates)
    return data, root


def validation_problems(exc: ValidationError, root: yaml.Node) -> list[str]:
    """One line per pydantic error, placed in the file; repeated lines once."""
    return list(dict.fromkeys(_describe(error, root) for error in exc.errors()))


_FRIENDLY = {
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "missing": "is required",
    "extra_forbidden": "unknown key (check the spelling)",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}


def _describe(error: Any, root: yaml.Node) -> str:
    loc = error["loc"]
    place = f"{_place(loc)} (line {_line_of(root, loc)})"
    message = _FRIENDLY.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
    message = message.replace("Input should be", "must be")
    return f"{place}: {message}"


def _duplicate_keys(node: yaml.Node, path: tuple[Any, ...]) -> Iterator[str]:
    """YAML keeps the last of two equal keys silently; a rules file must not."""
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*path, index))
    elif isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key, value in node.value:
            if key.value in seen:
                place = _place((*path, key.value))
                yield f"{place} (line {key.start_mark.line + 1}): given twice"
            seen.add(key.value)
            yield from _duplicate_keys(value, (*path, key.value))


def _place(loc: tuple[Any, ...]) -> str:
    place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    return place.lstrip(".") or "(top level)"


def _line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the node at ``loc``, or of its deepest existing parent."""
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node = child
    line: int = node.start_mark.line
    return line + 1
