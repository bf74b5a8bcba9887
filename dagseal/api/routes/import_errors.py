"""``/api/v2/importErrors``: why files of the user's team's directories did not load."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from dagseal.api.access import not_found, subdir_visible, team_of
from dagseal.api.database import Session
from dagseal.api.deps import Paging, User, paginate
from dagseal.api.models import DB_INT_MAX, ERROR_RESPONSES, ResponseBody
from dagseal.db.models import ImportErrorModel

router = APIRouter(prefix="/api/v2/importErrors", tags=["ImportError"], responses=ERROR_RESPONSES)


class ImportErrorResponse(ResponseBody):
    import_error_id: int
    filename: str
    team: str | None
    timestamp: datetime
    stack_trace: str

    @classmethod
    def of(cls, row: ImportErrorModel) -> ImportErrorResponse:
        return cls(
            import_error_id=row.id,
            filename=row.filename,
            team=team_of(row.processor_subdir),
            timestamp=row.timestamp,
            stack_trace=row.stacktrace,
        )


class ImportErrorCollectionResponse(ResponseBody):
    import_errors: list[ImportErrorResponse]
    total_entries: int


@router.get("", response_model=ImportErrorCollectionResponse)
def list_import_errors(session: Session, user: User, page: Paging) -> ImportErrorCollectionResponse:
    condition = subdir_visible(ImportErrorModel.processor_subdir, user)
    rows, total = paginate(session, ImportErrorModel, condition, ImportErrorModel.filename, page)
    return ImportErrorCollectionResponse(
        import_errors=[ImportErrorResponse.of(r) for r in rows], total_entries=total
    )


@router.get("/{import_error_id}", response_model=ImportErrorResponse)
def get_import_error(
    import_error_id: Annotated[int, Path(ge=1, le=DB_INT_MAX)], session: Session, user: User
) -> ImportErrorResponse:
    row = session.scalar(
        select(ImportErrorModel).where(
            ImportErrorModel.id == import_error_id, subdir_visible(ImportErrorModel.processor_subdir, user)
        )
    )
    if row is None:
        raise not_found(f"import error {import_error_id}")
    return ImportErrorResponse.of(row)
