"""``/api/v2/monitor/health``: is the metadata database answering (no login needed, as in Airflow)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from dagseal.api.database import Session
from dagseal.api.models import ERROR_RESPONSES, ResponseBody

router = APIRouter(prefix="/api/v2/monitor", tags=["Monitor"], responses=ERROR_RESPONSES)


class HealthResponse(ResponseBody):
    metadatabase: str


@router.get("/health", response_model=HealthResponse)
def health(session: Session) -> HealthResponse:
    session.execute(text("SELECT 1"))
    return HealthResponse(metadatabase="healthy")
