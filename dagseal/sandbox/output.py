"""Keep user output off the protocol: the protocol gets private streams, fd 1 → fd 2, fd 0 → /dev/null.

After this, a user ``print`` (or a child process writing to fd 1) lands on stderr, the log, and
user code reading stdin sees EOF instead of stealing requests.
"""

import os
import socket
import sys
from typing import BinaryIO


def _hand_stdio_to_user_code() -> None:
    """fd 1 → fd 2 and fd 0 → /dev/null, once the protocol no longer needs them."""
    sys.stdout.flush()
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout.reconfigure(line_buffering=True)


def claim_protocol_streams() -> tuple[BinaryIO, BinaryIO]:
    """Return (requests, replies) streams on private dups of fd 0/1 that only the sandbox server uses."""
    sys.stdout.flush()
    requests_fd = os.dup(0)  # os.dup gives non-inheritable fds: children never see the protocol
    replies_fd = os.dup(1)
    _hand_stdio_to_user_code()
    return os.fdopen(requests_fd, "rb"), os.fdopen(replies_fd, "wb")


def connect_protocol_streams(path: str) -> tuple[BinaryIO, BinaryIO]:
    """Return (requests, replies) streams on a connection to the host's socket at ``path``.

    Connected before any user code runs, so the connection is the sandbox's; the socket is
    non-inheritable like the dups above.
    """
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    _hand_stdio_to_user_code()
    return connection.makefile("rb"), connection.makefile("wb")
