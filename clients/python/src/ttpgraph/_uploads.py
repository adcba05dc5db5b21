"""Uploads from local paths: ATT&CK bundles, detections, D3FEND ontologies, Atomic indexes.

Each streams the file in 1 MiB messages (gRPC's default message limit is 4 MiB; an enterprise
bundle is 25-34 MB), the header first, with expected_bytes set so that the server refuses an
upload cut short. Each lands whole or not at all on the server.
"""
import os
import re

from ttpgraph._client import DEFAULT
from ttpgraph.v1 import d3fend_service_pb2 as d3fend_pb2
from ttpgraph.v1 import org_service_pb2 as org_pb2
from ttpgraph.v1 import release_service_pb2 as release_pb2

CHUNK_BYTES = 1 << 20

_RELEASE_NAME = re.compile(r"((?:enterprise|mobile|ics)-attack)-(\d+(?:\.\d+)*)\.json(?:\.gz)?$")
_D3FEND_NAME = re.compile(r"(\d+(?:\.\d+)+)\.ttl(?:\.gz)?$")


def _chunks(f):
    while chunk := f.read(CHUNK_BYTES):
        yield chunk


def _upload(method, request_type, header, path, timeout):
    """Streams `path` as request_type(header=header) then request_type(chunk=...) messages."""
    with open(path, "rb") as f:
        header.expected_bytes = os.fstat(f.fileno()).st_size

        def requests():
            yield request_type(header=header)
            for chunk in _chunks(f):
                yield request_type(chunk=chunk)

        return method(requests(), timeout=timeout)


def import_release(client, path, domain="", version="", replace=False, sha256="", timeout=DEFAULT):
    """Imports an ATT&CK STIX bundle (plain or gzip JSON) and returns the ImportReleaseResponse
    (outcome CREATED, UNCHANGED for identical content already stored, or REPLACED).

    domain and version: read from a file named like enterprise-attack-18.1.json.gz when not
    given, else the server reads them from the bundle's x-mitre-collection. replace: overwrite
    a stored release of the same domain and version with different content. sha256: the
    expected digest (hex) of the file, checked by the server.
    """
    if not domain and not version and (m := _RELEASE_NAME.search(os.path.basename(path))):
        domain, version = m.group(1), m.group(2)
    header = release_pb2.ImportOptions(domain=domain, version=version, replace=replace, sha256=sha256)
    return _upload(client.release.ImportRelease, release_pb2.ImportReleaseRequest, header, path, timeout)


def import_d3fend(client, path, version="", replace=False, sha256="", timeout=DEFAULT):
    """Imports a D3FEND ontology (Turtle, plain or gzip) and returns the ImportD3fendResponse.
    version: read from a file named like d3fend-protege-1.2.0.ttl.gz when not given."""
    name = os.path.basename(path)
    if not version:
        m = _D3FEND_NAME.search(name)
        if not m:
            raise ValueError(f"give version= (it cannot be read from the file name {name!r})")
        version = m.group(1)
    header = d3fend_pb2.D3fendImportOptions(version=version, replace=replace, sha256=sha256, source_name=name)
    return _upload(client.defense.ImportD3fend, d3fend_pb2.ImportD3fendRequest, header, path, timeout)


def import_atomic(client, path, name="", replace=False, sha256="", timeout=DEFAULT):
    """Imports an Atomic Red Team CSV index (index.csv) as index `name` (default "default")
    and returns the ImportAtomicIndexResponse."""
    header = d3fend_pb2.AtomicImportOptions(name=name, replace=replace, sha256=sha256,
                                            source_name=os.path.basename(path))
    return _upload(client.defense.ImportAtomicIndex, d3fend_pb2.ImportAtomicIndexRequest, header, path, timeout)


def _files(paths):
    """Every file under `paths`: a file itself, or each regular file below a directory, in
    name order (the server skips the files that are not rules, and says how many)."""
    for path in [paths] if isinstance(paths, (str, os.PathLike)) else paths:
        path = os.fspath(path)
        if not os.path.isdir(path):
            if not os.path.isfile(path):
                raise FileNotFoundError(f"no such file or directory: {path}")
            if not os.access(path, os.R_OK):
                raise PermissionError(f"cannot read {path}")
            yield path
            continue
        for top, dirs, names in os.walk(path):
            dirs.sort()
            for n in sorted(names):
                yield from _files(os.path.join(top, n))


def _format(value):
    if isinstance(value, int):
        return value
    names = {}
    for n, v in org_pb2.ImportFormat.DESCRIPTOR.values_by_name.items():  # "sigma" or "import_format_sigma"
        names[n.lower()] = names[n.lower().removeprefix("import_format_")] = v.number
    names["layer"] = org_pb2.IMPORT_FORMAT_NAVIGATOR_LAYER
    try:
        return names[value.lower()]
    except KeyError:
        raise ValueError(f"unknown detection format {value!r} (sigma, navigator_layer or layer, csv; "
                         "or none: guessed per file from its name)") from None


def import_detections(client, org_id, paths, format=None, release="", dry_run=False, layer_score_threshold=0.0,
                      skip_logsource_mapping=False, timeout=DEFAULT):
    """Imports detections into organization `org_id` from `paths` (one path or several): Sigma
    .yml/.yaml files, .tar.gz/.tgz archives of them, Navigator layers (.json), CSV; a directory
    stands for every file below it. Returns the ImportDetectionsResponse, which reports per rule
    what happened; the import lands whole or not at all.

    format: "sigma", "navigator_layer" ("layer"), "csv" or an ImportFormat; default: guessed per
    file from its name. release: default the organization's. dry_run: validate and report only.
    """
    header = org_pb2.ImportDetectionsHeader(format=_format(format) if format is not None else 0, release=release,
                                            dry_run=dry_run, layer_score_threshold=layer_score_threshold,
                                            skip_logsource_mapping=skip_logsource_mapping)
    files = list(_files(paths))  # every path checked before the call starts
    if not files:
        raise ValueError(f"no file to import under {paths}")

    def requests():
        yield org_pb2.ImportDetectionsRequest(org_id=org_id, header=header)
        for path in files:
            with open(path, "rb") as f:
                sent = False
                for chunk in _chunks(f):
                    sent = True
                    yield org_pb2.ImportDetectionsRequest(org_id=org_id, file=org_pb2.SourceFile(path=path, content=chunk))
                if not sent:  # an empty file is still a file the report counts
                    yield org_pb2.ImportDetectionsRequest(org_id=org_id, file=org_pb2.SourceFile(path=path))

    return client.org.ImportDetections(requests(), timeout=timeout)
