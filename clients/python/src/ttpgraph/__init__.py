"""Python client of ttpgraphd, the ATT&CK knowledge server.

    import ttpgraph
    from ttpgraph import v1

    client = ttpgraph.connect("127.0.0.1:50051")          # or $TTPGRAPH_SERVER
    ttpgraph.import_release(client, "enterprise-attack-18.1.json.gz")
    request = v1.GroupTechniquesRequest(release="enterprise-attack@18.1", group="G0016")
    first_page = client.knowledge.GetGroupTechniques(request)   # 100 of 249: lists are paged
    every = list(ttpgraph.pages(client.knowledge.GetGroupTechniques, request))  # all 249

The client has one generated stub per service (release, knowledge, org, analysis, defense,
health); the messages are in ttpgraph.v1 (generated from proto/ at build time, one module per
proto file: ttpgraph.v1.knowledge_service_pb2, ..._pb2_grpc). A failed call raises
ttpgraph.Error with the gRPC code (ttpgraph.StatusCode, grpc's) and the server's message.
`ttpgraph.compiled_messages` says whether answers are parsed with compiled C++ classes ("on").
"""
from ttpgraph import _native  # first: the compiled messages must be loaded before any ttpgraph.v1 module

from grpc import StatusCode

from ttpgraph._client import (DEFAULT, DEFAULT_IMPORT_TIMEOUT, DEFAULT_TARGET, DEFAULT_TIMEOUT, Client, Error,
                              connect)
from ttpgraph._frames import to_dataframe
from ttpgraph._paging import MAX_PAGE_SIZE, all_pages, pages
from ttpgraph._uploads import CHUNK_BYTES, import_atomic, import_d3fend, import_detections, import_release

compiled_messages = _native.STATUS

__all__ = [
    "CHUNK_BYTES", "Client", "DEFAULT", "DEFAULT_IMPORT_TIMEOUT", "DEFAULT_TARGET", "DEFAULT_TIMEOUT", "Error",
    "MAX_PAGE_SIZE", "StatusCode", "all_pages", "compiled_messages", "connect", "import_atomic", "import_d3fend",
    "import_detections", "import_release", "pages", "to_dataframe",
]
