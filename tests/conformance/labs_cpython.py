#!/usr/bin/env python3
"""Check the labs' pycon transcripts against a real CPython REPL.

Usage:
    PYENV_VERSION=3.12.1 python3 tests/conformance/labs_cpython.py labs/*.md
    python3 tests/conformance/labs_cpython.py --python PATH labs/*.md

`heapctl lab check` runs each ```pycon block on a fresh heap; this runs
each block in a fresh `python3 -q -u -i` with the block's input lines on
stdin (stdin not a terminal: each top-level statement compiled on its own,
as at the prompt), stdout and stderr on one pipe, and compares what it
prints with the same rules (client/heapctl/cmd_lab.c): `...` alone matches
any one line, and after `Traceback (most recent call last):` a `...` line
stands for the indented `  File` lines.  The prompts CPython writes to
stderr are removed from the start of each line before comparing.

Prints `FILE: block B line L: expected X, got Y` per difference and
`cpython lab check: N blocks, M passed`; exits 1 on any difference.
"""

import codeop
import os
import subprocess
import sys

TRACEBACK_HEAD = "Traceback (most recent call last):"


def blocks_of(path):
    """Yields (block number, lines) for each pycon block of a file."""
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    k, block = 0, 0
    while k < len(lines):
        line = lines[k].rstrip("\r")
        if line.startswith("```"):
            end = k + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            info = line[3:].split()
            if info[:1] == ["pycon"]:
                block += 1
                yield block, [l.rstrip("\r") for l in lines[k + 1:end]]
            k = end
        k += 1


def is_prompt(line, p):
    return line == p or line.startswith(p + " ")


def incomplete(src):
    try:
        return codeop.compile_command(src, "<stdin>", "single") is None
    except (SyntaxError, ValueError, OverflowError):
        return False


def parse(lines):
    """Splits a block into the REPL's input and the expected output.

    Returns (stdin text, [(block line index, expected line)], errors)."""
    stdin, expected, errors = [], [], []
    src, opened = [], False
    for k, line in enumerate(lines):
        if opened:
            if is_prompt(line, "...") or not line.strip():
                rest = line[4:] if is_prompt(line, "...") else ""
            else:
                errors.append((k, "the statement above is not complete"))
                break
        elif is_prompt(line, ">>>"):
            rest, src = line[4:], []
        elif is_prompt(line, "...") and line != "...":
            errors.append((k, "a '... ' line, but no statement is open"))
            break
        else:
            expected.append((k, line))
            continue
        stdin.append(rest)
        src.append(rest)
        # as code.InteractiveConsole asks: the lines so far, no final newline
        opened = incomplete("\n".join(src))
    return "\n".join(stdin) + "\n", expected, errors


def strip_prompts(line):
    while line.startswith(">>> ") or line.startswith("... "):
        line = line[4:]
    return line


def compare(expected, got):
    """Yields (block line index, expected or None, got or None)."""
    j, i = 0, 0
    last = expected[-1][0] + 1 if expected else 0
    while i < len(expected):
        k, e = expected[i]
        if j == len(got):
            yield k, e, None
        elif e == "...":
            j += 1
        elif (e == TRACEBACK_HEAD and i + 1 < len(expected)
              and expected[i + 1][1].strip() == "..."
              and got[j] == TRACEBACK_HEAD):
            j += 1
            while j < len(got) and got[j].startswith(" "):
                j += 1
            i += 1
        else:
            if e != got[j]:
                yield k, e, got[j]
            j += 1
        i += 1
    for g in got[j:]:
        yield last, None, g


def run_block(python, lines):
    stdin, expected, errors = parse(lines)
    env = dict(os.environ)
    for k in ("PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONMALLOC",
              "PYTHONDEVMODE"):
        env.pop(k, None)
    p = subprocess.run([python, "-q", "-u", "-i"], input=stdin, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    out = p.stdout
    if out.endswith("\n"):  # the newline CPython writes at end of input
        out = out[:-1]
    got = [strip_prompts(l) for l in out.split("\n")]
    if got and got[-1] == "":
        got.pop()
    diffs = [(k, None, None, msg) for k, msg in errors]
    diffs += [(k, e, g, None) for k, e, g in compare(expected, got)]
    return diffs


def main(argv):
    python = "python3"
    if argv[:1] == ["--python"]:
        python, argv = argv[1], argv[2:]
    nblocks = npassed = 0
    for path in argv:
        for b, lines in blocks_of(path):
            # objgraph is built into heapctl; CPython needs pip's objgraph
            if any(l.startswith(">>> import objgraph") for l in lines):
                print("%s: block %d: skipped (objgraph is heapctl's own)" % (path, b))
                continue
            nblocks += 1
            diffs = run_block(python, lines)
            npassed += not diffs
            for k, e, g, msg in diffs:
                if msg is None:
                    msg = "expected %s, got %s" % (
                        "'%s'" % e if e is not None else "no more output",
                        "'%s'" % g if g is not None else "no more output")
                print("%s: block %d line %d: %s" % (path, b, k + 1, msg))
    print("cpython lab check: %d blocks, %d passed" % (nblocks, npassed))
    return 0 if nblocks == npassed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
