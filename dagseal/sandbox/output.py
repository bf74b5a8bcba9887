"""Keep user output off the protocol: private dups of fd 0/1, fd 1 → fd 2, fd 0 → /dev/null.

After this, a user ``print`` (or a child process writing to fd 1) lands on stderr, the log, and
user code reading stdin sees EOF instead of stealing requests.
"""

import os
import sys
from typing import BinaryIO


def claim_protocol_streams() -> tuple[BinaryIO, BinaryIO]:
    """Return (requests, replies) binary streams that only the sandbox server uses."""
    sys.stdout.flush()
    requests_fd = os.dup(0)  # os.dup gives non-inheritable fds: children never see the protocol
    replies_fd = os.dup(1)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout.reconfigure(line_buffering=True)
    return os.fdopen(requests_fd, "rb"), os.fdopen(replies_fd, "wb")
