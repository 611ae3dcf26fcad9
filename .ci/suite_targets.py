#!/usr/bin/env python3
"""Prints the ninja targets (test executables, relative to the build dir, plus their declared
dependencies) of the given meson test suites (or test names), so CI can build only what those suites run."""
import json
import os
import subprocess
import sys

build, suites = sys.argv[1], set(sys.argv[2:])
tests = json.loads(subprocess.check_output(["meson", "introspect", "--tests", build]))
targets = set()
for t in tests:
    if suites and not (suites & ({s.split(":")[-1] for s in t.get("suite", [])} | {t["name"]})):
        continue
    for c in t["cmd"]:  # under a cross exe_wrapper the executable is not cmd[0]
        if c.startswith(os.path.abspath(build) + os.sep):
            targets.add(os.path.relpath(c, os.path.abspath(build)))
            break
targets.add("zigllm/cli/zigllm")  # the CLI tests run it
print(" ".join(sorted(targets)))
