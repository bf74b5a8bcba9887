"""``macros`` in the task context and templates: Airflow 3's date helpers and the modules it exposes."""

import datetime as _datetime
import json
import random
import time
import uuid
from types import SimpleNamespace


def ds_add(ds: str, days: int) -> str:
    """``ds_add("2015-01-01", 5)`` -> ``"2015-01-06"``."""
    if not days:
        return str(ds)
    return (_datetime.date.fromisoformat(ds) + _datetime.timedelta(days=days)).isoformat()


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """``ds_format("2015-01-01", "%Y-%m-%d", "%m-%d-%y")`` -> ``"01-01-15"``."""
    return _datetime.datetime.strptime(str(ds), input_format).strftime(output_format)


macros = SimpleNamespace(
    ds_add=ds_add,
    ds_format=ds_format,
    datetime=_datetime.datetime,
    timedelta=_datetime.timedelta,
    json=json,
    uuid=uuid,
    random=random,
    time=time,
)
