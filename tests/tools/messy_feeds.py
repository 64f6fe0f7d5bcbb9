#!/usr/bin/env python3
"""Makes agency feeds messy, the way real ones are, for the probabilistic identity tier's tests.

  messy_feeds.py IN_FEEDS_DIR OUT_FEEDS_DIR SEED

custody.jsonl, inpatient.hl7 and nrpf.csv lose every NHS number (so the reference tiers can only
match on exact demographics), and independently: 30% get a typo in the family name (a letter
dropped or two swapped), 10% day and month swapped (when that is still a date), 10% a postcode
changed in its last letter (moved within the district). attendance.csv is copied (UPN-based).
Prints what it changed as JSON. Deterministic for a seed.
"""
import csv, io, json, os, random, shutil, sys

src, dst, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)
counts = dict(records=0, typo=0, swap=0, moved=0)
os.makedirs(dst, exist_ok=True)


def typo(name):
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 2)
    if rng.random() < 0.5:
        return name[:i] + name[i + 1:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def mess(family, dob, postcode):
    """dob as (y, m, d) strings or None; returns the new values."""
    counts["records"] += 1
    if family and rng.random() < 0.30:
        family = typo(family)
        counts["typo"] += 1
    if dob and rng.random() < 0.10:
        y, m, d = dob
        if d != m and int(d) <= 12:
            dob = (y, d, m)
            counts["swap"] += 1
    if postcode and rng.random() < 0.10:
        postcode = postcode[:-1] + ("A" if postcode[-1].upper() != "A" else "B")
        counts["moved"] += 1
    return family, dob, postcode


# The generator's deliberately bad bytes pass through unchanged (surrogateescape).
ENC = dict(encoding="utf-8", errors="surrogateescape")
with open(os.path.join(src, "custody.jsonl"), **ENC) as f, open(os.path.join(dst, "custody.jsonl"), "w", **ENC) as o:
    for line in f:
        try:
            ev = json.loads(line)
        except ValueError:  # deliberately bad records stay as they are
            o.write(line)
            continue
        p = ev.get("prisoner") if isinstance(ev, dict) else None
        if not isinstance(p, dict):
            o.write(line)
            continue
        p.pop("nhsNumber", None)
        dob = p.get("dateOfBirth")
        dob = tuple(dob.split("-")) if isinstance(dob, str) and len(dob.split("-")) == 3 else None
        fam, d, pc = mess(p.get("lastName") or "", dob, p.get("postcode") or "")
        if fam:
            p["lastName"] = fam
        if d:
            p["dateOfBirth"] = "-".join(d)
        if pc:
            p["postcode"] = pc
        try:
            o.write(json.dumps(ev, ensure_ascii=False) + "\n")
        except UnicodeEncodeError:
            o.write(line)

with open(os.path.join(src, "inpatient.hl7"), newline="", **ENC) as f:
    data = f.read()
segs = data.split("\r")
for i, s in enumerate(segs):
    if not s.startswith("PID|"):
        continue
    fl = s.split("|")
    while len(fl) < 12:
        fl.append("")
    fl[3] = "~".join(r for r in fl[3].split("~") if "^NHS^" not in r)
    name = fl[5].split("^")
    dob = fl[7]
    addr = fl[11].split("^")
    pc = addr[4] if len(addr) > 4 else ""
    fam, d, pc = mess(name[0], (dob[:4], dob[4:6], dob[6:8]) if len(dob) == 8 and dob.isdigit() else None, pc)
    name[0] = fam
    fl[5] = "^".join(name)
    if d:
        fl[7] = "".join(d)
    if len(addr) > 4:
        addr[4] = pc
        fl[11] = "^".join(addr)
    segs[i] = "|".join(fl)
with open(os.path.join(dst, "inpatient.hl7"), "w", newline="", **ENC) as o:
    o.write("\r".join(segs))

with open(os.path.join(src, "nrpf.csv"), newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
    rows = list(csv.DictReader(f))
    fields = list(rows[0].keys()) if rows else []
with open(os.path.join(dst, "nrpf.csv"), "w", newline="", **ENC) as o:
    w = csv.DictWriter(o, fieldnames=fields)
    w.writeheader()
    for r in rows:
        r["nhs_number"] = ""
        dob = r.get("date_of_birth") or ""
        dob = tuple(dob.split("-")) if len(dob.split("-")) == 3 else None
        fam, d, pc = mess(r.get("family_name") or "", dob, r.get("postcode") or "")
        r["family_name"] = fam
        if d:
            r["date_of_birth"] = "-".join(d)
        if pc:
            r["postcode"] = pc
        w.writerow(r)

shutil.copy(os.path.join(src, "attendance.csv"), os.path.join(dst, "attendance.csv"))
print(json.dumps(counts))
