#!/usr/bin/env python3
"""A pyftpdlib server for ftpsh's interop tests (tests/it/interop.rs).

Usage: pyftpd.py PORT ROOT USER PASSWORD

Serves ROOT on 127.0.0.1:PORT (PORT 0 picks a free port) to USER/PASSWORD with
full permissions, and to anonymous read-only. Prints "ready PORT" on stdout once
it is listening, then serves until killed. Log lines go to stderr.
"""

import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main() -> int:
    if len(sys.argv) != 5:
        print("usage: pyftpd.py PORT ROOT USER PASSWORD", file=sys.stderr)
        return 2
    port, root, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="[pyftpd %(asctime)s] %(message)s")

    authorizer = DummyAuthorizer()
    # e=cd l=list r=retr a=append d=delete f=rename m=mkdir w=store M=chmod T=mfmt
    authorizer.add_user(user, password, root, perm="elradfmwMT")
    authorizer.add_anonymous(root)  # default perm "elr": read-only

    class Handler(FTPHandler):
        pass

    Handler.authorizer = authorizer
    Handler.banner = "pyftpdlib ready (ftpsh interop)"
    # Keep a stuck client from holding a test forever.
    Handler.timeout = 60

    server = FTPServer(("127.0.0.1", port), Handler)
    server.max_cons = 64
    print("ready %d" % server.address[1], flush=True)
    server.serve_forever(handle_exit=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
