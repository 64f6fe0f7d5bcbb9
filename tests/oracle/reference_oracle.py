#!/usr/bin/env python3
"""Hearth reference oracle: ../shared/REFERENCE.md in executable form.

An independent, deliberately plain Python implementation of the reference rule pack. It shares
no code with the C engine; tests compare the two. It follows broker/READING.md (R1..R26) and
cites REFERENCE.md in comments ("REF 6" = REFERENCE section 6).

    python3 tests/oracle/reference_oracle.py --register DIR \
        [--feed custody=FILE] [--feed inpatient=FILE] [--feed attendance=FILE] [--feed nrpf=FILE] \
        [--default-la CODE] [--mh-provider ODS ...] [--mh-services "710 711 ..."] \
        [--dead-letters FILE] --out FILE

Output: one JSON object per alert line (json.dumps(sort_keys=True)), in processing order:
rule_id, la_code, children, subject, route, raised_at, date, evidence.

Further readings (ambiguities not covered by R1..R26; the choice made here, for READING.md):
  F1. Dead-lettering covers every date in a record that the record carries, not only the event
      time: a present but impossible date of birth (custody dateOfBirth, HL7 PID-7, NRPF and
      attendance date_of_birth, register date_of_birth) dead-letters the record / register row;
      an impossible relationship or assignment start/end date dead-letters that register row.
      A *missing* date of birth is merely unknown. Optional NRPF columns that the rules never
      read (support_start_date, ...) are not validated.
  F2. A person is a child on date D only when born on or before D and D is before the 18th
      birthday; a person with no known date of birth is never a child (so not an affected child,
      not given attendance marks) and counts as an adult for unknown_dependants (R11).
  F3. UPN step (R5): a register person whose own date of birth is unknown does not disagree.
  F4. Enumerated values (eventType, reason, attendance code, relationship type) are matched
      exactly after trimming surrounding spaces: "n" is an unknown code and dead-letters the
      record. Session (AM/PM) and NRPF status (nrpf/recourse) are read in any letter case,
      as Hearth "may accept more" and MIS exports vary. A UPN is trimmed and upper-cased before its
      check; an NHS number may contain spaces only.
  F15. An HL7 message with no PID segment is about nobody and is dead-lettered.
  F5. `dependants` must be a non-negative integer (JSON integer or a string of digits); a
      negative or non-integer value is out of range and dead-letters the record; missing or
      empty means not declared (not > 0).
  F6. HL7: MSH-4 and PV1-19 are compared on their first component (the facility's ODS code /
      the visit id). An ADT message whose trigger is A01, A02, A03, A06, A08, A11 or A13 with an
      empty MSH-4 or PV1-19, or any message with an empty MSH-10, cannot be used (dead-letter).
      Event time of other ADT triggers: EVN-6, then EVN-2, then MSH-7. Only the time actually
      used (the first non-empty in the chain) is checked for being well formed.
  F7. HL7 A02/A08: an empty PV1-10 leaves the spell's service unchanged (HL7 "not sent");
      the HL7 null `""` clears it (not MH unless the provider is MH). Patient class in A02/A08 is
      not re-read (R14: only the admission needs class I). A13 reopening a spell is not an MH
      spell start (REF 3 lists only A01 and A02/A08 as starts).
  F8. The first qualifying PID-3 repetition (assigning authority NHS or type NH) whose number
      passes Modulus 11 is the NHS number.
  F9. Custody redelivery compares occurredAt as an instant (the same moment written with `Z`
      or `+00:00` is the same event).
  F10. Attendance redelivery: "same pupil" is the register person the mark resolves to; a mark
      that resolves to nobody, or to someone who is not a child, changes nothing anyway (R19).
  F11. Register: a later persons.csv row with the same person_id replaces the earlier one; rows
      with an empty person_id (or, in the other files, an empty id column) are skipped.
      Key-worker assignments route even when the key worker is missing from key_workers.csv.
  F12. ISO times must have the shape YYYY-MM-DDThh:mm[:ss[.f+]][Z|+hh:mm|+hhmm|+hh]
      (a space is accepted for T); a date without a time is a missing time (dead-letter).
  F13. CSV header names are matched trimmed and case-insensitively, a UTF-8 BOM is ignored,
      cells are trimmed (a blank cell is empty = unknown), blank lines are skipped.
  F14. A06 behaves exactly as A01 (a further A06 for an open spell changes nothing; an A06
      after discharge or cancellation starts a new spell; patient class must be I).
"""
import argparse
import collections
import csv
import datetime as dt
import json
import re
import sys
import unicodedata
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)

# REF 6: "at the same instant: register changes, then NRPF, custody, inpatient, attendance,
# each in feed order" (R3). The register is loaded before any event.
FEED_RANK = {"nrpf": 1, "custody": 2, "inpatient": 3, "attendance": 4}

# REF 6 "Terms": carer relationship types.
CARER_TYPES = {"parent", "step_parent", "carer", "kinship_carer"}

# REF 2: custody event types and reasons.
CUSTODY_TYPES = {
    "prison-offender-events.prisoner.received": "received",
    "prison-offender-events.prisoner.released": "released",
    "prisoner-offender-search.prisoner.received": "received",
    "prisoner-offender-search.prisoner.released": "released",
}
NEW_RECEPTION = {"ADMISSION", "NEW_ADMISSION", "READMISSION", "READMISSION_SWITCH_BOOKING"}
RECEIVED_NOTHING = {"TRANSFERRED", "RETURN_FROM_COURT", "TEMPORARY_ABSENCE_RETURN", "POST_MERGE_ADMISSION"}
RELEASE_ENDS = {"RELEASED", "RELEASED_TO_HOSPITAL"}
RELEASED_NOTHING = {"TRANSFERRED", "SENT_TO_COURT", "TEMPORARY_ABSENCE_RELEASE", "UNKNOWN"}

# REF 3: default MH treatment function codes (700, learning disability, is not on it).
DEFAULT_MH_SERVICES = "710 711 712 713 715 720 721 722 723 724 725 726 727 730"
SPELL_TRIGGERS = {"A01", "A06", "A02", "A08", "A03", "A11", "A13"}

# REF 4: attendance codes (DfE from August 2024, plus withdrawn H, J, Y) and R20.
PRESENT = {"/", "\\", "L"}
APPROVED_ACTIVITY = {"K", "V", "P", "W", "B", "J"}          # counts as present; J withdrawn
AUTHORISED = {"C", "C1", "C2", "E", "I", "M", "J1", "S", "T", "R", "H"}  # H withdrawn
UNAUTHORISED = {"G", "N", "O", "U"}
NOT_POSSIBLE = {"D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#", "Y"}  # Y withdrawn
ABSENT_CODES = AUTHORISED | UNAUTHORISED
POSSIBLE_CODES = PRESENT | APPROVED_ACTIVITY | ABSENT_CODES
KNOWN_CODES = POSSIBLE_CODES | NOT_POSSIBLE
CATEGORY = {code: "absent" for code in ABSENT_CODES}
CATEGORY.update({code: "present" for code in PRESENT | APPROVED_ACTIVITY})
CATEGORY.update({code: "not possible" for code in NOT_POSSIBLE})

RULE_ORDER = ["parental_custody", "parental_mh_inpatient", "nrpf_absence",
              "adversity_then_absence", "unknown_dependants"]


class BadRecord(Exception):
    """A record REFERENCE says is dead-lettered; the message is the reason."""


# ---------------------------------------------------------------------------------------------
# Times and dates
# ---------------------------------------------------------------------------------------------

DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
                    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?")
HL7_TS_RE = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(?:(\d{2})(?:\.(\d+))?)?(?:([+-])(\d{2})(\d{2}))?")


def parse_date(text, what):
    """YYYY-MM-DD -> date; None when empty; BadRecord when impossible (REF "Bad input")."""
    if text is None or text == "":
        return None
    m = DATE_RE.fullmatch(text)
    if not m:
        raise BadRecord("bad %s %r" % (what, text))
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise BadRecord("impossible %s %r" % (what, text))


def local_instant(day, hour=0, minute=0, second=0, micro=0):
    """UK local wall time -> aware UTC instant; fold=0 for the October fold and March gap (R2)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, micro,
                       tzinfo=LONDON, fold=0).astimezone(UTC)


def _fraction_to_micro(frac):
    # R1: fractional seconds beyond six digits are truncated.
    return int((frac or "0")[:6].ljust(6, "0"))


def _make_instant(y, mo, d, h, mi, s, frac, offset_minutes):
    try:
        wall = dt.datetime(y, mo, d, h, mi, s, _fraction_to_micro(frac))
    except ValueError:
        raise BadRecord("impossible time")
    if offset_minutes is None:  # no offset: UK local time (REF, R2)
        return local_instant(wall.date(), wall.hour, wall.minute, wall.second, wall.microsecond)
    if abs(offset_minutes) >= 24 * 60:
        raise BadRecord("offset out of range")
    return (wall - dt.timedelta(minutes=offset_minutes)).replace(tzinfo=UTC)


def parse_iso_time(text):
    """ISO 8601 time with offset or Z (or none = UK local); seconds optional, fractions allowed."""
    if not isinstance(text, str) or text.strip() == "":
        raise BadRecord("missing time")
    m = ISO_RE.fullmatch(text.strip())
    if not m:
        raise BadRecord("bad time %r" % text)
    y, mo, d, h, mi, s, frac, off = m.groups()
    offset = None
    if off in ("Z", "z"):
        offset = 0
    elif off:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:] or "0")
        if om >= 60:
            raise BadRecord("bad offset %r" % text)
        offset = sign * (oh * 60 + om)
    return _make_instant(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), frac, offset)


def parse_hl7_time(text):
    """HL7 YYYYMMDDHHMM[SS[.S+]][+/-ZZZZ]; no offset = UK local time."""
    m = HL7_TS_RE.fullmatch(text)
    if not m:
        raise BadRecord("malformed HL7 time %r" % text)
    y, mo, d, h, mi, s, frac, sign, oh, om = m.groups()
    offset = None
    if sign:
        if int(om) >= 60:
            raise BadRecord("malformed HL7 offset %r" % text)
        offset = (-1 if sign == "-" else 1) * (int(oh) * 60 + int(om))
    return _make_instant(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), frac, offset)


def uk_local(instant):
    return instant.astimezone(LONDON)


def iso_local(instant):
    """R25: UK local time with its offset; microseconds only when non-zero (isoformat does that)."""
    return uk_local(instant).isoformat()


# ---------------------------------------------------------------------------------------------
# Identifiers and normalisation
# ---------------------------------------------------------------------------------------------

def valid_nhs(raw):
    """REF 1: 10 digits, spaces allowed, must pass Modulus 11. Returns the digits or None."""
    if raw is None or isinstance(raw, bool):
        return None
    s = str(raw).replace(" ", "")
    if not re.fullmatch(r"[0-9]{10}", s):
        return None
    total = sum(int(s[i]) * (10 - i) for i in range(9))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(s[9]):
        return None
    return s


UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # DfE check-letter table, 0..22 (no I, O, S)


def valid_upn(raw):
    """REF 1: 13 characters passing the DfE check letter (character 13 may be a letter for a
    temporary UPN, valued by its place in the same table). Returns the UPN or None."""
    if not raw:
        return None
    s = raw.strip().upper()
    if not re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", s):
        return None
    values = [int(c) for c in s[1:12]]
    if s[12].isdigit():
        values.append(int(s[12]))
    elif s[12] in UPN_LETTERS:
        values.append(UPN_LETTERS.index(s[12]))
    else:
        return None
    total = sum(v * w for v, w in zip(values, range(2, 14)))
    return s if UPN_LETTERS[total % 23] == s[0] else None


# R7: letters that do not decompose under NFKD, mapped by hand (and their lower-case forms).
UNDECOMPOSED = {"ß": "SS", "ẞ": "SS", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "Ø": "O", "ø": "O",
                "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH"}


def norm_name(s):
    """R7: NFKD with combining marks dropped, the letters above mapped, upper case, A-Z only."""
    if not s:
        return None
    s = unicodedata.normalize("NFKD", s)
    s = "".join(UNDECOMPOSED.get(c, c) for c in s if not unicodedata.combining(c)).upper()
    s = "".join(c for c in s if "A" <= c <= "Z")
    return s or None


def norm_postcode(s):
    """R7: upper case, spaces removed."""
    if not s:
        return None
    s = "".join(s.split()).upper()
    return s or None


def parse_dependants(value):
    """F5: a non-negative integer, or None when not declared."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRecord("dependants not a number")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        n = int(value)
    else:
        raise BadRecord("dependants not an integer %r" % (value,))
    if n < 0:
        raise BadRecord("dependants out of range %r" % (value,))
    return n


# ---------------------------------------------------------------------------------------------
# Reading files: bytes, decoded line by line, so one bad line does not stop the file
# ---------------------------------------------------------------------------------------------

def read_csv(path, feed, dead):
    """Yield (position, row dict with lower-case stripped keys and stripped values)."""
    with open(path, "rb") as fh:
        data = fh.read()
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    bad = []

    def text_lines():
        for n, raw in enumerate(raw_lines, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(n)
                dead.append((feed, n, "invalid UTF-8"))
                continue
            if n == 1:
                line = line.lstrip("\ufeff")
            yield line + "\n"

    reader = csv.reader(text_lines())
    header = None
    for pos, row in enumerate(reader):
        if header is None:
            header = [h.strip().lower() for h in row]
            continue
        if not row or all(c.strip() == "" for c in row):
            continue
        if len(row) != len(header):   # R37: a row that does not fit the header is unusable
            dead.append((feed, pos, "row has %d cells, header %d" % (len(row), len(header))))
            continue
        rec = {}
        for i, name in enumerate(header):
            rec[name] = row[i].strip()
        yield pos, rec


# ---------------------------------------------------------------------------------------------
# The register (REF 1)
# ---------------------------------------------------------------------------------------------

class Person:
    __slots__ = ("pid", "la", "nhs", "upn", "given", "family", "dob", "postcode")


class Register:
    def __init__(self, directory, dead):
        self.persons = {}
        for pos, r in read_csv(directory + "/persons.csv", "register.persons", dead):
            try:
                if not r.get("person_id"):
                    raise BadRecord("missing person_id")
                p = Person()
                p.pid = r["person_id"]
                p.la = r.get("la_code") or None
                p.nhs = valid_nhs(r.get("nhs_number"))  # failing check => absent (REF "Bad input")
                p.upn = valid_upn(r.get("upn"))
                p.given = norm_name(r.get("given_name"))
                p.family = norm_name(r.get("family_name"))
                p.dob = parse_date(r.get("date_of_birth"), "date_of_birth")
                p.postcode = norm_postcode(r.get("postcode"))
            except BadRecord as e:
                dead.append(("register.persons", pos, str(e)))
                continue
            self.persons[p.pid] = p  # F11: a later row replaces an earlier one
        # Identity indexes (REF 6 "Identity").
        self.by_nhs = collections.defaultdict(list)
        self.by_upn = collections.defaultdict(list)
        self.by_family_dob_postcode = collections.defaultdict(list)
        self.by_given_family_dob = collections.defaultdict(list)
        for p in self.persons.values():
            if p.nhs:
                self.by_nhs[p.nhs].append(p.pid)
            if p.upn:
                self.by_upn[p.upn].append(p.pid)
            if p.family and p.dob and p.postcode:
                self.by_family_dob_postcode[(p.family, p.dob, p.postcode)].append(p.pid)
            if p.given and p.family and p.dob:
                self.by_given_family_dob[(p.given, p.family, p.dob)].append(p.pid)

        # "person_id is the `relationship` of related_person_id": carer -> child.
        self.cared_by_carer = collections.defaultdict(list)   # carer -> [(child, start, end)]
        self.carers_of_child = collections.defaultdict(list)  # child -> [(carer, start, end)]
        for pos, r in read_csv(directory + "/relationships.csv", "register.relationships", dead):
            try:
                start = parse_date(r.get("start_date"), "start_date")
                end = parse_date(r.get("end_date"), "end_date")
            except BadRecord as e:
                dead.append(("register.relationships", pos, str(e)))
                continue
            adult, child, kind = r.get("person_id"), r.get("related_person_id"), r.get("relationship")
            if adult and child and kind in CARER_TYPES:
                self.cared_by_carer[adult].append((child, start, end))
                self.carers_of_child[child].append((adult, start, end))

        self.assignments = collections.defaultdict(list)  # child -> [(key_worker_id, start, end)]
        for pos, r in read_csv(directory + "/assignments.csv", "register.assignments", dead):
            try:
                start = parse_date(r.get("start_date"), "start_date")
                end = parse_date(r.get("end_date"), "end_date")
            except BadRecord as e:
                dead.append(("register.assignments", pos, str(e)))
                continue
            if r.get("child_person_id") and r.get("key_worker_id"):
                self.assignments[r["child_person_id"]].append((r["key_worker_id"], start, end))

    # -- REF 6 "Terms" ---------------------------------------------------------------------

    def is_child(self, pid, day):
        """R9: under 18 on the local date; 29 February birthday is 1 March in other years (F2)."""
        p = self.persons.get(pid)
        return p is not None and is_child_dob(p.dob, day)

    def children_of(self, carer, day):
        """R10/R22: the children for whom `carer` is a carer on `day`."""
        return sorted({child for child, s, e in self.cared_by_carer.get(carer, ())
                       if active(s, e, day) and self.is_child(child, day)})

    def carers_of(self, child, day):
        return sorted({adult for adult, s, e in self.carers_of_child.get(child, ()) if active(s, e, day)})

    def route(self, children, day, la):
        """R23: youngest child (latest dob, then lowest person_id) with an active assignment;
        its key worker with the latest start (empty = earliest), then lowest key_worker_id."""
        youngest_first = sorted(children, key=lambda c: (-self.persons[c].dob.toordinal(), c))
        for child in youngest_first:
            live = [(kw, s) for kw, s, e in self.assignments.get(child, ()) if active(s, e, day)]
            if live:
                live.sort(key=lambda a: (-(a[1] or dt.date.min).toordinal(), a[0]))
                return {"key_worker_id": live[0][0]}
        return {"front_door": la}

    # -- REF 6 "Identity", R4-R8 ---------------------------------------------------------------

    def resolve(self, nhs=None, dob=None, upn=None, given=None, family=None, postcode=None,
                attendance=False):
        """Return the matched person_id or None (unmatched)."""
        # Step 1 (R4): valid NHS number and the record's date of birth.
        if nhs:
            found = [pid for pid in self.by_nhs.get(nhs, ()) if dob is not None and self.persons[pid].dob == dob]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                return None
        # Step 2 (R5, attendance only): valid UPN, less persons whose dob disagrees (F3).
        if attendance and upn:
            found = [pid for pid in self.by_upn.get(upn, ())
                     if dob is None or self.persons[pid].dob is None or self.persons[pid].dob == dob]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                return None
        # Step 3 (R6): exact normalised demographics; exactly one candidate.
        if attendance:
            key = (norm_name(given), norm_name(family), dob)
            found = self.by_given_family_dob.get(key, ()) if all(key) else ()
        else:
            key = (norm_name(family), dob, norm_postcode(postcode))
            found = self.by_family_dob_postcode.get(key, ()) if all(key) else ()
        return found[0] if len(found) == 1 else None


def active(start, end, day):
    """REF 6: start empty or on/before the date; end empty or on/after the date."""
    return (start is None or start <= day) and (end is None or end >= day)


def birthday(dob, years):
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:  # 29 February in a non-leap year falls on 1 March
        return dt.date(dob.year + years, 3, 1)


def is_child_dob(dob, day):
    return dob is not None and dob <= day < birthday(dob, 18)


# ---------------------------------------------------------------------------------------------
# Feed parsers: each yields events (instant, feed, position, payload); bad records -> dead
# ---------------------------------------------------------------------------------------------

def read_custody(path, dead):
    """REF 2: JSON lines of HMPPS prisoner events enriched with `prisoner`."""
    with open(path, "rb") as fh:
        data = fh.read()
    for pos, raw in enumerate(data.split(b"\n"), 1):
        try:
            try:
                text = raw.decode("utf-8").strip().lstrip("\ufeff")
            except UnicodeDecodeError:
                raise BadRecord("invalid UTF-8")
            if text == "":
                continue
            try:
                obj = json.loads(text)
            except ValueError:
                raise BadRecord("not JSON")
            if not isinstance(obj, dict):
                raise BadRecord("not a JSON object")
            kind = CUSTODY_TYPES.get(obj.get("eventType"))
            if kind is None:
                raise BadRecord("unknown eventType")
            info = obj.get("additionalInformation")
            if not isinstance(info, dict):
                raise BadRecord("missing additionalInformation")
            noms = info.get("nomsNumber")
            if not isinstance(noms, str) or noms.strip() == "":
                raise BadRecord("missing nomsNumber")
            reason = info.get("reason")
            allowed = (NEW_RECEPTION | RECEIVED_NOTHING) if kind == "received" else (RELEASE_ENDS | RELEASED_NOTHING)
            if reason not in allowed:  # R12
                raise BadRecord("unknown reason %r" % (reason,))
            instant = parse_iso_time(obj.get("occurredAt"))
            prisoner = obj.get("prisoner")
            if prisoner is None:
                prisoner = {}
            if not isinstance(prisoner, dict):
                raise BadRecord("prisoner not an object")
            dob = prisoner.get("dateOfBirth")
            if dob is not None and not isinstance(dob, str):
                raise BadRecord("bad dateOfBirth")
            la = prisoner.get("laCode")
            ev = {
                "event_type": obj["eventType"], "kind": kind, "reason": reason,
                "noms": noms.strip(),
                "nhs": valid_nhs(prisoner.get("nhsNumber")),
                "dob": parse_date(dob, "dateOfBirth"),                                    # F1
                "family": prisoner.get("lastName") if isinstance(prisoner.get("lastName"), str) else None,
                "postcode": prisoner.get("postcode") if isinstance(prisoner.get("postcode"), str) else None,
                "la": la.strip() if isinstance(la, str) and la.strip() else None,
                "dependants": parse_dependants(prisoner.get("dependants")),
            }
        except BadRecord as e:
            dead.append(("custody", pos, str(e)))
            continue
        yield instant, "custody", pos, ev


class HL7Message:
    """Just enough HL7 v2 to read the fields REFERENCE names."""

    def __init__(self, segments):
        msh = segments[0]
        if len(msh) < 8:
            raise BadRecord("short MSH")
        self.fs = msh[3]
        rest = msh[4:]
        enc = rest.split(self.fs, 1)[0]
        enc = enc + "^~\\&"[len(enc):]  # missing encoding characters take the defaults
        self.comp, self.rep, self.esc, self.sub = enc[0], enc[1], enc[2], enc[3]
        self.segs = {}
        for seg in segments:
            fields = seg.split(self.fs)
            name = fields[0]
            if name == "MSH":
                fields = ["MSH", self.fs] + fields[1:]  # so fields[n] is MSH-n
            self.segs.setdefault(name, fields)      # first occurrence of each segment

    def field(self, seg, n):
        fields = self.segs.get(seg)
        if fields is None or n >= len(fields):
            return ""
        return fields[n]

    def component(self, seg, n, c=1, raw=False):
        """First repetition, component c, first subcomponent, unescaped."""
        value = self.field(seg, n).split(self.rep)[0]
        parts = value.split(self.comp)
        value = parts[c - 1] if c - 1 < len(parts) else ""
        value = value.split(self.sub)[0]
        if not raw and value == '""':
            return ""
        return self.unescape(value).strip()

    def unescape(self, s):
        e = self.esc
        if e not in s:
            return s
        for code, ch in (("F", self.fs), ("S", self.comp), ("T", self.sub), ("R", self.rep), ("E", e)):
            s = s.replace(e + code + e, ch)
        return s


def read_inpatient(path, dead, mh_services, mh_providers):
    """REF 3: a file of HL7 v2 ADT messages (segments split by CR, LF or CRLF; new MSH = new message)."""
    with open(path, "rb") as fh:
        data = fh.read()
    messages, current = [], None
    for raw in re.split(rb"\r\n|\r|\n", data):
        raw = raw.strip(b"\x0b\x1c")
        if raw.strip() == b"":
            continue
        if raw.startswith(b"MSH"):
            current = [raw]
            messages.append(current)
        elif current is None:
            dead.append(("inpatient", 0, "segment before any MSH"))
        else:
            current.append(raw)
    for pos, raw_segments in enumerate(messages, 1):
        try:
            try:
                segments = [s.decode("utf-8") for s in raw_segments]
            except UnicodeDecodeError:
                raise BadRecord("invalid UTF-8")
            m = HL7Message(segments)
            if m.component("MSH", 9, 1) != "ADT":   # REF 3: a message that is not ADT is rejected
                raise BadRecord("not ADT")
            if "PID" not in m.segs:                # a message about nobody cannot be used (F15)
                raise BadRecord("missing PID")
            trigger = (m.component("MSH", 9, 2) or m.component("EVN", 1)).upper()
            facility = m.component("MSH", 4)
            control_id = m.field("MSH", 10).strip()
            if control_id == "":
                raise BadRecord("missing MSH-10")                                         # F6
            visit = m.component("PV1", 19)
            if facility == "":
                raise BadRecord("missing MSH-4")             # R32: MSH-4 + MSH-10 identify it
            if trigger in SPELL_TRIGGERS and visit == "":
                raise BadRecord("missing PV1-19")                                         # F6
            # REF 3 event time, each falling back to EVN-2 then MSH-7 when empty.
            if trigger in ("A01", "A06"):
                chain = [("PV1", 44), ("EVN", 2), ("MSH", 7)]
            elif trigger == "A03":
                chain = [("PV1", 45), ("EVN", 2), ("MSH", 7)]
            else:
                chain = [("EVN", 6), ("EVN", 2), ("MSH", 7)]
            instant = None
            for seg, n in chain:
                text = m.component(seg, n)
                if text:
                    instant = parse_hl7_time(text)   # present but malformed => unusable
                    break
            if instant is None:
                raise BadRecord("missing event time")
            # Identity fields (REF 3).
            nhs = None
            for rep in m.field("PID", 3).split(m.rep):
                comps = rep.split(m.comp) + [""] * 5
                authority = comps[3].split(m.sub)[0].strip()
                id_type = comps[4].split(m.sub)[0].strip()
                if authority == "NHS" or id_type == "NH":
                    nhs = valid_nhs(m.unescape(comps[0]).strip())
                    if nhs:
                        break                                                             # F8
            dob_text = m.component("PID", 7)
            dob = None
            if dob_text:
                dm = re.fullmatch(r"(\d{4})(\d{2})(\d{2})[0-9.+\-]*", dob_text)
                if not dm:
                    raise BadRecord("malformed PID-7")
                try:
                    dob = dt.date(int(dm.group(1)), int(dm.group(2)), int(dm.group(3)))
                except ValueError:
                    raise BadRecord("impossible PID-7")                                    # F1
            service_raw = m.component("PV1", 10, raw=True)
            ev = {
                "facility": facility, "control_id": control_id, "trigger": trigger,
                "visit": visit, "patient_class": m.component("PV1", 2),
                # F7: None = not sent (unchanged); "" = HL7 null (cleared).
                "service": None if service_raw == "" else ("" if service_raw == '""' else m.unescape(service_raw).strip()),
                "nhs": nhs, "dob": dob, "family": m.component("PID", 5, 1),
                "postcode": m.component("PID", 11, 5),
            }
        except BadRecord as e:
            dead.append(("inpatient", pos, str(e)))
            continue
        yield instant, "inpatient", pos, ev


def read_attendance(path, dead):
    """REF 4: upn,school_urn,la_code,date,session,code[,given_name,family_name,date_of_birth]."""
    instants, days, upns = {}, {}, {}   # caches: the same dates and UPNs recur on every line
    for pos, r in read_csv(path, "attendance", dead):
        try:
            text = r.get("date")
            if text not in days:
                try:
                    days[text] = parse_date(text, "date")
                except BadRecord as e:
                    days[text] = str(e)
            day = days[text]
            if isinstance(day, str):
                raise BadRecord(day)
            if day is None:
                raise BadRecord("missing date")
            session = (r.get("session") or "").upper()   # F4: AM/PM in any case
            if session not in ("AM", "PM"):
                raise BadRecord("session out of range %r" % session)
            code = r.get("code")
            if code not in KNOWN_CODES:
                raise BadRecord("unknown attendance code %r" % code)
            dob = parse_date(r.get("date_of_birth"), "date_of_birth")                    # F1
        except BadRecord as e:
            dead.append(("attendance", pos, str(e)))
            continue
        key = (day, session)
        if key not in instants:  # REF 6: 09:00 (AM) or 13:30 (PM), UK local time
            instants[key] = local_instant(day, 9, 0) if session == "AM" else local_instant(day, 13, 30)
        upn_raw = r.get("upn") or ""
        if upn_raw not in upns:
            upns[upn_raw] = valid_upn(upn_raw)
        ev = {"upn_raw": upn_raw, "upn": upns[upn_raw], "day": day,
              "session": session, "code": code, "dob": dob,
              "given": r.get("given_name"), "family": r.get("family_name")}
        yield instants[key], "attendance", pos, ev


def read_nrpf(path, dead):
    """REF 5: record_id,la_code,nhs_number,given_name,family_name,date_of_birth,postcode,status,
    effective_date,dependants[,...]."""
    for pos, r in read_csv(path, "nrpf", dead):
        try:
            if not r.get("record_id"):
                raise BadRecord("missing record_id")
            status = (r.get("status") or "").lower()     # F4: status in any case
            if status not in ("nrpf", "recourse"):
                raise BadRecord("unknown status %r" % status)
            effective = parse_date(r.get("effective_date"), "effective_date")
            if effective is None:
                raise BadRecord("missing effective_date")
            ev = {"record_id": r["record_id"], "la": r.get("la_code") or None,
                  "nhs": valid_nhs(r.get("nhs_number")),
                  "dob": parse_date(r.get("date_of_birth"), "date_of_birth"),             # F1
                  "given": r.get("given_name"), "family": r.get("family_name"),
                  "postcode": r.get("postcode"), "status": status,
                  "dependants": parse_dependants(r.get("dependants"))}
        except BadRecord as e:
            dead.append(("nrpf", pos, str(e)))
            continue
        yield local_instant(effective), "nrpf", pos, ev   # REF 6: effective_date at 00:00


# ---------------------------------------------------------------------------------------------
# The engine: state and the five reference rules (REF 6)
# ---------------------------------------------------------------------------------------------

class Spell:
    """REF 3: an inpatient spell, one per admission of (MSH-4, PV1-19)."""

    def __init__(self, number, service):
        self.number = number
        self.status = "open"          # open | discharged | cancelled
        self.service = service
        self.is_mh = False
        self.alerted = set()          # (carer, la) already alerted (R15)


class Oracle:
    def __init__(self, register, default_la=None, mh_services=None, mh_providers=()):
        self.reg = register
        self.default_la = default_la
        self.mh_services = set(mh_services if mh_services is not None else DEFAULT_MH_SERVICES.split())
        self.mh_providers = set(mh_providers)
        self.alerts = []
        self.seen = set()                                   # redelivery keys (REF 6 "Redelivery")
        self.custody = {}                                   # nomsNumber -> {"open", "episode"}
        self.spells = {}                                    # (MSH-4, PV1-19) -> Spell (the latest)
        self.spell_count = 0
        self.starts = collections.defaultdict(list)        # person -> [(instant, evidence, spell|None)]
        self.nrpf_status = {}                               # NRPF subject -> "nrpf" | "recourse"
        self.marks = collections.defaultdict(dict)         # child -> {day_ordinal*2+session: code}
        self.last_alert = {}                                # (rule, child) -> instant

    # -- helpers ----------------------------------------------------------------------------

    def emit(self, rule, la, children, subject, route, instant, evidence):
        self.alerts.append({
            "rule_id": rule, "la_code": la, "children": sorted(children), "subject": subject,
            "route": route, "raised_at": iso_local(instant), "date": uk_local(instant).date().isoformat(),
            "evidence": evidence,
        })

    def adult_rule(self, rule, carer, day, instant, evidence, already=None):
        """REF 6 / R22: one alert per LA of the carer's children, in la_code order."""
        by_la = collections.defaultdict(list)
        for child in self.reg.children_of(carer, day):
            by_la[self.reg.persons[child].la].append(child)
        for la in sorted(by_la, key=lambda x: (x is None, x or "")):
            if already is not None:
                if (carer, la) in already:
                    continue
                already.add((carer, la))
            self.emit(rule, la, by_la[la], carer, self.reg.route(by_la[la], day, la), instant, evidence)

    def unknown_dependants(self, person, dob, dependants, la, day, instant, evidence):
        """REF 6: an adult declaring dependants > 0 who matches nobody or cares for no child."""
        if not dependants or dependants <= 0:
            return
        if dob is None and person is not None:  # R11: record's dob, else the register's
            dob = self.reg.persons[person].dob
        if is_child_dob(dob, day):
            return
        if person is not None and self.reg.children_of(person, day):
            return
        la = la or self.default_la  # R24
        self.emit("unknown_dependants", la, [], person, {"front_door": la}, instant, evidence)

    # -- custody (REF 2) -------------------------------------------------------------------

    def on_custody(self, instant, ev):
        key = ("custody", ev["event_type"], instant, ev["noms"], ev["reason"])
        if key in self.seen:
            return
        self.seen.add(key)
        state = self.custody.setdefault(ev["noms"], {"open": False, "episode": 0})
        if ev["kind"] == "released":
            if ev["reason"] in RELEASE_ENDS:
                state["open"] = False   # ends the episode (a release with none open changes nothing)
            return
        if ev["reason"] not in NEW_RECEPTION or state["open"]:
            return  # TRANSFERRED etc change nothing; a start while open is the same episode
        state["open"] = True
        state["episode"] += 1
        day = uk_local(instant).date()
        evidence = [{"feed": "custody", "time": iso_local(instant), "id": ev["noms"]}]
        person = self.reg.resolve(nhs=ev["nhs"], dob=ev["dob"], family=ev["family"], postcode=ev["postcode"])
        if person is not None:  # R13: the person the starting record resolves to
            self.starts[person].append((instant, evidence[0], None))
            self.adult_rule("parental_custody", person, day, instant, evidence)
        self.unknown_dependants(person, ev["dob"], ev["dependants"], ev["la"], day, instant, evidence)

    # -- inpatient (REF 3, R14-R16) ------------------------------------------------------------

    def is_mh(self, facility, service):
        return (service or "") in self.mh_services or facility in self.mh_providers

    def on_inpatient(self, instant, ev):
        key = ("inpatient", ev["facility"], ev["control_id"])
        if key in self.seen:
            return
        self.seen.add(key)
        trigger, spell_key = ev["trigger"], (ev["facility"], ev["visit"])
        spell = self.spells.get(spell_key)
        if trigger in ("A01", "A06"):
            if ev["patient_class"] != "I":
                return                      # only inpatient spells count
            if spell is not None and spell.status == "open":
                return                      # a further A01 for an open spell changes nothing
            self.spell_count += 1
            spell = Spell(self.spell_count, ev["service"] or "")
            self.spells[spell_key] = spell  # after discharge/cancel: a new spell
            if self.is_mh(ev["facility"], spell.service):
                spell.is_mh = True
                self.mh_spell_start(spell, instant, ev)
        elif trigger in ("A02", "A08"):
            if spell is None or spell.status != "open":
                return
            if ev["service"] is not None:   # F7
                spell.service = ev["service"]
            now_mh = self.is_mh(ev["facility"], spell.service)
            if now_mh and not spell.is_mh:
                spell.is_mh = True
                self.mh_spell_start(spell, instant, ev)
            spell.is_mh = now_mh
        elif trigger == "A03":
            if spell is not None and spell.status == "open":
                spell.status = "discharged"
        elif trigger == "A13":
            if spell is not None and spell.status == "discharged":
                spell.status = "open"
        elif trigger == "A11":
            if spell is not None and spell.status in ("open", "discharged"):
                spell.status = "cancelled"  # never happened from now on (R16); alerts stand
        # other ADT triggers: accepted, change nothing

    def mh_spell_start(self, spell, instant, ev):
        """R15: record the start for the person the message resolves to; alert once per
        (carer, spell, LA)."""
        person = self.reg.resolve(nhs=ev["nhs"], dob=ev["dob"], family=ev["family"], postcode=ev["postcode"])
        if person is None:
            return
        evidence = [{"feed": "inpatient", "time": iso_local(instant), "id": ev["control_id"]}]
        self.starts[person].append((instant, evidence[0], spell))
        self.adult_rule("parental_mh_inpatient", person, uk_local(instant).date(), instant,
                        evidence, already=spell.alerted)

    # -- NRPF (REF 5, R17, R18) --------------------------------------------------------------

    def on_nrpf(self, instant, ev):
        key = ("nrpf", ev["record_id"])
        if key in self.seen:
            return
        self.seen.add(key)
        person = self.reg.resolve(nhs=ev["nhs"], dob=ev["dob"], family=ev["family"], postcode=ev["postcode"])
        if person is not None:
            subject = person
        elif ev["nhs"]:
            subject = ("nhs", ev["nhs"])
        else:
            subject = ("name", norm_name(ev["given"]), norm_name(ev["family"]), ev["dob"])
        # Events run in effective order, so this record is the latest effective at or before
        # any later instant (ties: processed later wins).
        before = self.nrpf_status.get(subject)
        self.nrpf_status[subject] = ev["status"]
        if before != "nrpf" and ev["status"] == "nrpf":  # "NRPF status begins"
            evidence = [{"feed": "nrpf", "time": iso_local(instant), "id": ev["record_id"]}]
            self.unknown_dependants(person, ev["dob"], ev["dependants"], ev["la"],
                                    uk_local(instant).date(), instant, evidence)

    # -- attendance (REF 4) and the absence rules (REF 6) ------------------------------------

    def on_attendance(self, instant, ev):
        day = ev["day"]
        child = self.reg.resolve(dob=ev["dob"], upn=ev["upn"], given=ev["given"],
                                 family=ev["family"], attendance=True)
        if child is None or not self.reg.is_child(child, day):
            return  # R19: counted, changes nothing
        key = ("attendance", child, day, ev["session"], ev["code"])
        if key in self.seen:
            return  # redelivered mark
        self.seen.add(key)
        marks = self.marks[child]
        marks[day.toordinal() * 2 + (0 if ev["session"] == "AM" else 1)] = ev["code"]  # replaces

        # Absence rate (6 weeks), R21: the mark's ISO week and the five before, 84 sessions.
        # (map/count instead of a for loop: the same thing, fast enough for 700,000 marks)
        first = (day.toordinal() - day.weekday() - 35) * 2
        window = list(map(CATEGORY.get, map(marks.get, range(first, first + 84))))
        absent = window.count("absent")
        possible = absent + window.count("present")
        if possible < 20 or absent * 10 < possible:  # defined from 20 possible; 10% or more
            return

        la = self.reg.persons[child].la
        carers = self.reg.carers_of(child, day)
        mark_ev = {"feed": "attendance", "time": iso_local(instant),
                   "id": "%s %s %s" % (ev["upn_raw"], day.isoformat(), ev["session"])}

        # nrpf_absence: NRPF active for the child or one of the child's carers.
        if any(self.nrpf_status.get(p) == "nrpf" for p in [child] + carers):
            self.child_rule("nrpf_absence", child, la, day, instant, [mark_ev])

        # adversity_then_absence: a carer started custody or an MH spell, t - 90 days <= s <= t.
        since = instant - 90 * DAY
        recent = [evidence for carer in carers for s, evidence, spell in self.starts.get(carer, ())
                  if since <= s <= instant and (spell is None or spell.status != "cancelled")]
        if recent:
            self.child_rule("adversity_then_absence", child, la, day, instant, [mark_ev] + recent[:3])

    def child_rule(self, rule, child, la, day, instant, evidence):
        """One alert per child per 28 days (an alert exactly at +28 days is allowed)."""
        last = self.last_alert.get((rule, child))
        if last is not None and instant < last + 28 * DAY:
            return
        self.last_alert[(rule, child)] = instant
        self.emit(rule, la, [child], None, self.reg.route([child], day, la), instant, evidence)

    # -- driver -----------------------------------------------------------------------------

    def run(self, events):
        # REF 6 / R3: event instant, then feed rank, then position in the feed.
        events.sort(key=lambda e: (e[0], FEED_RANK[e[1]], e[2]))
        handlers = {"custody": self.on_custody, "inpatient": self.on_inpatient,
                    "nrpf": self.on_nrpf, "attendance": self.on_attendance}
        for instant, feed, _pos, ev in events:
            handlers[feed](instant, ev)
        return self.alerts


def compute(register_dir, feeds, default_la=None, mh_services=None, mh_providers=()):
    """feeds: list of (name, path). Returns (alerts, dead_letters)."""
    dead = []
    register = Register(register_dir, dead)
    oracle = Oracle(register, default_la, mh_services, mh_providers)
    events, offset = [], collections.Counter()
    for name, path in feeds:
        if name == "custody":
            parsed = read_custody(path, dead)
        elif name == "inpatient":
            parsed = read_inpatient(path, dead, oracle.mh_services, oracle.mh_providers)
        elif name == "attendance":
            parsed = read_attendance(path, dead)
        elif name == "nrpf":
            parsed = read_nrpf(path, dead)
        else:
            raise SystemExit("unknown feed %r" % name)
        base = offset[name]
        for instant, feed, pos, ev in parsed:  # several files of one feed: in the order given
            events.append((instant, feed, base + pos, ev))
            offset[name] = max(offset[name], base + pos + 1)
    return oracle.run(events), dead


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--register", required=True)
    ap.add_argument("--feed", action="append", default=[], help="NAME=FILE (custody, inpatient, attendance, nrpf)")
    ap.add_argument("--default-la")
    ap.add_argument("--mh-provider", action="append", nargs="+", default=[])
    ap.add_argument("--mh-services")
    ap.add_argument("--dead-letters", help="write dead-lettered records here (JSON lines)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    feeds = []
    for spec in args.feed:
        name, sep, path = spec.partition("=")
        if not sep or name not in FEED_RANK:
            ap.error("--feed wants custody|inpatient|attendance|nrpf=FILE, got %r" % spec)
        feeds.append((name, path))
    services = args.mh_services.replace(",", " ").split() if args.mh_services is not None else None
    providers = [p for group in args.mh_provider for p in group]
    alerts, dead = compute(args.register, feeds, args.default_la, services, providers)
    with open(args.out, "w") as out:
        for a in alerts:
            out.write(json.dumps(a, sort_keys=True) + "\n")
    if args.dead_letters:
        with open(args.dead_letters, "w") as out:
            for feed, pos, reason in dead:
                out.write(json.dumps({"feed": feed, "position": pos, "reason": reason}, sort_keys=True) + "\n")
    print("%d alerts, %d dead-lettered" % (len(alerts), len(dead)), file=sys.stderr)


if __name__ == "__main__":
    main()
