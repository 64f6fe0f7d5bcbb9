#!/usr/bin/env python3
"""Writes N synthetic HL7 v2.4 ADT^A01 messages (CR-separated segments) for load tests:
distinct control ids and visit numbers, valid NHS numbers (Modulus 11), mental-health service.

  hl7_gen.py N > messages.hl7
"""
import sys


def nhs(i):
    while True:
        base = f'{(999000000 + i) % 1000000000:09d}'
        total = sum(int(d) * (10 - k) for k, d in enumerate(base))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return base + str(check)
        i += 7919


n = int(sys.argv[1])
out = []
for i in range(n):
    t = f'2026{(i % 12) + 1:02d}{(i % 28) + 1:02d}0930'
    out.append('\r'.join([
        f'MSH|^~\\&|PAS|RX{i % 7}|HEARTH|LA|{t}||ADT^A01|L{i:08d}|P|2.4',
        f'EVN|A01|{t}',
        f'PID|1||{nhs(i)}^^^NHS^NH||LOAD^TEST{i}||19800101|F|||1 HIGH ST^^LONDON^^NW5 6QL',
        '|'.join(['PV1', '1', 'I', 'W1'] + [''] * 6 + ['710'] + [''] * 8 + [f'V{i:08d}'] + [''] * 24 + [t]),
    ]) + '\r')
sys.stdout.write(''.join(out))
