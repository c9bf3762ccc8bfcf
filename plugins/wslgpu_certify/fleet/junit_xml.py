"""fleet-junit.xml: one testsuite per machine, so a CI's test view lists the fleet machine by machine.

Each suite has a `fleet verdict` testcase (a failure unless CERTIFIED, its message the reason),
one testcase per failed check of the machine's run (message and one-line fix), and one per
regression since the previous night. Passed checks are not repeated here: the machine's own
junit.xml has them, and 2,000 machines x 63 checks would bury the failures.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET


def fleet_junit(verdicts) -> bytes:
    root = ET.Element("testsuites", name="wslgpu-fleet")
    for v in verdicts:
        cases = [("fleet verdict", None if v.verdict == "CERTIFIED" else f"{v.verdict}: {v.reason}", v.verdict)]
        cases += [(f"{f['id']}", f"{f['outcome']}: {f['message']}" + (f" | fix: {f['fix']}" if f["fix"] else ""), f["outcome"])
                  for f in v.failures]
        cases += [(f"regression: {line.split(':')[0]}", line, "REGRESSED") for line in v.regressions]
        suite = ET.SubElement(root, "testsuite", name=v.machine, tests=str(len(cases)),
                              failures=str(sum(1 for _, message, _ in cases if message)), errors="0", skipped="0")
        properties = ET.SubElement(suite, "properties")
        for name, value in (("wslgpu_fleet_verdict", v.verdict), ("wslgpu_verdict", v.suite_verdict),
                            ("run_id", v.run.get("run_id")), ("gpu", v.facts.get("gpu")),
                            ("driver", v.facts.get("driver")), ("report", v.report)):
            if value:
                ET.SubElement(properties, "property", name=name, value=str(value))
        for name, message, kind in cases:
            case = ET.SubElement(suite, "testcase", classname=f"fleet.{v.machine}", name=name)
            if message:
                ET.SubElement(case, "failure", message=message[:1000], type=kind).text = message
    root.set("tests", str(sum(int(s.get("tests")) for s in root)))
    root.set("failures", str(sum(int(s.get("failures")) for s in root)))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
