"""Bounded YAML: safe loader only, with limits on size, nesting and aliases, so a YAML bomb fails fast."""

from __future__ import annotations

from typing import Any

import yaml

MAX_YAML_CHARS = 64 * 1024
MAX_DEPTH = 16
MAX_ALIASES = 16
MAX_NODES = 5000


class YamlError(ValueError):
    """YAML that is malformed or exceeds the limits; `line` is 1-based within the YAML text."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def load(text: str) -> Any:
    """Parse YAML text with the safe loader after checking it stays within the limits."""
    if len(text) > MAX_YAML_CHARS:
        raise YamlError(f"YAML is larger than {MAX_YAML_CHARS // 1024} KB")
    depth = aliases = nodes = 0
    try:
        # A first pass over parser events bounds the work before any object is built.
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise YamlError(f"YAML uses more than {MAX_ALIASES} aliases", _line(event))
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(f"YAML is nested deeper than {MAX_DEPTH} levels", _line(event))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > MAX_NODES:
                    raise YamlError(f"YAML has more than {MAX_NODES} values", _line(event))
            if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                tag = getattr(event, "tag", None)
                if tag and tag.startswith("!") and not tag.startswith("tag:yaml.org,2002:"):
                    raise YamlError(f"YAML tag {tag} is not allowed", _line(event))
        return yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader is the safe loader
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise YamlError(f"invalid YAML: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from None


def _line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None
