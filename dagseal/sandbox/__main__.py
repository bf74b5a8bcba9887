"""``python3 -m dagseal.sandbox [--version]``: serve the sandbox protocol on stdin/stdout."""

import argparse
import sys

from dagseal.sandbox.protocol import PROTOCOL_VERSION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m dagseal.sandbox", description=__doc__)
    parser.add_argument("--version", action="version", version=f"dagseal-sandbox-protocol {PROTOCOL_VERSION}")
    parser.parse_args(argv)
    sys.dont_write_bytecode = True  # DAG folders may be read-only and must stay unchanged
    from dagseal.sandbox.output import claim_protocol_streams
    from dagseal.sandbox.server import Server

    requests, replies = claim_protocol_streams()
    return Server(requests, replies).serve()


if __name__ == "__main__":
    sys.exit(main())
