"""Sensors: tasks that wait for a condition, poking in one try or one try per poke (reschedule).

Each name is imported on first use (see ``dagseal/sdk/lazy.py``).
"""

from dagseal.sdk.lazy import lazy_attributes

_EXPORTS = {
    "BaseSensorOperator": "dagseal.sdk.sensors.base",
    "BashSensor": "dagseal.sdk.sensors.bash",
    "DateTimeSensor": "dagseal.sdk.sensors.time",
    "DayOfWeekSensor": "dagseal.sdk.sensors.time",
    "FileSensor": "dagseal.sdk.sensors.filesystem",
    "PokeReturnValue": "dagseal.sdk.sensors.base",
    "PythonSensor": "dagseal.sdk.sensors.python",
    "TimeDeltaSensor": "dagseal.sdk.sensors.time",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
