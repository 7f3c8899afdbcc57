#!/usr/bin/env python3
"""Compares a `vmscope watch --json` stream with the events watch_seq says it caused.

Usage: watch_check.py EXPECTED ACTUAL PID
The actual stream is cut after the marker phase (3-page map/unmap pairs before the sequence),
restricted to PID, and must then equal EXPECTED event for event, in order: every field named in
an expected object must have that value. Prints the first difference and exits 1 on mismatch.
"""
import json
import sys


def main():
    expected_path, actual_path, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    expected = [json.loads(line) for line in open(expected_path) if line.strip()]
    actual = []
    for n, line in enumerate(open(actual_path), 1):
        try:
            actual.append(json.loads(line))
        except ValueError:
            print(f"line {n} is not JSON: {line[:200]!r}")
            return 1
    mine = [e for e in actual if e.get("pid") == pid]
    # the sequence starts after the last marker unmap (3 pages, r--p)
    last_marker = max((i for i, e in enumerate(mine)
                       if e["event"] == "unmap" and e.get("size") == 3 * 4096), default=-1)
    if last_marker < 0:
        print("no marker events seen")
        return 1
    seq = mine[last_marker + 1:]
    for i, exp in enumerate(expected):
        if i >= len(seq):
            print(f"event {i} missing: expected {exp}")
            return 1
        got = seq[i]
        diff = {k: (v, got.get(k)) for k, v in exp.items() if got.get(k) != v}
        if diff:
            print(f"event {i} differs: expected {exp}\n    got {got}\n    diff (want, got) {diff}")
            return 1
    if len(seq) > len(expected):
        print(f"{len(seq) - len(expected)} unexpected events after the sequence, first: "
              f"{seq[len(expected)]}")
        return 1
    lost = [e for e in actual if e["event"] == "lost" or e.get("dropped_before")]
    if lost:
        print(f"events were lost: {lost[0]}")
        return 1
    print(f"{len(expected)} events match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
