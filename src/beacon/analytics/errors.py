"""The one error every analysis raises for input a person can fix."""

from __future__ import annotations


class AnalysisInputError(ValueError):
    """Bad input to an analysis: names the file and line, or the option, and the reason.

    The CLI prints ``str(error)`` and exits 1; the API answers 422 with the same text.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        option: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.option = option
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file if self.line is None else f"{self.file}, line {self.line}")
        if self.option is not None:
            where.append(self.option)
        return f"{': '.join(where)}: {self.reason}" if where else self.reason

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "option": self.option, "reason": self.reason}
