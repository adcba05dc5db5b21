#!/usr/bin/env python3
"""Seed an organization and find what to work on: import ATT&CK 18.1 and the SigmaHQ rules,
coverage by tactic, the gaps against chosen groups, and their ATT&CK Navigator layer.

    python3 seed_workflow.py --data ../shared/data --groups G0016,G0007 --layer gap-layer.json
"""
import argparse
import pathlib

import ttpgraph
from ttpgraph import v1

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--server", help="HOST:PORT of ttpgraphd (default $TTPGRAPH_SERVER, else 127.0.0.1:50051)")
parser.add_argument("--data", type=pathlib.Path, default="../shared/data", help="the shared ATT&CK and Sigma data")
parser.add_argument("--org", default="acme")
parser.add_argument("--groups", default="G0016,G0007,G0032", help="ATT&CK group IDs, comma-separated")
parser.add_argument("--layer", type=pathlib.Path, default="gap-layer.json", help="where the gap layer goes")
args = parser.parse_args()

with ttpgraph.connect(args.server) as client:
    # 1. The release (a no-op when it is already there) and the organization's Sigma rules.
    release = ttpgraph.import_release(client, args.data / "attack" / "enterprise-attack-18.1.json.gz").release.name
    try:
        client.org.CreateOrganization(v1.CreateOrganizationRequest(org_id=args.org, release=release))
    except ttpgraph.Error as e:
        if e.code != ttpgraph.StatusCode.ALREADY_EXISTS:
            raise
    rules = ttpgraph.import_detections(client, args.org, args.data / "sigma" / "sigma-rules.tar.gz")
    print(f"{args.org}: {len(rules.rules)} Sigma rules against {rules.release} "
          f"({rules.created} new, {rules.disabled} disabled, {rules.with_unresolved} with unknown techniques)")
    inferred = client.org.InferInventory(v1.InferInventoryRequest(org_id=args.org))
    print(f"telemetry inferred from the rules' logsources: {len(inferred.inventory.entries)} inventory entries")

    # 2. Coverage by tactic.
    coverage = client.org.GetCoverage(v1.CoverageRequest(org_id=args.org, omit_techniques=True))
    print(f"\n{'tactic':<24}{'techniques':>11}{'detected':>10}{'logged':>8}{'blind':>7}")
    for t in coverage.tactics:
        print(f"{t.name:<24}{t.techniques:>11}{t.detected:>10}{t.logged:>8}{t.blind:>7}")
    print(f"{'all':<24}{coverage.total:>11}{coverage.detected:>10}{coverage.logged:>8}{coverage.blind:>7}")

    # 3. The gaps against the chosen groups: every page, ranked by how many of them use each.
    threat = v1.ThreatSelection(groups=v1.GroupIdList(ids=args.groups.split(",")))
    gap_request = v1.GapRequest(org_id=args.org, threat=threat)
    gap = ttpgraph.all_pages(client.analysis.GetGap, gap_request)
    print(f"\n{', '.join(f'{g.attack_id} {g.name}' for g in gap.groups)}: {gap.techniques_used} techniques used, "
          f"{gap.detected} detected, {gap.logged} logged gaps, {gap.blind} blind gaps")
    for g in gap.gaps[:10]:
        print(f"  {g.rank:>3}. {g.technique.attack_id:<10} {g.technique.name:<48} "
              f"{v1.CoverageStatus.Name(g.status):<7} used by {len(g.groups)}")
    for r in gap.recommendations[:3]:
        print(f"  collect {r.data_component.attack_id} {r.data_component.name}: +{r.gaps_added} gaps become logged")

    # 4. The gaps as an ATT&CK Navigator layer.
    layer = client.analysis.GetGapLayer(gap_request)
    args.layer.write_text(layer.layer_json)
    print(f"\nwrote {args.layer} ({layer.technique_entries} techniques)")
