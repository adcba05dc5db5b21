"""Build step of the ttpgraph package: the gRPC modules are generated from proto/ here.

`build_py` copies src/ttpgraph as usual, then runs grpc_tools.protoc over the checkout's
proto/ (or $TTPGRAPH_PROTO_DIR) into the build directory, so the wheel holds
ttpgraph/v1/*_pb2.py and *_pb2_grpc.py, generated and never committed:

    ttpgraph/v1/knowledge_service.proto  ->  ttpgraph.v1.knowledge_service_pb2(_grpc)
    grpc/health/v1/health.proto          ->  ttpgraph._health.v1.health_pb2(_grpc)

The health protocol is generated under ttpgraph/_health: generated at its own path it would
create a package `grpc` of ours that shadows grpcio's.

It also puts ttpgraph/_cpp_protos.so in the package: the ttpgraph.v1 messages compiled as C++
classes, which Debian's cpp protobuf runtime then parses with instead of DynamicMessage (twice
as fast; README.md). $TTPGRAPH_CPP_PROTOS_LIB names a prebuilt one (the CMake target
ttpgraph_pyprotos), taken when the digest beside it matches these protos; otherwise protoc and
the C++ compiler build it (about 80 s of CPU). TTPGRAPH_CPP_PROTOS=0 skips it; so does any
failure, with a warning: the client then works as before.
"""
import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from protos_digest import protos_digest  # noqa: E402
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


CPP_PROTOS = "_cpp_protos.so"


def compile_cpp_protos(proto_dir, target):
    cxx = os.environ.get("CXX", "c++")
    with tempfile.TemporaryDirectory() as tmp:
        protos = sorted(str(p) for p in (proto_dir / "ttpgraph" / "v1").glob("*.proto"))
        subprocess.run(["protoc", f"--proto_path={proto_dir}", f"--cpp_out={tmp}", *protos], check=True)
        sources = sorted(pathlib.Path(tmp).glob("ttpgraph/v1/*.pb.cc"))

        def compile_one(src):
            obj = src.with_suffix(".o")
            subprocess.run([cxx, "-std=c++17", "-O2", "-fPIC", f"-I{tmp}", "-c", str(src), "-o", str(obj)], check=True)
            return str(obj)

        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            objects = list(pool.map(compile_one, sources))
        subprocess.run([cxx, "-shared", "-o", str(target), *objects, "-lprotobuf"], check=True)


def cpp_protos(proto_dir, package_dir):
    if os.environ.get("TTPGRAPH_CPP_PROTOS") == "0":
        return
    target = package_dir / CPP_PROTOS
    prebuilt = os.environ.get("TTPGRAPH_CPP_PROTOS_LIB")
    if prebuilt:
        stamp = pathlib.Path(prebuilt).with_suffix(".protos-sha256")
        if stamp.is_file() and stamp.read_text().strip() == protos_digest(proto_dir):
            shutil.copyfile(prebuilt, target)
            return
        print(f"ttpgraph: {prebuilt} was not built from these protos; compiling the messages", file=sys.stderr)
    try:
        compile_cpp_protos(proto_dir, target)
    except (OSError, subprocess.CalledProcessError) as e:
        target.unlink(missing_ok=True)
        print(f"ttpgraph: warning: the compiled messages were not built ({e}); the client works, "
              "decoding answers takes twice as long", file=sys.stderr)


class BuildPyWithProtos(build_py):
    def run(self):
        super().run()
        if not self.dry_run:
            generate(PROTO_DIR, pathlib.Path(self.build_lib))
            cpp_protos(PROTO_DIR, pathlib.Path(self.build_lib) / "ttpgraph")


setup(cmdclass={"build_py": BuildPyWithProtos})
