#!/usr/bin/env python3
"""Scores alerts raised from `hearth synth --messy` feeds against the truth.

  messy_truth_eval.py EXPECTED ALERTS TRUTH_RECORDS NAME

EXPECTED is the synth set's expected.jsonl: the reference oracle over the truth feeds, where
every record names its person correctly (the alerts of a perfect identity resolution). ALERTS is
a replay of the messy feeds. Alerts are compared as alerts_equal.py compares them (rule, LA,
children, subject, route, raised_at): precision, recall and F1.

Wrong person: an alert whose evidence record is in TRUTH_RECORDS (truth/records.csv: feed,
record_id, sender, person_id, changes) with one true person, and whose subject is not that person
(an empty person_id means the register does not know the true person: any subject is wrong).
Records whose id names more than one person (message ids repeat across hospitals) are not judged.
Wrong family: a wrong-person alert that reaches a child no expected alert of the same rule names
for that record. Prints one JSON line.
"""
import collections, csv, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alerts_equal import key  # noqa: E402

exp_path, act_path, truth_path, name = sys.argv[1:5]
exp = [json.loads(l) for l in open(exp_path) if l.strip()]
act = [json.loads(l) for l in open(act_path) if l.strip()]
ce, ca = collections.Counter(map(key, exp)), collections.Counter(map(key, act))
tp = sum((ce & ca).values())
p = tp / len(act) if act else 0.0
r = tp / len(exp) if exp else 0.0
f1 = 2 * p * r / (p + r) if p + r else 0.0

truth = collections.defaultdict(set)  # (feed, record_id) -> true person ids ("" = not in the register)
changes = {}
with open(truth_path, newline="") as fh:
    for row in csv.DictReader(fh):
        truth[(row["feed"], row["record_id"])].add(row["person_id"])
        changes[(row["feed"], row["record_id"])] = row["changes"]

def record_of(ev):
    """Hearth writes record_id; the reference oracle writes id."""
    return ev.get("record_id", ev.get("id"))


# The children the expected alerts name, by rule and source record.
named = collections.defaultdict(set)
for a in exp:
    for ev in (a.get("evidence") or [])[:1]:
        named[(a["rule_id"], ev["feed"], record_of(ev))].update(a.get("children") or [])

judged = wrong_person = wrong_family = 0
sample = []
for a in act:
    if not a.get("subject") or not a["evidence"]:
        continue
    ev = a["evidence"][0]  # the triggering record
    who = truth.get((ev["feed"], record_of(ev)))
    if not who or len(who) != 1:
        continue
    judged += 1
    (true_person,) = who
    if a["subject"] == true_person:
        continue
    wrong_person += 1
    kids = set(a.get("children") or [])
    if kids - named[(a["rule_id"], ev["feed"], ev["record_id"])]:
        wrong_family += 1
        if len(sample) < 5:
            sample.append([a["rule_id"], ev["feed"], ev["record_id"], a["subject"], true_person or "not in register",
                           changes.get((ev["feed"], ev["record_id"]), "")])

missed = collections.Counter(k[0] for k in (ce - ca).elements())
print(json.dumps(dict(run=name, expected=len(exp), actual=len(act), true_positives=tp, precision=round(p, 4),
                      recall=round(r, 4), f1=round(f1, 4), judged=judged, wrong_person=wrong_person,
                      wrong_family=wrong_family, wrong_family_sample=sample, missed_by_rule=dict(missed))))
