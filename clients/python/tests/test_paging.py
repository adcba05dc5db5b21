"""pages() and all_pages(): every item, equal to one big page, on the real 18.1 data."""
import pytest

import ttpgraph
from ttpgraph import _client, _paging, v1

G0016 = v1.GroupTechniquesRequest(release="enterprise-attack@18.1", group="G0016")


def test_a_list_call_answers_100_items_unless_paged(client, release):
    first = client.knowledge.GetGroupTechniques(G0016)
    assert (len(first.techniques), first.page.total_size) == (100, 249)
    assert first.page.next_page_token
    every = list(ttpgraph.pages(client.knowledge.GetGroupTechniques, G0016))
    assert len(every) == 249
    assert [t.technique.attack_id for t in every[:100]] == [t.technique.attack_id for t in first.techniques]
    assert len({t.technique.attack_id for t in every}) == 249


def test_pages_asks_1000_a_page_unless_told(proxy, release):
    with ttpgraph.connect(proxy.target) as c:
        assert len(list(ttpgraph.pages(c.knowledge.GetGroupTechniques, G0016))) == 249
        small = v1.GroupTechniquesRequest()
        small.CopyFrom(G0016)
        small.page_size = 50
        assert len(list(ttpgraph.pages(c.knowledge.GetGroupTechniques, small))) == 249
    sent = [v1.GroupTechniquesRequest.FromString(call.messages[0]) for call in proxy.calls]
    assert [(r.page_size, bool(r.page_token)) for r in sent] == [(1000, False)] + [(50, False)] + [(50, True)] * 4
    assert small.page_size == 50 and not small.page_token  # the caller's request is left alone


def _paged_calls(client, release, org):
    k, a, o, d = client.knowledge, client.analysis, client.org, client.defense
    groups = v1.ThreatSelection(groups=v1.GroupIdList(ids=["G0016", "G0007", "G0032"]))
    return {
        "GetGroupTechniques": (k.GetGroupTechniques, G0016),
        "ListTechniques": (k.ListTechniques, v1.ListTechniquesRequest(release=release)),
        "SearchObjects": (k.SearchObjects, v1.SearchObjectsRequest(release=release, query="apt")),
        "GetTechniqueUsers": (k.GetTechniqueUsers, v1.TechniqueUsersRequest(release=release, technique="T1059")),
        "GetProcedureExamples": (k.GetProcedureExamples, v1.TechniqueRequest(release=release, technique="T1059.001")),
        "GetDetectability": (k.GetDetectability, v1.TechniqueRequest(release=release, technique="T1059.001")),
        "GetOverlap": (a.GetOverlap, v1.OverlapRequest(release=release, threat=v1.ThreatSelection(groups=v1.GroupIdList(ids=["G0016", "G0007", "G0032", "G0050"])))),
        "GetGap": (a.GetGap, v1.GapRequest(org_id=org, release=release, threat=groups)),
        "ListDetections": (o.ListDetections, v1.ListDetectionsRequest(org_id=org, technique="T1059.001")),
        "GetD3fendTree": (d.GetD3fendTree, v1.GetD3fendTreeRequest()),
        "GetCountermeasures": (d.GetCountermeasures, v1.GetCountermeasuresRequest(technique="T1059")),
        "ListValidatableTechniques": (d.ListValidatableTechniques, v1.ListValidatableTechniquesRequest(
            techniques=["T1059.001", "T1003", "T1566.001", "T9999", "T1055"])),
    }


@pytest.mark.parametrize("name", ["GetGroupTechniques", "ListTechniques", "SearchObjects", "GetTechniqueUsers",
                                  "GetProcedureExamples", "GetDetectability", "GetOverlap", "GetGap",
                                  "ListDetections", "GetD3fendTree", "GetCountermeasures",
                                  "ListValidatableTechniques"])
def test_small_pages_equal_one_big_page(client, release, defense, acme, name):
    method, request = _paged_calls(client, release, acme[0])[name]
    big_request = type(request)()
    big_request.CopyFrom(request)
    big_request.page_size = 1000
    big = method(big_request)
    assert not big.page.next_page_token and big.page.total_size <= 1000
    small_request = type(request)()
    small_request.CopyFrom(request)
    small_request.page_size = -(-big.page.total_size // 4)  # four pages
    field = _paging.list_field(big.DESCRIPTOR)
    assert len(getattr(big, field)) == big.page.total_size > small_request.page_size
    assert ttpgraph.all_pages(method, small_request) == big
    assert list(ttpgraph.pages(method, small_request)) == list(getattr(big, field))


def test_every_paged_answer_has_one_paged_list():
    """A new answer with several lists needs its paged one in _paging.PAGED_LISTS."""
    paged = set()
    for _, service, _ in _client.services():
        for m in service.methods:
            if "page" in m.output_type.fields_by_name:
                paged.add(m.name)
                assert {"page_size", "page_token"} <= set(m.input_type.fields_by_name), m.full_name
                assert _paging.list_field(m.output_type) in _paging.list_fields(m.output_type), m.full_name
    assert {"GetGroupTechniques", "GetGap", "GetOverlap", "DiffReleases", "PlanMigration", "GetDetectability",
            "ListDetections", "ListValidatableTechniques", "ListReleases"} <= paged


def test_list_field_errors():
    with pytest.raises(TypeError, match="ttpgraph.v1.GapResponse has no list 'gap'; its lists: groups, gaps, "
                                        "recommendations"):
        _paging.list_field(v1.GapResponse.DESCRIPTOR, "gap")
    with pytest.raises(TypeError, match="ttpgraph.v1.ObjectDelta holds several lists: gained, lost; name one with "
                                        "field="):
        _paging.list_field(v1.ObjectDelta.DESCRIPTOR)
    with pytest.raises(TypeError, match="ttpgraph.v1.Release holds no list; name one with field="):
        _paging.list_field(v1.Release.DESCRIPTOR)
    assert _paging.list_field(v1.ObjectDelta.DESCRIPTOR, "lost") == "lost"


def test_pages_of_an_unpaged_call(client, release):
    with pytest.raises(TypeError, match="ttpgraph.v1.GetObjectRequest is not a paged request"):
        list(ttpgraph.pages(client.knowledge.GetObject, v1.GetObjectRequest(release=release, id="T1059")))
