"""Fixtures: one real ttpgraphd per test session ($TTPGRAPHD, as ctest sets it for every test),
on a port it picks itself, with its data in a temporary directory; enterprise-attack 18.1,
D3FEND 1.2.0 and the Atomic index imported once; organization "acme" with the SigmaHQ rules."""
import os
import pathlib

import pytest
from daemon import Daemon
from proxy import RecordingProxy, make_certificates

import ttpgraph
from ttpgraph import v1

SOURCE = pathlib.Path(__file__).resolve().parents[3]
DATA = pathlib.Path(os.environ.get("TTPGRAPH_SHARED_DATA", SOURCE.parent / "shared" / "data"))
BUNDLE = DATA / "attack" / "enterprise-attack-18.1.json.gz"
SIGMA = DATA / "sigma" / "sigma-rules.tar.gz"
SIGMA_SAMPLE = DATA / "sigma" / "sample"  # 22 rules in 5 folders
D3FEND = DATA / "d3fend" / "d3fend-protege-1.2.0.ttl.gz"
ATOMIC = DATA / "atomic" / "index.csv"
RELEASE = "enterprise-attack@18.1"
ORG = "acme"


@pytest.fixture(scope="session")
def daemon(tmp_path_factory):
    binary = os.environ.get("TTPGRAPHD")
    if not binary:
        pytest.fail("set TTPGRAPHD to the ttpgraphd binary (ctest does)")
    d = Daemon(binary, tmp_path_factory.mktemp("ttpgraphd"))
    yield d
    d.stop()


@pytest.fixture(scope="session")
def client(daemon):
    with ttpgraph.connect(daemon.target, token_file=daemon.token_file) as c:
        yield c


@pytest.fixture(scope="session")
def release(client):
    """enterprise-attack@18.1, imported through the upload helper."""
    answer = ttpgraph.import_release(client, BUNDLE)
    assert answer.outcome == v1.ImportReleaseResponse.OUTCOME_CREATED
    return RELEASE


@pytest.fixture(scope="session")
def defense(client, release):
    """D3FEND 1.2.0 and the default Atomic index, imported through the upload helpers."""
    return ttpgraph.import_d3fend(client, D3FEND), ttpgraph.import_atomic(client, ATOMIC)


@pytest.fixture(scope="session")
def acme(client, release):
    """Organization acme on 18.1 with every rule of sigma-rules.tar.gz and the telemetry
    inferred from their logsources."""
    client.org.CreateOrganization(v1.CreateOrganizationRequest(org_id=ORG, release=RELEASE))
    report = ttpgraph.import_detections(client, ORG, SIGMA)
    client.org.InferInventory(v1.InferInventoryRequest(org_id=ORG))
    return ORG, report


@pytest.fixture(scope="session")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("pki"))


@pytest.fixture()
def proxy(daemon):
    """A plaintext proxy in front of the daemon that records what each call carried."""
    p = RecordingProxy(daemon.target, token=daemon.token())
    yield p
    p.stop()
