"""``python3 -m dagseal.sandbox [--version | --connect SOCKET | --zygote SOCKET]``: serve the sandbox
protocol on stdin/stdout, or over a connection to the host's Unix socket SOCKET (containers), or
fork one sandbox per connection on SOCKET (see ``zygote.py``)."""

import argparse
import sys

from dagseal.sandbox.protocol import PROTOCOL_VERSION


def main(argv: list[str] | None = None) -> int:
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
    sys.exit(main())
