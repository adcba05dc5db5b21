#!/usr/bin/env python3
"""The digest of proto/ttpgraph/v1/*.proto: which protos a compiled message library comes from.

    python3 clients/python/protos_digest.py PROTO_DIR   # prints the hex digest

setup.py installs a prebuilt library (the CMake target ttpgraph_pyprotos, whose build writes
this digest beside it) only when its digest equals the one of the protos it generates the
Python modules from; otherwise it compiles its own.
"""
import hashlib
import pathlib
import sys


def protos_digest(proto_dir):
    h = hashlib.sha256()
    root = pathlib.Path(proto_dir)
    for path in sorted((root / "ttpgraph" / "v1").glob("*.proto")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


if __name__ == "__main__":
    print(protos_digest(sys.argv[1]))
