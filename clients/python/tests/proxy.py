"""A recording gRPC proxy in front of the real ttpgraphd, for what only the wire shows: the
metadata and deadline each call carries, the messages of an upload, TLS and mutual TLS
(ttpgraphd's own TLS is tested in C++). Requests and answers pass through as bytes,
untouched; the proxy records the token a client sent and forwards the daemon's real one."""
import collections
import subprocess
import threading
from concurrent import futures

import grpc

from ttpgraph._client import MAX_MESSAGE_BYTES, services

Call = collections.namedtuple("Call", "method metadata time_remaining messages")
_FORWARDED = ("authorization", "x-ttpgraph-org")
_OPTIONS = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)]


class RecordingProxy(grpc.GenericRpcHandler):
    """Forwards every ttpgraph and health method to `upstream`; `calls` lists what came in.
    With `credentials` (grpc.ssl_server_credentials) it serves TLS on localhost. `token`
    (the daemon's admin token) replaces whatever authorization the client sent, upstream only."""

    def __init__(self, upstream, credentials=None, token=None):
        self.calls = []
        self._token = token
        self._lock = threading.Lock()
        self._upstream = grpc.insecure_channel(upstream, _OPTIONS)
        self._kinds = {f"/{s.full_name}/{m.name}": (m.client_streaming, m.server_streaming)
                       for _, s, _ in services() for m in s.methods}
        self._server = grpc.server(futures.ThreadPoolExecutor(4), handlers=[self], options=_OPTIONS)
        if credentials is None:
            self.target = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        else:
            self.target = f"localhost:{self._server.add_secure_port('localhost:0', credentials)}"
        self._server.start()

    def stop(self):
        self._server.stop(None)
        self._upstream.close()

    def only(self, method_suffix):
        """The one recorded call whose method ends with method_suffix ("/GetGroupTechniques")."""
        found = [c for c in self.calls if c.method.endswith(method_suffix)]
        assert len(found) == 1, [c.method for c in self.calls]
        return found[0]

    def service(self, details):
        kind = self._kinds.get(details.method)
        if kind is None:
            return None
        client_streaming, server_streaming = kind
        method = details.method

        def forward(request, context):
            metadata = tuple(context.invocation_metadata())
            remaining = context.time_remaining()
            remaining = None if remaining > 1e9 else remaining  # no deadline: ~2**63 seconds
            messages = []
            if client_streaming:
                request = _recorded(request, messages)
            else:
                messages.append(request)
            with self._lock:
                self.calls.append(Call(method, metadata, remaining, messages))
            kind_name = ("stream" if client_streaming else "unary") + "_" + ("stream" if server_streaming else "unary")
            upstream = getattr(self._upstream, kind_name)(method)
            forwarded = [(k, v) for k, v in metadata if k in _FORWARDED and not (self._token and k == "authorization")]
            if self._token:
                forwarded.append(("authorization", "Bearer " + self._token))
            try:
                return upstream(request, timeout=remaining, metadata=forwarded)
            except grpc.RpcError as e:
                context.abort(e.code(), e.details())

        make = {(False, False): grpc.unary_unary_rpc_method_handler, (True, False): grpc.stream_unary_rpc_method_handler,
                (False, True): grpc.unary_stream_rpc_method_handler, (True, True): grpc.stream_stream_rpc_method_handler}
        return make[kind](forward)


def _recorded(requests, into):
    for r in requests:
        into.append(r)
        yield r


def make_certificates(directory):
    """A test CA, a server certificate for localhost signed by it, a client certificate signed
    by it, and a second CA that signed nothing. {name: path} of PEM files."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", *key, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "2", "-subj", f"/CN={ca}")
    (directory / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    (directory / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        openssl("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return {n: directory / f"{n}.pem" for n in ("ca", "other-ca", "server", "client")} | {
        f"{n}-key": directory / f"{n}.key" for n in ("server", "client")}
