"""YAML files validated by pydantic models, with errors pointing at file:line:column.

PyYAML's node tree keeps each value's position; a pydantic error's location (a path of keys
and indexes) is walked through that tree to find the line the user has to fix.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from core.errors import ConfigProblem

MAX_FILE_BYTES = 2_000_000
# Values that aliases (*name) may stand for in one file, counted as if written out. A few
# hundred bytes of aliases of aliases expand to millions of values (x8 per level): validation
# would take minutes. Real files share a list or a block of defaults a few hundred times.
MAX_ALIAS_NODES = 20_000


class _AliasCountingLoader(yaml.SafeLoader):
    """SafeLoader that counts, while composing, the nodes each alias stands for, and stops at
    the alias that takes the file past MAX_ALIAS_NODES (or that names a node it is inside)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._expanded = 0
        self._sizes: dict[int, int] = {}
        self._parents: list[yaml.Node | None] = []

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if not self.check_event(yaml.AliasEvent):
            self._parents.append(parent)
            try:
                return super().compose_node(parent, index)
            finally:
                self._parents.pop()
        mark = self.peek_event().start_mark
        node = super().compose_node(parent, index)
        if node is None:
            return None
        if node is parent or any(node is p for p in self._parents):
            raise yaml.composer.ComposerError(
                None, None, "this alias names a node it is inside (a loop); write the value "
                "out", mark)
        self._expanded += _node_count(node, self._sizes)
        if self._expanded > MAX_ALIAS_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"aliases nest too deep or expand too large (more than "
                f"{MAX_ALIAS_NODES:,} values once written out, from here on); write the "
                "lists out instead of aliases of aliases", mark)
        return node


def _node_count(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes under `node` with every alias written out; a complete node's count is kept."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_node_count(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total = 1 + sum(_node_count(k, sizes) + _node_count(v, sizes) for k, v in node.value)
    else:
        total = 1
    sizes[id(node)] = total
    return total


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None, list[ConfigProblem]]:
    """Parse a file into (data, node tree, problems). A syntax error, or aliases that expand
    beyond MAX_ALIAS_NODES, is one precise problem."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, None, [ConfigProblem(name, None, None, "",
                                              f"file is larger than {MAX_FILE_BYTES} bytes")]
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, [ConfigProblem(name, None, None, "", f"cannot read file: {exc}")]
    fast = _read_with_libyaml(text)
    if fast is not None:
        return fast[0], fast[1], []
    try:
        # Composed (for the lines) and loaded (for the data) apart, as before: loading merges
        # `<<: *defaults` into the nodes it reads.
        node = yaml.compose(text, Loader=_AliasCountingLoader)
        data = yaml.load(text, Loader=_AliasCountingLoader)   # a SafeLoader
    except RecursionError:
        return None, None, [ConfigProblem(name, None, None, "",
                                          "invalid YAML: nested too deep; flatten the file")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        return None, None, [ConfigProblem(name, line, column, "",
                                          f"invalid YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, None, [ConfigProblem(name, None, None, "", f"invalid YAML: {exc}")]
    return data, node, []


def _read_with_libyaml(text: str) -> tuple[Any, yaml.Node] | None:
    """(data, node tree) through libyaml's parser, about 10x faster than PyYAML's own (a
    sources.yaml of a thousand sources took ~0.5 s a run), for a file that parses and whose
    aliases stay within MAX_ALIAS_NODES; None otherwise: the pure-Python reader then says
    exactly what is wrong, at the alias, as before."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:   # PyYAML built without libyaml
        return None
    try:
        node = yaml.compose(text, Loader=loader)
        if node is None or not _aliases_within_limit(node):
            return None
        if "<<" in text or "merge" in text:
            # Constructing merges `<<: *defaults` into the node tree, whose lines must stay
            # the file's own: the data comes from a second parse.
            return yaml.load(text, Loader=loader), node
        return loader("").construct_document(node), node   # what yaml.load does after compose
    except (yaml.YAMLError, RecursionError):
        return None


def _aliases_within_limit(root: yaml.Node) -> bool:
    """Whether the tree's aliases expand to at most MAX_ALIAS_NODES values, counted as
    `_AliasCountingLoader` counts them, and none is inside the node it names. An alias
    composes to its anchor's node object: in document order, a node met again is an alias."""
    sizes: dict[int, int] = {}
    seen: set[int] = set()
    inside: set[int] = set()   # the nodes being walked: an alias to one is a loop
    expanded = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            inside.discard(id(node))
            continue
        if id(node) in inside:
            return False
        if id(node) in seen:
            expanded += _node_count(node, sizes)
            if expanded > MAX_ALIAS_NODES:
                return False
            continue
        seen.add(id(node))
        inside.add(id(node))
        stack.append((node, True))
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        else:
            children = []
        stack.extend((child, False) for child in reversed(children))
    return True


def locate(node: yaml.Node | None, loc: Sequence[int | str]) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the deepest node on `loc` that exists."""
    found = node
    for key in loc:
        child = _child(found, key)
        if child is None:
            break
        found = child
    if found is None:
        return None, None
    return found.start_mark.line + 1, found.start_mark.column + 1


def _child(node: yaml.Node | None, key: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def _key_node(node: yaml.Node | None, loc: Sequence[int | str]) -> yaml.Node | None:
    """The key node itself, for 'unknown key' errors: point at the typo, not its value."""
    if not loc:
        return None
    parent = node
    for key in loc[:-1]:
        parent = _child(parent, key)
    if isinstance(parent, yaml.MappingNode):
        for key_node, _ in parent.value:
            if key_node.value == loc[-1]:
                return key_node
    return None


def problems_from_validation(file: str, node: yaml.Node | None, exc: ValidationError,
                             prefix: Sequence[int | str] = (),
                             model: type[BaseModel] | None = None) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        own_loc = [p for p in error["loc"] if not _is_union_tag(p)]
        if error["type"] == "extra_forbidden" and error["loc"]:
            # The last part is the user's own key, even one that looks like a type name
            # ("A:"); dropping it left nothing to point at.
            own_loc = [*[p for p in error["loc"][:-1] if not _is_union_tag(p)],
                       error["loc"][-1]]
        loc = [*prefix, *own_loc]
        if error["type"] == "extra_forbidden":
            key = _key_node(node, loc)
            line, column = ((key.start_mark.line + 1, key.start_mark.column + 1) if key
                            else locate(node, loc))
            message = "unknown key" + _allowed_keys_hint(model, error["loc"])
        else:
            line, column = locate(node, loc)
            # pydantic prefixes our own messages with "Value error, ": the reader needs only ours.
            message = (_id_message(error) or error["msg"].removeprefix("Value error, ")
                       + _type_hint(model, error))
        problems.append(ConfigProblem(file, line, column, _dotted(loc), message))
    return problems


ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"   # ids of rules, entities, sources and channels


def _id_message(error: Any) -> str | None:
    """An id that breaks ID_PATTERN, said in words with a fixed-up suggestion, instead of
    the pattern itself."""
    if error["type"] != "string_pattern_mismatch" or \
            (error.get("ctx") or {}).get("pattern") != ID_PATTERN:
        return None
    value = str(error.get("input"))
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", value.strip().lower()).strip("-_")[:64]
    example = f"; e.g. {suggestion}" if suggestion and suggestion != value else ""
    return (f"{value!r} is not a valid id: use lower-case letters a-z, digits, - and _, "
            f"starting with a letter or digit, at most 64 characters{example}")


_TYPE_HINTS = {
    "list_type": "write a list: [a, b], or one '- item' per line",
    "int_parsing": "write a whole number", "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "string_type": "write text (in quotes if it looks like a number, date or yes/no)",
    "bool_parsing": "write true or false", "bool_type": "write true or false",
    "dict_type": "write a mapping: key: value lines, or {key: value}",
    "model_type": "write a mapping: key: value lines, or {key: value}",
    "model_attributes_type": "write a mapping: key: value lines, or {key: value}",
    "tuple_type": "write a list: [a, b]",
}


def _type_hint(model: type[BaseModel] | None, error: Any) -> str:
    """What to write instead, for errors whose message only says what is wrong."""
    hint = _TYPE_HINTS.get(error["type"])
    if hint is None:
        return ""
    loc = list(error["loc"])
    owner = _model_at(model, loc[:-1]) if model else None
    field = owner.model_fields.get(str(loc[-1])) if owner and loc else None
    if field is not None and field.description:
        hint += f" ({field.description.rstrip('.')})"
    return f"; {hint}"


def validate(model: type[BaseModel], data: Any, *, file: str, node: yaml.Node | None,
             prefix: Sequence[int | str] = (),
             context: dict[str, Any] | None = None) -> tuple[BaseModel | None, list[ConfigProblem]]:
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        return None, problems_from_validation(file, node, exc, prefix, model)


def _is_union_tag(part: int | str) -> bool:
    # pydantic adds the union member's type name to the location ("str", "Condition", ...)
    return isinstance(part, str) and (part[:1].isupper() or part in {"str", "int", "list", "dict"}
                                      or part.startswith(("function-", "list[", "dict[")))


def _dotted(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys_hint(model: type[BaseModel] | None, loc: Sequence[int | str]) -> str:
    """'; did you mean 'channels'? allowed: ...' for the model that owns the unknown key.

    `loc` is pydantic's own location, union tags included: a tag names the union member
    (Condition, Near, ...) whose keys are the allowed ones."""
    owner = _model_at(model, loc[:-1]) if model else None
    if owner is None:
        return ""
    allowed = [f.alias or name for name, f in owner.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ";"
    return f"{hint} allowed: {', '.join(allowed)}"


def _model_at(model: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        if _is_union_tag(part) and annotation is not None:
            current = _member_named(annotation, part) or current
            continue
        if current is None:
            return None
        field = current.model_fields.get(part)
        annotation = field.annotation if field else None
        current = _first_model(annotation) if field else None
    return current


def _member_named(annotation: Any, name: str) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation if annotation.__name__ == name else None
    for arg in typing.get_args(annotation):
        found = _member_named(arg, name)
        if found is not None:
            return found
    return None


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _first_model(arg)
        if found is not None:
            return found
    return None
