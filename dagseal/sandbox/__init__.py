"""The image contract: ``python3 -m dagseal.sandbox`` parses DAG files and runs tasks and callbacks.

A leaf: imports only the standard library, attrs/cattrs, ``dagseal.sdk`` and ``dagseal.serialization``.
"""

from dagseal.sandbox.protocol import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION"]
