#!/usr/bin/env python3
"""Alert ids from kcat output in the format '%S:%s' (payload length, colon, payload).

  kcat -C -b B -t hearth.alerts.v1 -e -q -f '%S:%s' | kcat_alert_ids.py > ids.txt

Decodes just field 1 (alert_id, a string) of each hearth.v1.Alert: tag 0x0A, varint length,
bytes. Prints one id per line, in topic order. No protobuf library needed.
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


def alert_id(msg):
    i = 0
    while i < len(msg):
        key, i = varint(msg, i)
        field, wire = key >> 3, key & 7
        if wire == 2:
            n, i = varint(msg, i)
            if field == 1:
                return msg[i:i + n].decode()
            i += n
        elif wire == 0:
            _, i = varint(msg, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError("unexpected wire type %d" % wire)
    raise ValueError("alert without alert_id")


data = sys.stdin.buffer.read()
i = 0
while i < len(data):
    colon = data.index(b":", i)
    n = int(data[i:colon])
    print(alert_id(data[colon + 1:colon + 1 + n]))
    i = colon + 1 + n
