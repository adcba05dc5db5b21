"""The compiled message classes (ttpgraph/_native.py): loaded in the test venv, and an answer
parses to the same message with and without them."""
import os
import pathlib
import subprocess
import sys

import ttpgraph
from ttpgraph import v1

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from protos_digest import protos_digest  # noqa: E402

PARSE = """
import sys, ttpgraph
from ttpgraph import v1
from google.protobuf import text_format
m = v1.GroupTechniquesResponse()
m.ParseFromString(sys.stdin.buffer.read())
print(ttpgraph.compiled_messages)
print(text_format.MessageToString(m))
"""


def parse_in_child(encoded, cpp_protos):
    env = dict(os.environ, TTPGRAPH_CPP_PROTOS=cpp_protos)
    out = subprocess.run([sys.executable, "-c", PARSE], input=encoded, env=env, capture_output=True, check=True)
    status, _, text = out.stdout.decode().partition("\n")
    return status, text


def test_loaded_in_the_test_venv():
    # run.sh installs the CMake build's library: its digest must be the one of proto/ here.
    assert ttpgraph.compiled_messages == "on"
    prebuilt = pathlib.Path(os.environ["TTPGRAPH_CPP_PROTOS_LIB"])
    stamp = prebuilt.with_suffix(".protos-sha256")
    assert stamp.read_text().strip() == protos_digest(HERE.parents[2] / "proto")


def test_same_message_with_and_without(client, release):
    answer = client.knowledge.GetGroupTechniques(
        v1.GroupTechniquesRequest(release=release, group="G0016", view=v1.OBJECT_VIEW_FULL))
    encoded = answer.SerializeToString()
    on_status, on_text = parse_in_child(encoded, "1")
    off_status, off_text = parse_in_child(encoded, "0")
    assert (on_status, off_status) == ("on", "off: TTPGRAPH_CPP_PROTOS=0")
    assert on_text == off_text
    assert 'attack_id: "T1003"' in on_text and len(answer.techniques) == 100
