"""examples/seed_workflow.py against the real data, as a user runs it."""
import json
import os
import pathlib
import subprocess
import sys

from conftest import DATA

import ttpgraph
from ttpgraph import v1

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "seed_workflow.py"


def run(daemon, layer):
    return subprocess.run([sys.executable, str(EXAMPLE), "--server", daemon.target, "--data", str(DATA),
                           "--org", "seed", "--groups", "G0016,G0007,G0032", "--layer", str(layer)],
                          capture_output=True, text=True, check=True, timeout=300,
                          env={**os.environ, "TTPGRAPH_TOKEN_FILE": str(daemon.token_file)}).stdout


def test_seed_workflow(daemon, client, release, tmp_path):
    out = run(daemon, tmp_path / "gap-layer.json").splitlines()
    assert out[0].startswith("seed: 3984 Sigma rules against enterprise-attack@18.1 (3984 new, 256 disabled")
    assert out[1] == "telemetry inferred from the rules' logsources: 43 inventory entries"
    assert out[3].split() == ["tactic", "techniques", "detected", "logged", "blind"]
    assert out[4].split() == ["Reconnaissance", "45", "12", "6", "27"]
    assert out[18].split() == ["all", "691", "397", "236", "58"]
    assert out[20] == ("G0007 APT28, G0016 APT29, G0032 Lazarus Group: 336 techniques used, 250 detected, "
                       "71 logged gaps, 15 blind gaps")
    assert out[21].split()[:2] == ["1.", "T1573.001"]
    assert out[-1] == f"wrote {tmp_path / 'gap-layer.json'} (86 techniques)"

    layer = json.loads((tmp_path / "gap-layer.json").read_text())
    assert (layer["versions"]["layer"], layer["domain"]) == ("4.5", "enterprise-attack")
    gap = ttpgraph.all_pages(client.analysis.GetGap, v1.GapRequest(
        org_id="seed", threat=v1.ThreatSelection(groups=v1.GroupIdList(ids=["G0016", "G0007", "G0032"]))))
    assert sorted(t["techniqueID"] for t in layer["techniques"]) == sorted(g.technique.attack_id for g in gap.gaps)

    again = run(daemon, tmp_path / "again.json").splitlines()  # a second run changes nothing
    assert again[0].startswith("seed: 3984 Sigma rules against enterprise-attack@18.1 (0 new,")
    assert (tmp_path / "again.json").read_text() == (tmp_path / "gap-layer.json").read_text()
