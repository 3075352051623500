"""One shape for every refusal: ``{"error": code, "message": text, "errors": [...]}``."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


class Refused(JSONResponse):
    """A refusal that keeps its error code, so metrics need not parse the body again."""

    def __init__(self, body: dict[str, Any], *, status: int, code: str) -> None:
        super().__init__(body, status_code=status)
        self.code = code


def refusal(
    status: int, code: str, message: str, errors: list[tuple[str, str]] | None = None
) -> Refused:
    body: dict[str, object] = {"error": code, "message": message}
    if errors:
        body["errors"] = [{"path": path, "message": text} for path, text in errors]
    return Refused(body, status=status, code=code)
