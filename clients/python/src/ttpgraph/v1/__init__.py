"""The ttpgraph.v1 API: the modules generated from proto/ttpgraph/v1 at build time.

Each proto file keeps its module (`ttpgraph.v1.knowledge_service_pb2`, `..._pb2_grpc`); every
message and enum of the package is also reachable from here, e.g.
`v1.GroupTechniquesRequest(release="enterprise-attack@18.1", group="G0016")` or `v1.COVERAGE_STATUS_DETECTED`.
"""
import importlib as _importlib
import pkgutil as _pkgutil

for _info in _pkgutil.iter_modules(__path__):
    if _info.name.endswith("_pb2"):
        _module = _importlib.import_module(f"{__name__}.{_info.name}")
        _enums = _module.DESCRIPTOR.enum_types_by_name
        _values = [v.name for e in _enums.values() for v in e.values]  # top-level enum values, as in the module
        for _name in (*_module.DESCRIPTOR.message_types_by_name, *_enums, *_values):
            globals()[_name] = getattr(_module, _name)
