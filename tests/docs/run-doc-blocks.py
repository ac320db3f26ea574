#!/usr/bin/python3
"""Runs every command block of README.md and docs/*.md marked as runnable, as a user would.

A block is runnable when the line before its ```sh fence is ``<!-- runnable -->``. Each runs
with bash -e -o pipefail in a fresh temporary folder that holds links to the source tree's
scenarios, profiles, tests, tools and bench and to the build folder (as ``build``), with the
built ``sipsim`` and ``sipsim-analyze`` first on the PATH, so the paths of the docs resolve and
the outputs land in the temporary folder. Prints one line per block and the count; exits 1
when a block fails (with its output) or when no block is marked.

usage: run-doc-blocks.py SOURCE_DIR BUILD_DIR
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

MARK = "<!-- runnable -->"


def blocks(path):
    """(line number, text) of each runnable block of a Markdown file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    found = []
    for i, line in enumerate(lines):
        if line.strip() == MARK and i + 1 < len(lines) and lines[i + 1].startswith("```sh"):
            body = []
            for j in range(i + 2, len(lines)):
                if lines[j].startswith("```"):
                    break
                body.append(lines[j])
            found.append((i + 2, "\n".join(body) + "\n"))
    return found


def main():
    source, build = sys.argv[1], sys.argv[2]
    files = [os.path.join(source, "README.md")] + sorted(glob.glob(os.path.join(source, "docs", "*.md")))
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.join(build, "cli"), os.path.join(build, "analysis"),
                                   env.get("PATH", "")])
    count = 0
    failures = 0
    for path in files:
        for line, text in blocks(path):
            count += 1
            where = f"{os.path.relpath(path, source)}:{line}"
            work = tempfile.mkdtemp(prefix="sipsim-doc-")
            try:
                for name in ("scenarios", "profiles", "tests", "tools", "bench"):
                    os.symlink(os.path.join(source, name), os.path.join(work, name))
                os.symlink(build, os.path.join(work, "build"))
                run = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=work, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     timeout=600)
                if run.returncode == 0:
                    print(f"ok    {where}")
                else:
                    failures += 1
                    print(f"FAIL  {where} (exit {run.returncode})\n{text}--- output ---\n{run.stdout}")
            finally:
                shutil.rmtree(work, ignore_errors=True)
    print(f"{count} runnable blocks, {failures} failed")
    if count == 0:
        print("no block is marked runnable")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
