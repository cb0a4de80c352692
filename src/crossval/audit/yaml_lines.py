"""Safe YAML loading that remembers the line of every mapping key and list item.

Built on PyYAML's ``SafeLoader``: tags that would construct Python objects
(``!!python/object`` and friends) have no constructor there and are refused.
Duplicate keys, which YAML loaders otherwise resolve silently by keeping the
last, are refused too, since a claims file with two ``percent`` fields is
ambiguous.
"""

from __future__ import annotations

from typing import Any

import yaml

from crossval.audit.errors import ClaimsError


class LineDict(dict[str, Any]):
    """A mapping from a YAML file with the 1-based line of the mapping and each key."""

    line: int
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence from a YAML file with the 1-based line of the sequence and each item."""

    line: int
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise ClaimsError(
                f"mapping keys must be strings; got {key!r}", line=key_node.start_mark.line + 1
            )
        if key in out:
            raise ClaimsError(
                f"key {key!r} appears twice in one mapping (first on line {out.key_lines[key]})",
                line=key_node.start_mark.line + 1,
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
# Sets and ordered maps would arrive as types the schema does not describe.
def _refuse(loader: _LineLoader, node: yaml.Node) -> Any:
    return loader.construct_undefined(node)


for _tag in ("tag:yaml.org,2002:set", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"):
    _LineLoader.add_constructor(_tag, _refuse)


def load_yaml(text: str, *, path: str = "") -> Any:
    """Parse one YAML document safely, keeping line numbers (``ClaimsError`` on any problem)."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except ClaimsError as exc:
        raise ClaimsError(exc.problem, path=path, line=exc.line) from None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ClaimsError(
            f"YAML tag refused ({exc.problem}); claims files may hold only plain "
            "mappings, lists, strings, numbers and booleans",
            path=path, line=line,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ClaimsError(f"not valid YAML: {problem}", path=path, line=line) from None
