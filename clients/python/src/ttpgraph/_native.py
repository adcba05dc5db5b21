"""Loads the ttpgraph.v1 messages compiled as C++ classes (_cpp_protos.so, built at install).

Debian's python3-protobuf is the cpp runtime: it parses a message it has no compiled class for
through DynamicMessage. Loaded into the process before any ttpgraph.v1 module registers its
descriptors, the library puts its compiled classes in libprotobuf's generated pool, and the
runtime then parses with them: twice as fast (clients/python/README.md). It must run first,
which is why ttpgraph/__init__.py imports this module before anything else.

STATUS says what happened: "on", or "off: <why>". TTPGRAPH_CPP_PROTOS=0 turns it off.
"""
import ctypes
import os
import pathlib

LIBRARY = pathlib.Path(__file__).with_name("_cpp_protos.so")


def _load():
    if os.environ.get("TTPGRAPH_CPP_PROTOS") == "0":
        return "off: TTPGRAPH_CPP_PROTOS=0"
    from google.protobuf.internal import api_implementation
    if api_implementation.Type() != "cpp":
        return f"off: the {api_implementation.Type()} protobuf runtime has no use for it"
    if not LIBRARY.is_file():
        return "off: not built at install"
    try:
        ctypes.CDLL(str(LIBRARY), mode=ctypes.RTLD_GLOBAL)
    except OSError as e:  # e.g. another libprotobuf than the one it was built against
        return f"off: {e}"
    return "on"


STATUS = _load()
