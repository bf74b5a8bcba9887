"""Executors (how many task tries run, and where) and the task supervisor (one try, host side).

Import the submodules directly; this package imports nothing heavy.
"""

__all__: list[str] = []
