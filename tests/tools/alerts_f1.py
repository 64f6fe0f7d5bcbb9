#!/usr/bin/env python3
"""Precision, recall and F1 of an alert file against the expected alerts, and the alerts that
reached a family the expected alerts never name.

  alerts_f1.py EXPECTED ACTUAL NAME

Alerts are compared as alerts_equal.py compares them (rule, LA, children, subject, route,
raised_at). unexpected_children_alerts counts actual alerts with children none of whom any
expected alert of the same rule names. Against the reference oracle these are not necessarily
wrong: REFERENCE deliberately leaves some records of a real person unmatched (a birth date a few
days out, a spoiled NHS number), which a probabilistic tier links; alert_subjects_truth.py
judges who an alert is about. Prints one JSON line.
"""
import collections, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alerts_equal import key, load  # noqa: E402

exp, act = load(sys.argv[1]), load(sys.argv[2])
tp = sum((exp & act).values())
n_exp, n_act = sum(exp.values()), sum(act.values())
p = tp / n_act if n_act else 0.0
r = tp / n_exp if n_exp else 0.0
f1 = 2 * p * r / (p + r) if p + r else 0.0
named = collections.defaultdict(set)
for k in exp:
    for c in k[2]:
        named[k[0]].add(c)
unexpected = [k for k in act if k[2] and not any(c in named[k[0]] for c in k[2])]
print(json.dumps(dict(run=sys.argv[3], expected=n_exp, actual=n_act, true_positives=tp, precision=round(p, 4),
                      recall=round(r, 4), f1=round(f1, 4), unexpected_children_alerts=len(unexpected),
                      unexpected_sample=[list(k[:3]) for k in unexpected[:3]])))
