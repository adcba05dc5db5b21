"""connect(): one channel to ttpgraphd and the generated stub of every service on it."""
import importlib
import itertools
import os
import pathlib
import pkgutil
import re

import grpc

DEFAULT_TARGET = "127.0.0.1:50051"
DEFAULT_TIMEOUT = 30.0  # seconds: the deadline of every call but imports
DEFAULT_IMPORT_TIMEOUT = 600.0  # seconds: Import* methods (an enterprise bundle is 25-34 MB)
MAX_MESSAGE_BYTES = 64 << 20  # Navigator layers and coverage answers are large; as the C++ client


class _Default:
    def __repr__(self):
        return "DEFAULT"


# `timeout=DEFAULT` (the default of every call) is the client's deadline; `timeout=None` is none.
DEFAULT = _Default()


class Error(grpc.RpcError):
    """A failed call. `code` is the grpc.StatusCode, `message` the server's message and `method`
    the call ("KnowledgeService.GetGroupTechniques"). Every call made through connect() and every
    helper of this package raises this, and only this, when the RPC fails."""

    def __init__(self, code, message, method=""):
        super().__init__(code, message, method)
        self.code = code
        self.message = message
        self.method = method

    def __str__(self):
        return f"{self.code.name}: {self.message}" + (f" ({self.method})" if self.method else "")


def _error(rpc_error, method):
    if isinstance(rpc_error, Error):
        return rpc_error
    if isinstance(rpc_error, grpc.Call):
        return Error(rpc_error.code(), rpc_error.details() or "", method)
    return Error(grpc.StatusCode.UNKNOWN, str(rpc_error), method)


class _Stream:
    """A server-streamed answer: iterates like grpc's, failures as Error; cancel() and the rest
    of grpc.Call pass through."""

    def __init__(self, call, method):
        self._call = call
        self._method = method

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._call)
        except grpc.RpcError as e:
            raise _error(e, self._method) from None

    def __getattr__(self, name):
        return getattr(self._call, name)


class _Future:
    """method.future(...): result() and exception() give Error; the rest of grpc.Future passes through."""

    def __init__(self, future, method):
        self._future = future
        self._method = method

    def result(self, timeout=None):
        try:
            return self._future.result(timeout)
        except grpc.RpcError as e:
            raise _error(e, self._method) from None

    def exception(self, timeout=None):
        e = self._future.exception(timeout)
        return _error(e, self._method) if isinstance(e, grpc.RpcError) else e

    def __getattr__(self, name):
        return getattr(self._future, name)


class _Method:
    """One method of a generated stub, called as the stub's own (request, timeout=, metadata=,
    ...), with the client's metadata and deadline on every call and failures raised as Error.
    On a request with `org_id` (the first message of a stream) it sends x-ttpgraph-org."""

    def __init__(self, call, name, metadata, timeout, org_scoped, request_streaming, response_streaming):
        self._call = call
        self.name = name
        self._metadata = metadata
        self._timeout = timeout
        self._org_scoped = org_scoped
        self._request_streaming = request_streaming
        self._response_streaming = response_streaming

    def __call__(self, request, timeout=DEFAULT, metadata=None, **kwargs):
        answer = self._invoke(self._call, request, timeout, metadata, kwargs)
        return _Stream(answer, self.name) if self._response_streaming else answer

    def with_call(self, request, timeout=DEFAULT, metadata=None, **kwargs):
        """(response, grpc.Call): the call gives the trailing metadata. Single answers only."""
        return self._invoke(self._call.with_call, request, timeout, metadata, kwargs)

    def future(self, request, timeout=DEFAULT, metadata=None, **kwargs):
        """A grpc.Future of the answer, for calls in parallel. Single answers only."""
        return _Future(self._invoke(self._call.future, request, timeout, metadata, kwargs), self.name)

    def __repr__(self):
        return f"<ttpgraph method {self.name}>"

    def _invoke(self, call, request, timeout, metadata, kwargs):
        md = self._metadata
        if self._org_scoped:
            first = request
            if self._request_streaming:
                messages = iter(request)
                first = next(messages, None)
                request = messages if first is None else itertools.chain((first,), messages)
            # An org_id that cannot be a header value (non-ASCII) goes without: the server says what is wrong with it.
            if first is not None and first.org_id and first.org_id.isascii() and first.org_id.isprintable():
                md = md + (("x-ttpgraph-org", first.org_id),)
        if metadata:
            md = md + tuple(metadata)
        try:
            return call(request, timeout=self._timeout if timeout is DEFAULT else timeout, metadata=md, **kwargs)
        except grpc.RpcError as e:
            raise _error(e, self.name) from None


def attribute_name(service_name):
    """KnowledgeService -> knowledge, AuditLogService -> audit_log, Health -> health."""
    if service_name.endswith("Service") and service_name != "Service":
        service_name = service_name[: -len("Service")]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", service_name).lower()


def _grpc_modules():
    from ttpgraph import v1

    for info in sorted(pkgutil.iter_modules(v1.__path__), key=lambda i: i.name):
        if info.name.endswith("_pb2_grpc"):
            yield importlib.import_module(f"ttpgraph.v1.{info.name}")
    # grpcio-health-checking's module when it is installed: two copies of grpc.health.v1 in
    # one process clash in protobuf's descriptor pool.
    try:
        yield importlib.import_module("grpc_health.v1.health_pb2_grpc")
    except ImportError:
        yield importlib.import_module("ttpgraph._health.v1.health_pb2_grpc")


_services = None


def services():
    """[(attribute, ServiceDescriptor, stub class)] of every service the generated modules
    define (ttpgraph.v1 and grpc.health.v1), by attribute name."""
    global _services
    if _services is None:
        found = {}
        for grpc_module in _grpc_modules():
            pb2 = importlib.import_module(grpc_module.__name__[: -len("_grpc")])
            for name, service in pb2.DESCRIPTOR.services_by_name.items():
                attribute = attribute_name(name)
                if attribute in found:
                    raise ImportError(f"ttpgraph: services {found[attribute][1].full_name} and {service.full_name} "
                                      f"would both be Client.{attribute}")
                found[attribute] = (attribute, service, getattr(grpc_module, f"{name}Stub"))
        _services = [found[a] for a in sorted(found)]
    return _services


class Client:
    """A connection to ttpgraphd. One attribute per service, named after it in snake case
    without "Service": release, knowledge, org, analysis, defense, health (and every service
    added to proto/ later). Each is the generated stub (ttpgraph.v1.*_pb2_grpc); its methods
    take the request message and optionally timeout= (seconds; None for no deadline) and
    metadata=, and raise ttpgraph.Error. Lists answer one page (100 items unless page_size says
    otherwise, at most 1000): use ttpgraph.pages() for every item.

        with ttpgraph.connect("127.0.0.1:50051") as client:
            r = client.knowledge.GetGroupTechniques(
                v1.GroupTechniquesRequest(release="enterprise-attack@18.1", group="G0016"))
    """

    def __init__(self, channel, target, metadata, timeout, import_timeout):
        self.target = target
        self.channel = channel
        self._attributes = []
        for attribute, service, stub_class in services():
            stub = stub_class(channel)
            for m in service.methods:
                is_import = m.client_streaming or m.name.startswith("Import")
                setattr(stub, m.name, _Method(getattr(stub, m.name), f"{service.name}.{m.name}", metadata,
                                              import_timeout if is_import else timeout,
                                              "org_id" in m.input_type.fields_by_name,
                                              m.client_streaming, m.server_streaming))
            setattr(self, attribute, stub)
            self._attributes.append(attribute)

    def close(self):
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<ttpgraph.Client {self.target}: {', '.join(self._attributes)}>"


def _pem(value, what):
    if value is None or isinstance(value, bytes):
        return value
    try:
        return pathlib.Path(value).read_bytes()
    except OSError as e:
        raise ValueError(f"cannot read the {what} file {value}: {e.strerror}") from None


def _token(token, token_file):
    if token and token_file:
        raise ValueError("give token or token_file, not both")
    if not token and not token_file:
        token = os.environ.get("TTPGRAPH_TOKEN", "").strip()
        if not token:
            token_file = os.environ.get("TTPGRAPH_TOKEN_FILE") or None
    if token_file:
        try:
            token = pathlib.Path(token_file).read_text().strip()
        except OSError as e:
            raise ValueError(f"cannot read the token file {token_file}: {e.strerror}") from None
        if not token:
            raise ValueError(f"the token file {token_file} is empty")
    if token and not all(c.isprintable() and not c.isspace() for c in token):
        raise ValueError("a token is one word of printable characters (no spaces or line breaks inside)")
    return token or None


def connect(target=None, token=None, token_file=None, ca=None, cert=None, key=None, *,
            timeout=DEFAULT_TIMEOUT, import_timeout=DEFAULT_IMPORT_TIMEOUT, options=()):
    """A Client of the ttpgraphd at `target` (HOST:PORT).

    target: default $TTPGRAPH_SERVER, else 127.0.0.1:50051.
    token, token_file: a bearer token, sent as `authorization: Bearer TOKEN` on every call;
        default $TTPGRAPH_TOKEN, else the file $TTPGRAPH_TOKEN_FILE names. None: no token.
    ca: TLS with this CA certificate (a PEM file path, or the PEM bytes); without it the
        channel is plaintext. cert and key (the client's certificate and key, with ca): mutual TLS.
    timeout: the deadline of every call in seconds (default 30), overridable per call with
        timeout=; import_timeout (default 600) for the Import* methods. None: no deadline
        (for a long Health.Watch, say).
    options: more grpc channel options, e.g. [("grpc.enable_retries", 0)].

    Organization-scoped calls (requests with org_id) also send `x-ttpgraph-org: ORG_ID`,
    which a proxy in front of sharded servers routes by.
    """
    target = target or os.environ.get("TTPGRAPH_SERVER") or DEFAULT_TARGET
    token = _token(token, token_file)
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    channel_options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                       ("grpc.max_send_message_length", MAX_MESSAGE_BYTES), *options]
    if (cert is None) != (key is None):
        raise ValueError("mutual TLS needs both cert and key")
    if ca is not None:
        credentials = grpc.ssl_channel_credentials(_pem(ca, "CA certificate"), _pem(key, "client key"),
                                                   _pem(cert, "client certificate"))
        channel = grpc.secure_channel(target, credentials, channel_options)
    elif cert is not None:
        raise ValueError("cert and key are for mutual TLS: give ca too (the CA that signed the server's certificate)")
    else:
        channel = grpc.insecure_channel(target, channel_options)
    return Client(channel, target, metadata, timeout, import_timeout)
