"""The error a malformed claims file raises."""

from __future__ import annotations

from crossval.errors import InputError


class ClaimsError(InputError):
    """A claims file is not valid; the message names the file, line, claim id and field."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None,
                 claim_id: str | None = None, field: str | None = None) -> None:
        where = path
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        subject = []
        if claim_id is not None:
            subject.append(f"claim {claim_id!r}")
        if field is not None:
            subject.append(f"field {field!r}")
        text = ", ".join(subject)
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{text + ': ' if text else ''}{message}")
        self.problem = message
        self.path = path
        self.line = line
        self.claim_id = claim_id
        self.field = field
