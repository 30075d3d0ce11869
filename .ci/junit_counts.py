"""Prints "PASSED FAILED" for the leaf test cases of a Deno JUnit report.

Deno lists a test and each of its steps as test cases; only the leaves (cases
no other case is nested under, named "parent > child") are counted.
"""
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 0")
    sys.exit(0)

cases = []
for case in root.iter("testcase"):
    name = case.get("name", "")
    failed = case.find("failure") is not None or case.find("error") is not None
    cases.append((name, failed))

names = [name for name, _ in cases]
leaves = [
    (name, failed)
    for name, failed in cases
    if not any(other.startswith(name + " > ") for other in names)
]
print(sum(1 for _, f in leaves if not f), sum(1 for _, f in leaves if f))
