"""Upload helpers: 1 MiB chunks after a header with expected_bytes, on the real data."""
import json
import tarfile

import pytest
from conftest import ATOMIC, BUNDLE, D3FEND, DATA, SIGMA, SIGMA_SAMPLE

import ttpgraph
from ttpgraph import v1

MiB = 1 << 20


def test_release_stream(proxy, release):
    with ttpgraph.connect(proxy.target) as c:
        again = ttpgraph.import_release(c, BUNDLE)
    assert (again.outcome, again.release.name) == (v1.ImportReleaseResponse.OUTCOME_UNCHANGED, release)
    messages = [v1.ImportReleaseRequest.FromString(m) for m in proxy.only("/ImportRelease").messages]
    size = BUNDLE.stat().st_size
    assert messages[0].header == v1.ImportOptions(domain="enterprise-attack", version="18.1", expected_bytes=size)
    assert messages[0].chunk == b""
    assert [len(m.chunk) for m in messages[1:]] == [MiB] * (size // MiB) + [size % MiB]
    assert not any(m.HasField("header") for m in messages[1:])
    assert b"".join(m.chunk for m in messages) == BUNDLE.read_bytes()


def test_release_created(client, release):
    mobile = DATA / "attack" / "mobile-attack-18.1.json.gz"
    created = ttpgraph.import_release(client, mobile)
    assert (created.outcome, created.release.name, created.release.counts_by_type["attack-pattern"]) == \
        (v1.ImportReleaseResponse.OUTCOME_CREATED, "mobile-attack@18.1", 190)
    named = ttpgraph.import_release(client, str(mobile), domain="mobile-attack", version="18.1")
    assert named.outcome == v1.ImportReleaseResponse.OUTCOME_UNCHANGED


def test_d3fend_and_atomic(defense):
    d3fend, atomic = defense
    assert (d3fend.outcome, d3fend.version.version, d3fend.summary.d3fend_techniques) == \
        (v1.ImportD3fendResponse.OUTCOME_CREATED, "1.2.0", 248)
    assert (atomic.outcome, atomic.index.name, atomic.index.test_count, atomic.index.row_count,
            atomic.index.technique_count) == (v1.ImportAtomicIndexResponse.OUTCOME_CREATED, "default", 1790, 2321, 333)


def test_d3fend_and_atomic_streams(proxy, defense):
    with ttpgraph.connect(proxy.target) as c:
        assert ttpgraph.import_d3fend(c, D3FEND).outcome == v1.ImportD3fendResponse.OUTCOME_UNCHANGED
        assert ttpgraph.import_atomic(c, ATOMIC).outcome == v1.ImportAtomicIndexResponse.OUTCOME_UNCHANGED
    d3fend = [v1.ImportD3fendRequest.FromString(m) for m in proxy.only("/ImportD3fend").messages]
    assert d3fend[0].header == v1.D3fendImportOptions(version="1.2.0", source_name="d3fend-protege-1.2.0.ttl.gz",
                                                      expected_bytes=D3FEND.stat().st_size)
    assert b"".join(m.chunk for m in d3fend[1:]) == D3FEND.read_bytes()
    atomic = [v1.ImportAtomicIndexRequest.FromString(m) for m in proxy.only("/ImportAtomicIndex").messages]
    assert atomic[0].header == v1.AtomicImportOptions(source_name="index.csv", expected_bytes=ATOMIC.stat().st_size)
    assert b"".join(m.chunk for m in atomic[1:]) == ATOMIC.read_bytes()


def test_d3fend_version_needed():
    with pytest.raises(ValueError, match="give version= \\(it cannot be read from the file name 'index.csv'\\)"):
        ttpgraph.import_d3fend(None, ATOMIC)


def test_sigma_archive(acme):
    org, report = acme
    with tarfile.open(SIGMA) as tar:
        files = [m.name for m in tar.getmembers() if m.isfile()]
    yaml = [f for f in files if f.endswith((".yml", ".yaml"))]
    # The archive and each YAML member in it are read; the other members are skipped.
    assert (report.files_read, report.files_skipped) == (1 + len(yaml), len(files) - len(yaml))
    assert (report.created, report.updated, report.release) == (len(report.rules), 0, "enterprise-attack@18.1")
    folders = {}
    for rule in report.rules:
        folder = rule.path.split(":", 1)[1].split("/", 1)[0]
        folders[folder] = folders.get(folder, 0) + 1
    # As tests/e2e/org_sigma_test.sh counts them through ttpctl.
    assert (folders["rules"], folders["rules-emerging-threats"], folders["rules-threat-hunting"],
            folders["deprecated"]) == (3132, 457, 139, 167)


def test_sigma_archive_stream(proxy, acme):
    with ttpgraph.connect(proxy.target) as c:
        again = ttpgraph.import_detections(c, "acme", SIGMA, dry_run=True)
    assert (again.dry_run, again.created, again.updated, again.unchanged) == (True, 0, 0, len(acme[1].rules))
    messages = [v1.ImportDetectionsRequest.FromString(m) for m in proxy.only("/ImportDetections").messages]
    assert messages[0] == v1.ImportDetectionsRequest(org_id="acme", header=v1.ImportDetectionsHeader(dry_run=True))
    size = SIGMA.stat().st_size
    assert [(m.org_id, m.file.path, len(m.file.content)) for m in messages[1:]] == \
        [("acme", str(SIGMA), MiB), ("acme", str(SIGMA), size - MiB)]


def test_directories_and_several_paths(client, release):
    client.org.CreateOrganization(v1.CreateOrganizationRequest(org_id="sample", release=release))
    rule = SIGMA_SAMPLE / "rules" / "windows" / "process_creation" / "proc_creation_win_powershell_frombase64string.yml"
    report = ttpgraph.import_detections(client, "sample", [SIGMA_SAMPLE / "rules", SIGMA_SAMPLE / "deprecated"])
    files = sorted(p for d in ("rules", "deprecated") for p in (SIGMA_SAMPLE / d).rglob("*") if p.is_file())
    assert report.files_read == len(files)
    assert sorted({r.path.rsplit(":", 1)[0] for r in report.rules}) == sorted(map(str, files))
    assert report.created == len(report.rules)
    again = ttpgraph.import_detections(client, "sample", rule, format="sigma")
    assert (again.files_read, again.unchanged, again.created) == (1, 1, 0)


def test_navigator_layer(client, release):
    layer = DATA / "navigator" / "atomic-red-team" / "art-navigator-layer.json"
    client.org.CreateOrganization(v1.CreateOrganizationRequest(org_id="layer", release=release))
    scores = [t["score"] for t in json.loads(layer.read_text())["techniques"]]
    report = ttpgraph.import_detections(client, "layer", layer, format="layer", dry_run=True)
    assert (report.dry_run, report.files_read, report.created) == (True, 1, len([s for s in scores if s > 0]))
    above = ttpgraph.import_detections(client, "layer", layer, format=v1.IMPORT_FORMAT_NAVIGATOR_LAYER, dry_run=True,
                                       layer_score_threshold=2)
    assert above.created == len([s for s in scores if s > 2])
    assert client.org.GetOrganization(v1.GetOrganizationRequest(org_id="layer")).detection_count == 0


def test_local_mistakes_are_caught_before_any_call(proxy, tmp_path):
    (tmp_path / "empty").mkdir()
    with ttpgraph.connect(proxy.target) as c:
        with pytest.raises(FileNotFoundError, match="no such file or directory: /nonexistent/rules"):
            ttpgraph.import_detections(c, "acme", [SIGMA_SAMPLE, "/nonexistent/rules"])
        with pytest.raises(ValueError, match=f"no file to import under {tmp_path}/empty"):
            ttpgraph.import_detections(c, "acme", tmp_path / "empty")
        with pytest.raises(ValueError, match="unknown detection format 'yaml' \\(sigma, navigator_layer or layer"):
            ttpgraph.import_detections(c, "acme", SIGMA_SAMPLE, format="yaml")
        with pytest.raises(FileNotFoundError):
            ttpgraph.import_release(c, tmp_path / "enterprise-attack-18.1.json.gz")
    assert proxy.calls == []
