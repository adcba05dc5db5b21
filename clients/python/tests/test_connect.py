"""connect(): every service reachable, the token, org routing metadata, deadlines, TLS."""
import json

import grpc
import pytest

from conftest import SIGMA_SAMPLE
from proxy import RecordingProxy

import ttpgraph
from ttpgraph import _client, v1
from ttpgraph._health.v1 import health_pb2


def test_attributes_are_derived_from_the_generated_services(client):
    import ttpgraph.v1.analysis_service_pb2 as a
    import ttpgraph.v1.audit_service_pb2 as au
    import ttpgraph.v1.backup_service_pb2 as b
    import ttpgraph.v1.d3fend_service_pb2 as d
    import ttpgraph.v1.extension_service_pb2 as e
    import ttpgraph.v1.knowledge_service_pb2 as k
    import ttpgraph.v1.org_service_pb2 as o
    import ttpgraph.v1.release_service_pb2 as r
    import ttpgraph.v1.report_service_pb2 as rp
    import ttpgraph.v1.token_service_pb2 as t
    generated = {n for m in (a, au, b, d, e, k, o, r, rp, t, health_pb2) for n in m.DESCRIPTOR.services_by_name}
    assert generated == {"AnalysisService", "AuditService", "BackupService", "DefenseService", "ExtensionService",
                         "KnowledgeService", "OrgService", "ReleaseService", "ReportService", "TokenService", "Health"}
    assert [s[0] for s in _client.services()] == ["analysis", "audit", "backup", "defense", "extension", "health",
                                                  "knowledge", "org", "release", "report", "token"]
    assert type(client.knowledge).__name__ == "KnowledgeServiceStub"
    assert type(client.health).__name__ == "HealthStub"
    for attribute, service, _ in _client.services():
        stub = getattr(client, attribute)
        for m in service.methods:
            assert getattr(stub, m.name).name == f"{service.name}.{m.name}"


@pytest.mark.parametrize("service, attribute", [
    ("KnowledgeService", "knowledge"), ("AuditLogService", "audit_log"), ("TokenService", "token"),
    ("Health", "health"), ("D3fendService", "d3fend"), ("ExtensionService", "extension")])
def test_attribute_name(service, attribute):
    assert _client.attribute_name(service) == attribute


def test_every_service_answers_through_connect(client, release, defense, acme):
    assert client.health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    releases = client.release.ListReleases(v1.ListReleasesRequest(domain="enterprise-attack"))
    assert [r.name for r in releases.releases] == [release]
    group = client.knowledge.GetGroupTechniques(v1.GroupTechniquesRequest(release=release, group="G0016"))
    assert (group.group.attack_id, group.group.name, group.page.total_size) == ("G0016", "APT29", 249)
    org = client.org.GetOrganization(v1.GetOrganizationRequest(org_id="acme"))
    assert (org.org_id, org.release, org.detection_count) == ("acme", release, len(acme[1].rules))
    similar = client.analysis.GetSimilarGroups(v1.SimilarGroupsRequest(release=release, group="G0016", k=3))
    assert (similar.group.attack_id, len(similar.similar)) == ("G0016", 3)
    versions = client.defense.ListD3fendVersions(v1.ListD3fendVersionsRequest())
    assert [v.version for v in versions.versions] == ["1.2.0"]
    chunks = list(client.report.GetCoverageReport(v1.CoverageReportRequest(
        org_id="acme", threat=v1.ThreatSelection(all_groups=True), format=v1.REPORT_FORMAT_JSON)))
    document = json.loads(b"".join(c.data for c in chunks))
    assert (chunks[0].metadata.total_bytes, chunks[0].metadata.content_type) == (
        sum(len(c.data) for c in chunks), "application/json")
    assert (document["header"]["organization_id"], document["header"]["release"]) == ("acme", release)
    assert document["header"]["rules_enabled"] + document["header"]["rules_disabled"] + \
        document["header"]["rules_testing"] == org.detection_count


def test_token_and_org_metadata_on_every_call(proxy, release):
    with ttpgraph.connect(proxy.target, token="s3cret") as c:
        c.knowledge.GetObject(v1.GetObjectRequest(release=release, id="T1059"))
        c.org.ListDetections(v1.ListDetectionsRequest(org_id="acme", page_size=1))
        c.org.ListOrganizations(v1.ListOrganizationsRequest())  # org_id empty: no routing key
        c.knowledge.GetObject(v1.GetObjectRequest(release=release, id="T1059"), metadata=[("x-trace", "7")])
    sent = [[(k, v) for k, v in call.metadata if k in ("authorization", "x-ttpgraph-org", "x-trace")]
            for call in proxy.calls]
    assert sent == [
        [("authorization", "Bearer s3cret")],
        [("authorization", "Bearer s3cret"), ("x-ttpgraph-org", "acme")],
        [("authorization", "Bearer s3cret")],
        [("authorization", "Bearer s3cret"), ("x-trace", "7")],
    ]


def test_org_metadata_on_a_streamed_import(proxy, acme):
    with ttpgraph.connect(proxy.target) as c:
        report = ttpgraph.import_detections(c, "acme", SIGMA_SAMPLE, dry_run=True)
    assert (report.dry_run, report.files_read, report.created) == (True, 22, 0)
    call = proxy.only("/ImportDetections")
    assert [(k, v) for k, v in call.metadata if k.startswith("x-ttpgraph")] == [("x-ttpgraph-org", "acme")]
    assert not any(k == "authorization" for k, _ in call.metadata)


def test_environment(proxy, monkeypatch, tmp_path, release):
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    monkeypatch.setenv("TTPGRAPH_SERVER", proxy.target)
    monkeypatch.setenv("TTPGRAPH_TOKEN_FILE", str(token_file))
    monkeypatch.delenv("TTPGRAPH_TOKEN", raising=False)
    request = v1.ListTacticsRequest(release=release)
    with ttpgraph.connect() as c:
        assert c.target == proxy.target
        c.knowledge.ListTactics(request)
    monkeypatch.setenv("TTPGRAPH_TOKEN", "from-env")  # $TTPGRAPH_TOKEN before $TTPGRAPH_TOKEN_FILE
    with ttpgraph.connect() as c:
        c.knowledge.ListTactics(request)
    with ttpgraph.connect(token_file=token_file) as c:  # arguments before the environment
        c.knowledge.ListTactics(request)
    tokens = [[v for k, v in call.metadata if k == "authorization"] for call in proxy.calls]
    assert tokens == [["Bearer from-file"], ["Bearer from-env"], ["Bearer from-file"]]


def test_default_target(monkeypatch):
    monkeypatch.delenv("TTPGRAPH_SERVER", raising=False)
    with ttpgraph.connect() as c:
        assert c.target == "127.0.0.1:50051"


@pytest.mark.parametrize("kwargs, message", [
    ({"token": "a", "token_file": "/etc/hostname"}, "give token or token_file, not both"),
    ({"token": "two words"}, "a token is one word of printable characters"),
    ({"token_file": "/nonexistent/token"}, "cannot read the token file /nonexistent/token: No such file or directory"),
    ({"cert": "client.pem"}, "mutual TLS needs both cert and key"),
    ({"cert": "client.pem", "key": "client.key"}, "cert and key are for mutual TLS: give ca too"),
    ({"ca": "/nonexistent/ca.pem"}, "cannot read the CA certificate file /nonexistent/ca.pem"),
])
def test_bad_options_are_refused_before_any_call(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ttpgraph.connect("127.0.0.1:1", **kwargs)


def test_empty_token_file(tmp_path):
    (tmp_path / "token").write_text("\n")
    with pytest.raises(ValueError, match=f"the token file {tmp_path}/token is empty"):
        ttpgraph.connect("127.0.0.1:1", token_file=tmp_path / "token")


def test_deadlines(proxy, release):
    request = v1.ListTacticsRequest(release=release)
    with ttpgraph.connect(proxy.target) as c:
        c.knowledge.ListTactics(request)  # the default: 30 s
        c.knowledge.ListTactics(request, timeout=5)
        c.knowledge.ListTactics(request, timeout=None)
    with ttpgraph.connect(proxy.target, timeout=12) as c:
        c.knowledge.ListTactics(request)
    remaining = [call.time_remaining for call in proxy.calls]
    assert remaining == [pytest.approx(30, abs=2), pytest.approx(5, abs=2), None, pytest.approx(12, abs=2)]


def test_imports_get_the_import_deadline(proxy, release):
    with ttpgraph.connect(proxy.target) as c, pytest.raises(ttpgraph.Error):
        c.release.ImportReleaseFrom(v1.ImportReleaseFromRequest(path="/nonexistent/bundle.json"))
    assert proxy.only("/ImportReleaseFrom").time_remaining == pytest.approx(600, abs=5)


def test_tls(daemon, certificates, release):
    credentials = grpc.ssl_server_credentials([(certificates["server-key"].read_bytes(),
                                                certificates["server"].read_bytes())])
    p = RecordingProxy(daemon.target, credentials, token=daemon.token())
    try:
        with ttpgraph.connect(p.target, ca=certificates["ca"], token="t") as c:
            assert len(c.knowledge.ListTactics(v1.ListTacticsRequest(release=release)).objects) == 14
        with ttpgraph.connect(p.target, ca=certificates["ca"].read_bytes()) as c:  # PEM bytes work too
            assert c.health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
        with ttpgraph.connect(p.target, ca=certificates["other-ca"], timeout=5) as c:
            with pytest.raises(ttpgraph.Error) as e:
                c.health.Check(health_pb2.HealthCheckRequest())
            assert e.value.code == grpc.StatusCode.UNAVAILABLE
        with ttpgraph.connect(p.target.replace("localhost", "127.0.0.1"), ca=certificates["ca"]) as c:
            c.health.Check(health_pb2.HealthCheckRequest())  # the certificate names 127.0.0.1 too
    finally:
        p.stop()


def test_mutual_tls(daemon, certificates, release):
    credentials = grpc.ssl_server_credentials([(certificates["server-key"].read_bytes(),
                                                certificates["server"].read_bytes())],
                                              root_certificates=certificates["ca"].read_bytes(),
                                              require_client_auth=True)
    p = RecordingProxy(daemon.target, credentials, token=daemon.token())
    try:
        with ttpgraph.connect(p.target, ca=certificates["ca"], cert=certificates["client"],
                              key=certificates["client-key"]) as c:
            assert c.health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
        with ttpgraph.connect(p.target, ca=certificates["ca"], timeout=5) as c:
            with pytest.raises(ttpgraph.Error) as e:
                c.health.Check(health_pb2.HealthCheckRequest())
            assert e.value.code == grpc.StatusCode.UNAVAILABLE
    finally:
        p.stop()


def test_future_and_with_call(client, release):
    request = v1.GetObjectRequest(release=release, id="T1059.001")
    f = client.knowledge.GetObject.future(request)
    assert f.result().object.name == "PowerShell"
    answer, call = client.knowledge.GetObject.with_call(request)
    assert (answer.object.attack_id, call.code()) == ("T1059.001", grpc.StatusCode.OK)


def test_tls_and_token_against_a_real_ttpgraphd(certificates, tmp_path):
    """ttpgraphd itself serving mutual TLS: the token and the client certificate are both needed."""
    import os
    from daemon import Daemon
    d = Daemon(os.environ["TTPGRAPHD"], tmp_path, args=[
        "--tls-cert", certificates["server"], "--tls-key", certificates["server-key"], "--client-ca", certificates["ca"]])
    try:
        target = d.target.replace("127.0.0.1", "localhost")
        tls = dict(ca=certificates["ca"], cert=certificates["client"], key=certificates["client-key"], timeout=10)
        with ttpgraph.connect(target, token_file=d.token_file, **tls) as c:
            assert list(c.release.ListReleases(v1.ListReleasesRequest()).releases) == []
        with ttpgraph.connect(target, token="ttpg_" + "0" * 16 + "_" + "0" * 64, **tls) as c, \
                pytest.raises(ttpgraph.Error) as e:
            c.release.ListReleases(v1.ListReleasesRequest())
        assert e.value.code == grpc.StatusCode.UNAUTHENTICATED and "unknown or revoked token" in e.value.message
        with ttpgraph.connect(target, token_file=d.token_file, ca=certificates["ca"], timeout=10) as c, \
                pytest.raises(ttpgraph.Error) as e:
            c.release.ListReleases(v1.ListReleasesRequest())  # no client certificate
        assert e.value.code == grpc.StatusCode.UNAVAILABLE
    finally:
        d.stop()
