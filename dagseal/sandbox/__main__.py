"""``python3 -m dagseal.sandbox [--version | --connect SOCKET | --zygote SOCKET]``: serve the sandbox
protocol on stdin/stdout, or over a connection to the host's Unix socket SOCKET (containers), or
fork one sandbox per connection on SOCKET (see ``zygote.py``)."""

import os
import sys

from dagseal.sandbox.protocol import PROTOCOL_VERSION


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "--connect" and not argv[1].startswith("-"):
        # Every container's command, on each try's critical path: argparse would import gettext,
        # locale and textwrap first (~3 ms of a container's start-up).
        from dagseal.sandbox import server

        return server.serve_socket(argv[1])
    import argparse

    parser = argparse.ArgumentParser(prog="python3 -m dagseal.sandbox", description=__doc__)
    parser.add_argument("--version", action="version", version=f"dagseal-sandbox-protocol {PROTOCOL_VERSION}")
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--connect", metavar="SOCKET", help="serve over a connection to SOCKET")
    transport.add_argument("--zygote", metavar="SOCKET", help="fork a fresh sandbox per connection on SOCKET")
    args = parser.parse_args(argv)
    if args.zygote:
        from dagseal.sandbox.zygote import serve_zygote

        return serve_zygote(args.zygote)
    from dagseal.sandbox import server

    return server.serve_socket(args.connect) if args.connect else server.serve_stdio()


if __name__ == "__main__":
    code = main()
    # Served: every reply was sent. Skip the interpreter's teardown (module finalization, user
    # code's atexit hooks and leftover non-daemon threads), as a zygote-forked sandbox does: a
    # container's exit is on every try's critical path, and the engine waits for it.
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)
