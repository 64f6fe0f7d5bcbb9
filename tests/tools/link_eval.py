#!/usr/bin/env python3
"""Precision, recall and F1 of `hearth link` output against FEBRL's ground truth.

FEBRL encodes the truth in rec_id: rec-N-org is an original, rec-N-dup-K its K-th duplicate;
records with the same N are one person. True pairs: for linkage, every (left, right) with the
same N; for dedup, every unordered pair of records with the same N. Predicted pairs: the rows of
pairs.csv whose decision is `link`. Independent of the C code: it reads only the files.

  link_eval.py link  PAIRS LEFT RIGHT NAME
  link_eval.py dedup PAIRS FILE NAME
Prints one JSON line: {"dataset":NAME,"task":..,"precision":..,"recall":..,"f1":..,...}
"""
import csv, itertools, json, re, sys
from collections import defaultdict

def group(rec_id):
    m = re.match(r"rec-(\d+)-(org|dup-\d+)$", rec_id.strip())
    if not m:
        sys.exit(f"link_eval: not a FEBRL rec_id: {rec_id!r}")
    return m.group(1)

def ids(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return [r[0].strip() for r in rows[1:] if r]

def main():
    task, pairs = sys.argv[1], sys.argv[2]
    if task == "link":
        left, right, name = ids(sys.argv[3]), ids(sys.argv[4]), sys.argv[5]
        by = defaultdict(list)
        for r in right:
            by[group(r)].append(r)
        truth = {(l, r) for l in left for r in by[group(l)]}
    else:
        recs, name = ids(sys.argv[3]), sys.argv[4]
        by = defaultdict(list)
        for r in recs:
            by[group(r)].append(r)
        truth = {tuple(sorted(p)) for v in by.values() for p in itertools.combinations(v, 2)}
    pred = set()
    with open(pairs, newline="") as f:
        for row in csv.DictReader(f):
            if row["decision"] != "link":
                continue
            p = (row["left_id"], row["right_id"])
            pred.add(tuple(sorted(p)) if task == "dedup" else p)
    tp = len(pred & truth)
    precision = tp / len(pred) if pred else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(json.dumps(dict(dataset=name, task=task, true_pairs=len(truth), predicted=len(pred), true_positives=tp,
                          precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4))))

main()
