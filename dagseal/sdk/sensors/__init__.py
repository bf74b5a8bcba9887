"""Sensors: tasks that wait for a condition, poking in one try or one try per poke (reschedule)."""

from dagseal.sdk.sensors.base import BaseSensorOperator, PokeReturnValue
from dagseal.sdk.sensors.bash import BashSensor
from dagseal.sdk.sensors.filesystem import FileSensor
from dagseal.sdk.sensors.python import PythonSensor
from dagseal.sdk.sensors.time import DateTimeSensor, DayOfWeekSensor, TimeDeltaSensor

__all__ = [
    "BaseSensorOperator",
    "BashSensor",
    "DateTimeSensor",
    "DayOfWeekSensor",
    "FileSensor",
    "PokeReturnValue",
    "PythonSensor",
    "TimeDeltaSensor",
]
