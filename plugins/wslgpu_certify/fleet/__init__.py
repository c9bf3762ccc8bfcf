"""`wslgpu-fleet`: one view of many machines' nightly results.

Each machine is certified where it is (a CI job on its own runner, an Ansible task); this
package only reads what those runs left behind: the expected machines (`expected.py`), the
result folders (`discover.py`, `documents.py`), the previous night (`fleet_json.py`) and the
CI's own job status (`ci_status.py`), each read as untrusted data (`untrusted.py`: size and
depth caps, clipped text; `bounded_yaml.py` for a YAML inventory), decides each machine's
fleet verdict (`judge.py`) and writes fleet.json, fleet.html, fleet-junit.xml and a Markdown
summary. It never imports the rooms that reach a machine (hosts, probes, parsers, containers),
nor pytest.
"""
