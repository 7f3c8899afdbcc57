#!/usr/bin/env python3
"""map --all against /proc: tests/bpf/map_all.sh.

Usage: map_all_check.py FORMAT OUT BEFORE AFTER [PID...]
  FORMAT  json or csv: what OUT holds (`vmscope map --all -F FORMAT`)
  BEFORE, AFTER  directories of /proc/PID/maps copies (file name = pid), taken just before and
          just after OUT was written: a process whose two copies are the same (and not empty)
          was quiescent, and OUT must show it exactly so
  PID...  processes that must be quiescent and compared (the test's stopped helpers)
A process whose maps hold a byte outside printable ASCII is left out (the formats escape those
names on purpose, escape.h), unless required. Prints one line per difference and a summary "compared N processes (M from the model)";
exits 1 on any difference, or when a required process was not compared.
"""
import csv
import json
import os
import sys


def parse_maps(text):
    rows = []
    for line in text.splitlines():
        f = line.split(None, 5)
        lo, hi = f[0].split('-')
        dev_a, dev_b = f[3].split(':')
        rows.append((int(lo, 16), int(hi, 16), f[1], int(f[2], 16),
                     (int(dev_a, 16), int(dev_b, 16)), int(f[4]),
                     f[5].lstrip(' ') if len(f) > 5 else ''))
    return rows


def dev(text):
    a, b = text.split(':')
    return (int(a, 16), int(b, 16))


def read_out(fmt, path):
    procs, backend = {}, {}
    with open(path, encoding='utf-8', errors='surrogateescape', newline='') as f:
        if fmt == 'json':
            for line in f:
                d = json.loads(line)
                pid = str(d['pid'])
                backend[pid] = d['backend']
                procs[pid] = [(int(r['start'], 16), int(r['end'], 16), r['perm'],
                               int(r['offset'], 16), dev(r['dev']), r['inode'], r['name'])
                              for r in d['regions']]
        else:
            for r in csv.DictReader(f):
                procs.setdefault(r['pid'], []).append(
                    (int(r['start'], 16), int(r['end'], 16), r['perm'], int(r['offset'], 16),
                     dev(r['dev']), int(r['inode']), r['name']))
    return procs, backend


def main():
    fmt, out, before, after = sys.argv[1:5]
    required = set(sys.argv[5:])
    procs, backend = read_out(fmt, out)
    compared = from_model = bad = escaped = 0
    for pid in sorted(os.listdir(before), key=int):
        try:
            with open(os.path.join(before, pid), errors='surrogateescape') as f:
                b = f.read()
            with open(os.path.join(after, pid), errors='surrogateescape') as f:
                a = f.read()
        except FileNotFoundError:
            a = b = ''
        if not b or a != b:
            if pid in required:
                print(f'pid {pid}: a stopped helper changed or vanished')
                bad += 1
            continue
        if any((c < ' ' and c != '\n') or c > '~' for c in b):
            escaped += 1  # names the formats escape by design (escape.h): not byte-comparable
            continue
        if pid not in procs:
            print(f'pid {pid}: in /proc, missing from map --all')
            bad += 1
            continue
        compared += 1
        from_model += backend.get(pid) == 'bpf'
        want = parse_maps(b)
        if want != procs[pid]:
            bad += 1
            print(f'pid {pid}: differs ({len(want)} regions in /proc, {len(procs[pid])} shown)')
            for x, y in zip(want, procs[pid]):
                if x != y:
                    print(f'    /proc: {x}\n    shown: {y}')
                    break
    for pid in required - set(procs):
        print(f'pid {pid}: a stopped helper is missing')
        bad += 1
    print(f'compared {compared} processes' +
          (f' ({from_model} from the model)' if fmt == 'json' else '') +
          (f', {escaped} with names the format escapes left out' if escaped else ''))
    return 1 if bad or not compared else 0


if __name__ == '__main__':
    sys.exit(main())
