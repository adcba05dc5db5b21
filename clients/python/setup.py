"""Build step of the ttpgraph package: the gRPC modules are generated from proto/ here.

`build_py` copies src/ttpgraph as usual, then runs grpc_tools.protoc over the checkout's
proto/ (or $TTPGRAPH_PROTO_DIR) into the build directory, so the wheel holds
ttpgraph/v1/*_pb2.py and *_pb2_grpc.py, generated and never committed:

    ttpgraph/v1/knowledge_service.proto  ->  ttpgraph.v1.knowledge_service_pb2(_grpc)
    grpc/health/v1/health.proto          ->  ttpgraph._health.v1.health_pb2(_grpc)

The health protocol is generated under ttpgraph/_health: generated at its own path it would
create a package `grpc` of ours that shadows grpcio's.
"""
import os
import pathlib
import shutil
import tempfile

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent
PROTO_DIR = pathlib.Path(os.environ.get("TTPGRAPH_PROTO_DIR", HERE.parent.parent / "proto"))
HEALTH_PROTO = "grpc/health/v1/health.proto"
HEALTH_AS = "ttpgraph/_health/v1/health.proto"


def protoc(proto_path, out_dir, files):
    from grpc_tools import protoc as grpc_protoc  # Debian 12: python3-grpc-tools

    args = ["grpc_tools.protoc", f"--proto_path={proto_path}", f"--python_out={out_dir}",
            f"--grpc_python_out={out_dir}", *files]
    if grpc_protoc.main(args) != 0:
        raise SystemExit(f"ttpgraph: grpc_tools.protoc failed on {', '.join(files)} (under {proto_path})")


def generate(proto_dir, out_dir):
    services = sorted(p.relative_to(proto_dir).as_posix() for p in (proto_dir / "ttpgraph" / "v1").glob("*.proto"))
    if not services or not (proto_dir / HEALTH_PROTO).is_file():
        raise SystemExit(f"ttpgraph: no ttpgraph/v1/*.proto and {HEALTH_PROTO} under {proto_dir}; build from a "
                         "ttpgraph checkout (clients/python beside proto/) or set TTPGRAPH_PROTO_DIR")
    for stale in (out_dir / "ttpgraph").glob("**/*_pb2*.py"):  # of a proto removed since the last build
        stale.unlink()
    protoc(proto_dir, out_dir, services)
    with tempfile.TemporaryDirectory() as tmp:
        (pathlib.Path(tmp) / HEALTH_AS).parent.mkdir(parents=True)
        shutil.copyfile(proto_dir / HEALTH_PROTO, pathlib.Path(tmp) / HEALTH_AS)
        protoc(tmp, out_dir, [HEALTH_AS])


class BuildPyWithProtos(build_py):
    def run(self):
        super().run()
        if not self.dry_run:
            generate(PROTO_DIR, pathlib.Path(self.build_lib))


setup(cmdclass={"build_py": BuildPyWithProtos})
