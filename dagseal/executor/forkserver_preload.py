"""Imported once by the LocalExecutor's fork server, so every supervisor forks warm.

Importing the supervisor loads SQLAlchemy, the models and the runtime; configuring the mappers
here saves each supervisor the ~200 ms its first ORM statement would otherwise spend on it.
"""

from sqlalchemy.orm import configure_mappers

import dagseal.executor.supervisor  # noqa: F401  (the import is the point)

configure_mappers()
