#!/usr/bin/env python3
"""Alert ids from kcat output in the format '%S:%s' (payload length, colon, payload).

  kcat -C -b B -t hearth.alerts.v1 -e -q -f '%S:%s' | kcat_alert_ids.py [--summary] > ids.txt

Decodes the string fields of each hearth.v1.Alert (wire format, no protobuf library needed) and
prints one alert_id per line in topic order; with --summary, "la_code rule_id child,child..."
"""
import sys


def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, i
        shift += 7


def strings(msg):
    """Field number -> list of the string values it holds (the Alert's own fields only)."""
    out = {}
    i = 0
    while i < len(msg):
        key, i = varint(msg, i)
        field, wire = key >> 3, key & 7
        if wire == 2:
            n, i = varint(msg, i)
            if field in (1, 2, 5, 7):  # alert_id, rule_id, la_code, children
                out.setdefault(field, []).append(msg[i:i + n].decode())
            i += n
        elif wire == 0:
            _, i = varint(msg, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError("unexpected wire type %d" % wire)
    if 1 not in out:
        raise ValueError("alert without alert_id")
    return out


data = sys.stdin.buffer.read()
i = 0
while i < len(data):
    colon = data.index(b":", i)
    n = int(data[i:colon])
    f = strings(data[colon + 1:colon + 1 + n])
    if "--summary" in sys.argv:
        print(f.get(5, [""])[0], f[2][0], ",".join(f.get(7, [])))
    else:
        print(f[1][0])
    i = colon + 1 + n
