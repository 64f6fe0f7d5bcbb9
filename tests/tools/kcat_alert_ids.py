#!/usr/bin/env python3
"""Alert ids from kcat output in the format '%S:%s' (payload length, colon, payload).

  kcat -C -b B -t hearth.alerts.v1 -e -q -f '%S:%s' | kcat_alert_ids.py [--summary] > ids.txt

Decodes the string fields of each hearth.v1.Alert (wire format, no protobuf library needed) and
prints one alert_id per line in topic order; with --summary, "la_code rule_id child,child...";
with --versions, "rule_id rule_version rule_pack_checksum".
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_wire import fields, frames  # noqa: E402


def strings(msg):
    """Field number -> list of the string values it holds (the Alert's own fields only)."""
    out = {}
    for field, wire, value in fields(msg):
        if wire == 2 and field in (1, 2, 5, 7, 12):  # alert_id, rule_id, la_code, children, pack checksum
            out.setdefault(field, []).append(value.decode())
        elif wire == 0 and field == 3:  # rule_version
            out[3] = [str(value)]
    if 1 not in out:
        raise ValueError("alert without alert_id")
    return out


for payload in frames(sys.stdin.buffer.read()):
    f = strings(payload)
    if "--versions" in sys.argv:
        print(f[2][0], f.get(3, ["0"])[0], f.get(12, [""])[0])
    elif "--summary" in sys.argv:
        print(f.get(5, [""])[0], f[2][0], ",".join(f.get(7, [])))
    else:
        print(f[1][0])
