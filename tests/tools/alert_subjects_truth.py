#!/usr/bin/env python3
"""Checks who an alert's subject is against the truth the original feeds carry.

  alert_subjects_truth.py ALERTS REGISTER_DIR ORIGINAL_FEEDS_DIR NAME

For parental_custody and parental_mh_inpatient alerts, the subject is the adult the event was
resolved to. The truth: the register person whose NHS number the original (clean) record
carried -- custody records by NOMS number, inpatient messages by message id. Alerts whose
original record had no usable NHS number are not judged. Prints one JSON line with the alerts
judged, those about the wrong person, and a sample of them.
"""
import csv, json, os, re, sys

alerts, reg_dir, feeds, name = sys.argv[1:5]
ENC = dict(encoding="utf-8", errors="surrogateescape")
by_nhs = {}
with open(os.path.join(reg_dir, "persons.csv"), newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
    for r in csv.DictReader(f):
        n = re.sub(r"\s", "", r.get("nhs_number") or "")
        if n:
            by_nhs.setdefault(n, set()).add(r["person_id"])
truth = {}  # (feed, record_id) -> set of NHS numbers seen on that record id
with open(os.path.join(feeds, "custody.jsonl"), **ENC) as f:
    for line in f:
        try:
            ev = json.loads(line)
            p, noms = ev["prisoner"], ev["additionalInformation"]["nomsNumber"]
        except (ValueError, KeyError, TypeError):
            continue
        n = re.sub(r"\s", "", str(p.get("nhsNumber") or ""))
        if n:
            truth.setdefault(("custody", noms), set()).add(n)
who = {}
with open(os.path.join(feeds, "inpatient.hl7"), newline="", **ENC) as f:
    msg = None
    for seg in re.split(r"[\r\n]+", f.read()):
        fl = seg.split("|")
        if fl[0] == "MSH":
            msg = fl[9] if len(fl) > 9 else None  # a message's first PID only
        elif fl[0] == "PID" and len(fl) > 3 and msg:
            # Message ids repeat across hospitals: an id used for two people is not judged.
            who.setdefault(msg, set()).add(fl[5] if len(fl) > 5 else "")
            for rep in fl[3].split("~"):
                c = rep.split("^")
                if len(c) > 3 and c[3] == "NHS" and c[0]:
                    truth.setdefault(("inpatient", msg), set()).add(c[0])
            msg = None
for msg, names in who.items():
    if len(names) > 1:
        truth.pop(("inpatient", msg), None)
judged = wrong = 0
sample = []
with open(alerts) as f:
    for line in f:
        a = json.loads(line)
        if a["rule_id"] not in ("parental_custody", "parental_mh_inpatient") or not a.get("subject"):
            continue
        ev = a["evidence"][0]
        nhs = truth.get((ev["feed"], ev["record_id"]), set())
        people = set().union(*(by_nhs.get(n, set()) for n in nhs)) if nhs else set()
        if len(people) != 1:
            continue  # no usable truth
        judged += 1
        if a["subject"] not in people:
            wrong += 1
            if len(sample) < 5:
                sample.append([a["rule_id"], ev["record_id"], a["subject"], sorted(people)[0]])
print(json.dumps(dict(run=name, judged=judged, wrong_person=wrong, sample=sample)))
