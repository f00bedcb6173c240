"""Typed errors: every rejection names the file, the field or line, and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload: an error keeps it from being published, a warning never does.

    Warnings reach the newsroom where errors do (`check`, upload reports, the dev banner).
    """

    message: str
    field: str | None = None
    line: int | None = None
    hint: str | None = None
    severity: str = ERROR

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field, "line": self.line, "message": self.message, "hint": self.hint,
                "severity": self.severity}

    def describe(self) -> str:
        where = []
        if self.field:
            where.append(f"field '{self.field}'")
        if self.line:
            where.append(f"line {self.line}")
        text = (", ".join(where) + ": " if where else "") + self.message
        return f"{text} ({self.hint})" if self.hint else text


@dataclass
class Rejected(Exception):
    """An upload that cannot be published, with every problem found."""

    key: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.key)

    def __str__(self) -> str:
        return f"{self.key}: " + "; ".join(p.describe() for p in self.problems)


def reject(key: str, message: str, *, field: str | None = None, line: int | None = None,
           hint: str | None = None) -> Rejected:
    """A `Rejected` error with a single problem."""
    return Rejected(key, [Problem(message=message, field=field, line=line, hint=hint)])


class ConfigurationError(Exception):
    """A deployment or environment setting is missing or invalid."""
