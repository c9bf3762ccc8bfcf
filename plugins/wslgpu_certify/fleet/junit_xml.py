"""fleet-junit.xml: one testsuite per machine, so a CI's test view lists the fleet machine by machine.

Each suite has a `fleet verdict` testcase (a failure unless CERTIFIED, its message the reason),
one testcase per failed check of the machine's run (message and one-line fix), and one per
regression since the previous night. Passed checks are not repeated here: the machine's own
junit.xml has them, and 2,000 machines x 63 checks would bury the failures.

Every value is machine-sent text, and XML 1.0 cannot hold most C0 control characters, U+FFFE/U+FFFF
or surrogates even escaped (https://www.w3.org/TR/xml/#charsets): ElementTree writes them as they are
and the file is no longer well-formed. So they are shown visibly instead (`\x1b`, `\ufffe`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..lazy_regex import regex

NOT_XML = regex("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value) -> str:
    """str(value), with every character XML 1.0 forbids written out visibly."""
    return NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(value))


def fleet_junit(verdicts) -> bytes:
    root = _junit(verdicts)
    for element in root.iter():
        element.attrib.update({key: xml_safe(value) for key, value in element.attrib.items()})
        if element.text:
            element.text = xml_safe(element.text)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _junit(verdicts) -> ET.Element:
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
    return root
