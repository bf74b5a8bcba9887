"""Pydantic bases of every request and response body: unknown request fields are refused by name."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

DB_INT_MAX = 2**31 - 1
"""The largest id, offset or count a request may carry (a 32-bit database integer)."""


class RequestBody(BaseModel):
    """A request body: an unknown field is a 422 naming it, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    """A response body, built from ORM rows or plain values."""

    model_config = ConfigDict(from_attributes=True)


class ErrorResponse(BaseModel):
    """Every refusal: one line saying what and where."""

    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Refused by the host (bad conf, unknown deployment, a run that exists)",
        401: "No or unknown credentials",
        403: "The role may not do this, or the CSRF token is missing",
        404: "Not found, or another team's",
        503: "The metadata database is unavailable; retry",
    }.items()
}
