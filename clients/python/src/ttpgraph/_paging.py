"""pages() and all_pages(): every item of a paged list, not just the first page.

Every list call of ttpgraphd answers one page: page_size items (default 100, at most 1000)
and page.next_page_token to ask for the next. GetGroupTechniques of G0016 in
enterprise-attack@18.1 answers 100 of its 249 techniques unless it is paged.
"""
from google.protobuf.descriptor import FieldDescriptor

MAX_PAGE_SIZE = 1000

# The paged list of the answers that hold several lists (the others come whole, on the
# first page or on every page; see the proto comments). An answer with one list needs no
# entry; tests/test_paging.py fails on a new answer with several lists and no entry here.
PAGED_LISTS = {
    "ttpgraph.v1.DiffReleasesResponse": "changes",
    "ttpgraph.v1.OverlapResponse": "pairs",
    "ttpgraph.v1.GapResponse": "gaps",
    "ttpgraph.v1.MigrationPlan": "detections",
    "ttpgraph.v1.DetectabilityResponse": "data_components",
    "ttpgraph.v1.ListValidatableTechniquesResponse": "techniques",
    "ttpgraph.v1.CoverageResponse": "techniques",  # not paged; to_dataframe's default
}


def list_fields(descriptor):
    """Names of the repeated message or scalar fields of a message type but `page`."""
    return [f.name for f in descriptor.fields if f.label == FieldDescriptor.LABEL_REPEATED and f.name != "page"
            and not (f.message_type and f.message_type.GetOptions().map_entry)]


def list_field(descriptor, field=None):
    """The list an answer of this type is about: `field` when given, else its only list, else
    its entry in PAGED_LISTS. TypeError when that is ambiguous or missing."""
    lists = list_fields(descriptor)
    if field is not None:
        if field not in lists:
            raise TypeError(f"{descriptor.full_name} has no list {field!r}; its lists: {', '.join(lists) or 'none'}")
        return field
    if descriptor.full_name in PAGED_LISTS:
        return PAGED_LISTS[descriptor.full_name]
    if len(lists) == 1:
        return lists[0]
    raise TypeError(f"{descriptor.full_name} holds {'no list' if not lists else 'several lists: ' + ', '.join(lists)}"
                    f"; name one with field=")


def _first_request(request):
    names = request.DESCRIPTOR.fields_by_name
    if "page_token" not in names or "page_size" not in names:
        raise TypeError(f"{request.DESCRIPTOR.full_name} is not a paged request (no page_size and page_token)")
    first = type(request)()
    first.CopyFrom(request)
    if not first.page_size:
        first.page_size = MAX_PAGE_SIZE
    return first


def _answers(method, request, kwargs):
    request = _first_request(request)
    while True:
        answer = method(request, **kwargs)
        yield answer
        if not answer.page.next_page_token:
            return
        request.page_token = answer.page.next_page_token


def pages(method, request, field=None, **kwargs):
    """Yields every item of a paged call's list, page after page. A list call answers one page
    only, 100 items unless request.page_size says otherwise (at most 1000): GetGroupTechniques
    of G0016 answers 100 of its 249 techniques. pages() asks 1000 a page unless
    request.page_size is set, and follows next_page_token to the end:

        for t in ttpgraph.pages(client.knowledge.GetGroupTechniques,
                                v1.GroupTechniquesRequest(release="enterprise-attack@18.1", group="G0016")):
            print(t.technique.attack_id)

    The list is the answer's only repeated field but `page`; for answers with several lists the
    paged one (GetGap: gaps, GetOverlap: pairs, DiffReleases: changes, ...), or `field`.
    kwargs (timeout=, metadata=) go to every call. The pages are separate calls: an import
    between two of them can shift the items.
    """
    name = None
    for answer in _answers(method, request, kwargs):
        name = name or list_field(answer.DESCRIPTOR, field)
        yield from getattr(answer, name)


def all_pages(method, request, field=None, **kwargs):
    """The whole answer of a paged call as one message (a single call answers 100 items unless
    page_size says otherwise): the first page with the paged list (see pages()) of every
    later page appended; page.total_size as the server says and
    page.next_page_token empty. The lists that come on the first page only stay as they are.
    """
    merged = None
    for answer in _answers(method, request, kwargs):
        if merged is None:
            merged, name = answer, list_field(answer.DESCRIPTOR, field)
        else:
            getattr(merged, name).extend(getattr(answer, name))
            merged.page.total_size = answer.page.total_size
    merged.page.next_page_token = ""
    return merged
