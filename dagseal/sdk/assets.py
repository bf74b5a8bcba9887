"""Assets (Airflow 3's name for datasets): a task's ``outlets`` update them, and a DAG with
``schedule=[Asset(...)]`` (or a condition built with ``&`` and ``|``) runs when they are updated.

Conditions serialize as ``{"asset": {"name", "uri"}}``, ``{"all": [...]}`` or ``{"any": [...]}``;
the scheduler evaluates them against the asset events queued for the DAG.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dagseal.sdk.exceptions import DagDefinitionError

__all__ = ["Asset", "AssetAll", "AssetAny", "BaseAsset", "asset_condition"]

_NAME = re.compile(r"^\S.{0,1499}$")


class BaseAsset:
    """Something a schedule can wait for: an asset, or all / any of several."""

    def __and__(self, other: BaseAsset) -> AssetAll:
        return AssetAll(self, other)

    def __or__(self, other: BaseAsset) -> AssetAny:
        return AssetAny(self, other)

    def condition(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must describe itself in condition()")


class Asset(BaseAsset):
    """One asset, known by ``name`` and ``uri`` (each defaults to the other, as in Airflow 3)."""

    def __init__(
        self,
        name: str | None = None,
        uri: str | None = None,
        *,
        group: str = "asset",
        extra: dict | None = None,
    ) -> None:
        name = name if name is not None else uri
        uri = uri if uri is not None else name
        if (
            not isinstance(name, str)
            or not isinstance(uri, str)
            or not _NAME.match(name)
            or not _NAME.match(uri)
        ):
            raise DagDefinitionError(
                f"Asset needs a name or uri of 1-1500 characters, got name={name!r} uri={uri!r}"
            )
        self.name = name
        self.uri = uri
        self.group = group
        self.extra = dict(extra or {})

    def key(self) -> dict[str, str]:
        return {"name": self.name, "uri": self.uri}

    def condition(self) -> dict[str, Any]:
        return {"asset": self.key()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Asset) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash((self.name, self.uri))

    def __repr__(self) -> str:
        return f"Asset(name={self.name!r}, uri={self.uri!r})"


class AssetAll(BaseAsset):
    """Every one of the given assets (or conditions) was updated."""

    def __init__(self, *objects: BaseAsset) -> None:
        self.objects = _checked(objects, "AssetAll")

    def condition(self) -> dict[str, Any]:
        return {"all": [item.condition() for item in self.objects]}


class AssetAny(BaseAsset):
    """At least one of the given assets (or conditions) was updated."""

    def __init__(self, *objects: BaseAsset) -> None:
        self.objects = _checked(objects, "AssetAny")

    def condition(self) -> dict[str, Any]:
        return {"any": [item.condition() for item in self.objects]}


def _checked(objects: Iterable[object], what: str) -> list[BaseAsset]:
    items = list(objects)
    if not items or not all(isinstance(item, BaseAsset) for item in items):
        raise DagDefinitionError(f"{what} takes one or more assets or asset conditions, got {items!r}")
    return items  # type: ignore[return-value]


def asset_condition(schedule: object) -> dict[str, Any] | None:
    """The condition of an asset schedule (a list means all of them), or None if it is not one."""
    if isinstance(schedule, BaseAsset):
        return schedule.condition()
    if (
        isinstance(schedule, list | tuple)
        and schedule
        and all(isinstance(item, BaseAsset) for item in schedule)
    ):
        return AssetAll(*schedule).condition()
    return None


def outlet_keys(task_id: str, outlets: object) -> list[dict[str, str]]:
    """A task's ``outlets`` as asset keys; only Asset objects are accepted."""
    items = list(outlets) if isinstance(outlets, list | tuple) else [outlets]
    bad = [item for item in items if not isinstance(item, Asset)]
    if bad:
        raise DagDefinitionError(f"task {task_id!r}: outlets must be Asset objects, got {bad[0]!r}")
    return [item.key() for item in items]
