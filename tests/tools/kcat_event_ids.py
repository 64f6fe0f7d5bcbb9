#!/usr/bin/env python3
"""One line per canonical event from kcat output in the format '%S:%s' (payload length, colon,
payload): "feed source position", which names the agency record the event came from.

  kcat -C -b B -t hearth.events.v1 -e -q -f '%S:%s' | kcat_event_ids.py > events.txt

Decodes hearth.v1.AgencyEvent's fields 1 (feed), 3 (source) and 4 (position) from the wire
format, with no protobuf library. A message that is not an AgencyEvent prints "undecodable".
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_wire import fields, frames  # noqa: E402


def identity(msg):
    got = {1: 0, 3: "", 4: 0}
    for field, wire, value in fields(msg):
        if field in (1, 4) and wire == 0:
            got[field] = value
        elif field == 3 and wire == 2:
            got[3] = value.decode()
    return "%d %s %d" % (got[1], got[3], got[4])


for payload in frames(sys.stdin.buffer.read()):
    try:
        print(identity(payload))
    except (ValueError, IndexError, UnicodeDecodeError):
        print("undecodable")
