"""One shape for every refusal: ``{"error": code, "message": text, "errors": [...]}``."""

from __future__ import annotations

from starlette.responses import JSONResponse


def refusal(
    status: int, code: str, message: str, errors: list[tuple[str, str]] | None = None
) -> JSONResponse:
    body: dict[str, object] = {"error": code, "message": message}
    if errors:
        body["errors"] = [{"path": path, "message": text} for path, text in errors]
    return JSONResponse(body, status_code=status)
