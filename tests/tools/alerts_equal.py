#!/usr/bin/env python3
"""Exact comparison of two alert files (JSON lines): expected vs actual.

  alerts_equal.py EXPECTED ACTUAL

Two alerts are the same when rule_id, la_code, children, subject, route and raised_at (as an
instant) agree. Prints counts per rule and every missing or extra alert (up to 30 of each);
exits 1 unless the two multisets are equal. Stricter than ../shared/tools/compare_alerts.py,
which compares dates only.
"""
import collections
import datetime as dt
import json
import sys


def instant(ts):
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def key(a):
    route = a.get("route") or {}
    route = tuple(sorted((k, str(v)) for k, v in route.items() if v not in (None, "")))
    return (a["rule_id"], a.get("la_code") or "", tuple(sorted(a.get("children") or [])),
            a.get("subject") or "", route, instant(a["raised_at"]))


def load(path):
    with open(path) as fh:
        return collections.Counter(key(json.loads(line)) for line in fh if line.strip())


def main():
    exp, act = load(sys.argv[1]), load(sys.argv[2])
    rules = sorted({k[0] for k in exp} | {k[0] for k in act})
    for r in rules:
        e = sum(v for k, v in exp.items() if k[0] == r)
        a = sum(v for k, v in act.items() if k[0] == r)
        print("%-24s expected=%5d actual=%5d" % (r, e, a))
    missing, extra = exp - act, act - exp
    for name, diff in (("missing", missing), ("extra", extra)):
        for k in sorted(diff, key=str)[:30]:
            print("%s: %s" % (name, k))
    print("total expected=%d actual=%d missing=%d extra=%d" % (
        sum(exp.values()), sum(act.values()), sum(missing.values()), sum(extra.values())))
    return 0 if not missing and not extra else 1


if __name__ == "__main__":
    sys.exit(main())
