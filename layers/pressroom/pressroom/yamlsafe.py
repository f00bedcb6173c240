"""Bounded YAML: safe loader only, with limits on size, nesting and aliases, so a YAML bomb fails fast."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MAX_YAML_CHARS = 64 * 1024
MAX_DEPTH = 16
MAX_ALIASES = 16
MAX_NODES = 5000

# The only explicit tags a document may carry: the plain data types the safe loader builds anyway.
_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(_CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map"))
_TIMESTAMP = _CORE + "timestamp"


@lru_cache(maxsize=1)
def _loader() -> Any:
    """The safe loader, leaving dates as text: the caller parses them and can name the field it rejects.
    Made on first use, so that importing this module does not load PyYAML."""
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in Loader.yaml_implicit_resolvers.items()
    }
    return Loader


class YamlError(ValueError):
    """YAML that is malformed or exceeds the limits; `line` is 1-based within the YAML text."""

    def __init__(self, message: str, line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.key = key


@dataclass
class _Level:
    """One open mapping or sequence while walking the event stream."""

    mapping: bool
    at_key: bool = True
    keys: dict[str, int] = field(default_factory=dict)


@dataclass
class Document:
    """A parsed YAML document and the 1-based line of each top-level key (when it is a mapping)."""

    value: Any
    lines: dict[str, int] = field(default_factory=dict)


def load(text: str) -> Any:
    """Parse YAML text with the safe loader after checking it stays within the limits."""
    return load_document(text).value


def load_document(text: str) -> Document:
    """Like `load`, also giving the line of each top-level key so problems can point at it."""
    if len(text) > MAX_YAML_CHARS:
        raise YamlError(f"YAML is larger than {MAX_YAML_CHARS // 1024} KB")
    simple = _simple(text)
    return simple if simple is not None else _loaded(text)


def _loaded(text: str) -> Document:
    """`load_document` by the loader, after its events are checked (`_check`)."""
    import yaml  # loaded on first use: the listings and media paths never parse YAML

    try:
        lines = _check(text)
        return Document(yaml.load(text, Loader=_loader()), lines)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(f"invalid YAML: {exc.problem or exc.context or 'syntax error'}",
                        mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlError(f"YAML is nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a value the safe constructor cannot build
        raise YamlError(f"invalid YAML value: {exc}") from None


# Front matter and site.yaml are mostly one `name: value` a line (and comment lines), each value a word or a few
# (a URL), or a list of them in brackets.
# Such a document is read here with the loader's own resolver and constructors (what makes `yes` a boolean and
# `0x1F` a number), without its parser walked twice; anything else, or anything the loader would refuse or
# read otherwise, goes to the loader. A plain scalar here starts with no YAML indicator and holds no `: ` or
# ` #`; in brackets, no `:`, `#`, `,` or bracket at all. Only printable characters, no tab and no line break but \n.
_SIMPLE_MAX_CHARS = 4096  # far fewer values than MAX_NODES
_FIRST = "[^\\s\\-?:,\\[\\]{}#&*!|>'\"%@`]"
# after the first character, a `:` not followed by a space and a `#` not preceded by one are text to YAML (a URL, C#)
_INNER = "(?:[^#:\\n]|:(?=\\S)|(?<=\\S)#)"
# a key of at most 1,024 characters: YAML reads a longer one as no key at all (an error)
_PLAIN_LINE = re.compile(rf"([A-Za-z_][A-Za-z0-9_-]{{0,1023}}):(?: +({_FIRST}{_INNER}*?)| +\[ *((?:{_FIRST}[^#:,\[\]{{}}\n]*?"
                         rf"(?: *, *{_FIRST}[^#:,\[\]{{}}\n]*?)*)?) *\])? *")
_ITEM_SEPARATOR = re.compile(r" *, *")
# controls (but \n), C1 and YAML's other line breaks, surrogates, the byte-order mark and noncharacters: written as
# the characters left out rather than those let in, whose class takes five times longer to compile (an import)
_OUTSIDE_SIMPLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_SIMPLE_TAGS = frozenset(_CORE + name for name in ("str", "int", "float", "bool", "null"))


# YAML 1.1's implicit types as the safe loader resolves a plain scalar: by its first character, booleans and
# nulls by these exact words; integers, floats, the merge key and `=` start with one of _TYPED_FIRST, and none
# holds a `-` after its first character but in an exponent. Any other plain scalar is a string: most values of
# front matter are (titles, dates, tags), and reading them so leaves PyYAML unimported (a tenth of a cold start).
_BOOLEANS = {spelling: truth for word, truth in (("yes", True), ("no", False), ("true", True), ("false", False),
                                                  ("on", True), ("off", False))
             for spelling in (word, word.capitalize(), word.upper())}
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TYPED_FIRST = frozenset("-+.0123456789<=~")
_DASH_INSIDE = re.compile("[^eE]-")
_DECIMAL = re.compile("0|[1-9][0-9]{0,17}")  # no sign, underscore, leading zero (octal) or `:` (base 60)


@lru_cache(maxsize=1)
def _scalars() -> tuple[Any, Any, Any]:
    """The loader's resolver and constructor, for single values: what a scalar's tag is, and its value."""
    import yaml

    loader = _loader()("")
    return loader, yaml.ScalarNode, loader.yaml_constructors


def _simple(text: str) -> Document | None:
    """The document, when it is only `name: value` lines as described above; None otherwise."""
    if len(text) > _SIMPLE_MAX_CHARS or _OUTSIDE_SIMPLE.search(text):
        return None
    value: dict[str, Any] = {}
    lines: dict[str, int] = {}

    def scalar(text: str) -> Any:
        if text in _BOOLEANS:
            return _BOOLEANS[text]
        if text in _NULLS:
            return None
        if text[0] not in _TYPED_FIRST or _DASH_INSIDE.search(text):
            return text
        if _DECIMAL.fullmatch(text):  # a count (posts_per_page: 10): what YAML 1.1 reads as a decimal integer
            return int(text)
        loader, node_of, constructors = _scalars()
        tag = loader.resolve(node_of, text, (True, False))
        if tag not in _SIMPLE_TAGS:
            raise LookupError(tag)
        return constructors[tag](loader, node_of(tag, text))

    try:
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip(" ") or line.startswith("#"):  # blank to YAML (only spaces: a no-break space is
                continue  # content to it), or a comment from the line's start
            match = _PLAIN_LINE.fullmatch(line)
            if match is None:
                return None
            name, plain, items = match.groups()
            if name in value or scalar(name) != name:
                return None  # given twice, or a name the loader would read as something else (`yes`, `null`)
            if plain is not None:
                value[name] = scalar(plain)
            elif items is not None:  # in brackets
                value[name] = [scalar(item) for item in _ITEM_SEPARATOR.split(items)] if items else []
            else:
                value[name] = None
            lines[name] = number
    except (LookupError, ValueError, TypeError, OverflowError):
        return None
    return Document(value or None, lines)


def _check(text: str) -> dict[str, int]:
    """Walk the parser events once, bounding the work before any object is built.

    Returns the line of each top-level mapping key. Raises on too many aliases, values or levels, on any
    tag outside the plain data types, and on a key given twice in one mapping.
    """
    import yaml

    stack: list[_Level] = []
    top_lines: dict[str, int] = {}
    aliases = nodes = 0
    documents = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlError("YAML holds more than one document", _line(event))
            continue
        if not isinstance(event, (yaml.NodeEvent, yaml.CollectionEndEvent)):
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
            _advance(stack)
            continue
        nodes += 1
        if nodes > MAX_NODES:
            raise YamlError(f"YAML has more than {MAX_NODES} values", _line(event))
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlError(f"YAML uses more than {MAX_ALIASES} aliases", _line(event))
            _advance(stack)
            continue
        tag = getattr(event, "tag", None)
        if tag and tag != "!" and tag not in ALLOWED_TAGS:
            shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
            raise YamlError(f"YAML tag {shown} is not allowed", _line(event))
        level = stack[-1] if stack else None
        if level is not None and level.mapping and level.at_key and isinstance(event, yaml.ScalarEvent):
            if event.value in level.keys and event.value != "<<":
                raise YamlError(f"{event.value!r} is given twice (first on line {level.keys[event.value]})",
                                _line(event), key=event.value)
            level.keys[event.value] = _line(event) or 0
            if len(stack) == 1:
                top_lines[event.value] = _line(event) or 0
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise YamlError(f"YAML is nested deeper than {MAX_DEPTH} levels", _line(event))
            stack.append(_Level(mapping=isinstance(event, yaml.MappingStartEvent)))
        else:
            _advance(stack)
    return top_lines


def _advance(stack: list[_Level]) -> None:
    """One node finished inside the innermost collection: a mapping alternates between key and value."""
    if stack and stack[-1].mapping:
        stack[-1].at_key = not stack[-1].at_key


def _line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None
