#!/usr/bin/env python3
"""Counts test cases in a meson testlog.json: Boost.Test's detailed report lines per executable;
an executable without them counts as one case (passed, failed or skipped by its exit status).
Prints one line: LABEL PASSED FAILED SKIPPED."""
import json
import re
import sys

path, label = sys.argv[1], sys.argv[2]
passed = failed = skipped = 0
try:
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
except OSError:
    lines = []
    failed += 1
for line in lines:
    if not line.strip():
        continue
    t = json.loads(line)
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    p = len(re.findall(r'Test case "[^"]*" has passed', out))
    f = len(re.findall(r'Test case "[^"]*" (?:has failed|was aborted)', out))
    s = len(re.findall(r'Test case "[^"]*" was skipped', out))
    result = t.get("result", "")
    if result not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
        f = 1  # crashed, timed out, or failed without a report
    if p + f + s == 0:
        if result == "OK":
            p = 1
        elif result == "SKIP":
            s = 1
    passed, failed, skipped = passed + p, failed + f, skipped + s
print(label, passed, failed, skipped)
