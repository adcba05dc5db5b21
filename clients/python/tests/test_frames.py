"""to_dataframe() for coverage, gap and overlap answers, with pandas and without it."""
import subprocess
import sys

import pytest

import ttpgraph
from ttpgraph import v1


THREE = v1.ThreatSelection(groups=v1.GroupIdList(ids=["G0016", "G0007", "G0032"]))


def test_coverage(client, acme):
    coverage = client.org.GetCoverage(v1.CoverageRequest(org_id=acme[0]))
    techniques = ttpgraph.to_dataframe(coverage)
    assert list(techniques.columns) == [f.name for f in v1.TechniqueCoverage.DESCRIPTOR.fields]
    assert len(techniques) == coverage.total == 691
    assert techniques["status"].value_counts().to_dict() == {"DETECTED": 397, "LOGGED": 236, "BLIND": 58}
    t1059 = techniques.set_index("attack_id").loc["T1059.001"]
    assert (t1059["name"], t1059["status"], t1059["score"], t1059["tactics"]) == \
        ("PowerShell", "DETECTED", 100, ["execution"])
    tactics = ttpgraph.to_dataframe(coverage, "tactics")
    assert list(tactics["shortname"])[:3] == ["reconnaissance", "resource-development", "initial-access"]
    assert tactics["detected"].tolist() == [t.detected for t in coverage.tactics]


def test_gap(client, acme):
    gap = ttpgraph.all_pages(client.analysis.GetGap, v1.GapRequest(org_id=acme[0], threat=THREE))
    frame = ttpgraph.to_dataframe(gap)
    assert len(frame) == gap.logged + gap.blind == len(gap.gaps) == 71 + 15
    assert frame["rank"].tolist() == list(range(1, len(gap.gaps) + 1))
    assert frame["technique"].tolist() == [g.technique.attack_id for g in gap.gaps]
    assert frame["technique_name"].tolist() == [g.technique.name for g in gap.gaps]
    assert set(frame["status"]) == {"LOGGED", "BLIND"}
    assert frame["groups"][0] == [g.attack_id for g in gap.gaps[0].groups]
    recommendations = ttpgraph.to_dataframe(gap, "recommendations")
    assert list(recommendations.columns) == ["data_component", "data_component_name", "gaps_added", "cumulative"]


def test_overlap(client, release):
    overlap = ttpgraph.all_pages(client.analysis.GetOverlap,
                                 v1.OverlapRequest(release=release, threat=v1.ThreatSelection(groups=v1.GroupIdList(ids=["G0016", "G0007", "G0032"]))))
    frame = ttpgraph.to_dataframe(overlap)
    assert list(frame.columns) == ["a", "a_name", "b", "b_name", "shared", "only_a", "only_b", "jaccard"]
    assert list(zip(frame["a"], frame["b"])) == [("G0007", "G0016"), ("G0007", "G0032"), ("G0016", "G0032")]
    assert frame["jaccard"].tolist() == [p.jaccard for p in overlap.pairs]
    similar = ttpgraph.to_dataframe(client.analysis.GetSimilarGroups(
        v1.SimilarGroupsRequest(release=release, group="G0016", k=5)))
    assert (len(similar), list(similar.columns)) == (5, ["group", "group_name", "shared", "only_target",
                                                         "only_other", "jaccard"])


def test_empty_list_keeps_its_columns():
    frame = ttpgraph.to_dataframe(v1.GapResponse())
    assert len(frame) == 0
    assert list(frame.columns)[:4] == ["rank", "technique", "technique_name", "status"]


def test_without_pandas(monkeypatch, acme):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match="ttpgraph.to_dataframe needs pandas \\(Debian: apt-get install "
                                          "python3-pandas"):
        ttpgraph.to_dataframe(v1.GapResponse())


def test_importing_ttpgraph_does_not_load_pandas():
    code = "import sys, ttpgraph; ttpgraph.connect('127.0.0.1:1').close(); print('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
