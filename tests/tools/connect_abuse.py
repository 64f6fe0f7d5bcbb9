#!/usr/bin/env python3
"""Abuses a connector listener and reports what the server did, as one JSON line.

  connect_abuse.py --port P --mode random|slow|big|tls [--conns N] [--seconds S] [--mb M]

random  N connections each send 64 KiB of random bytes; counts those the server closed.
slow    N connections send the start of an MLLP frame, then one byte every 0.5 s (slowloris) for
        S seconds; counts those the server closed before the end.
big     one connection streams a frame of M MiB (default 100); reports how many bytes the server
        took before closing, and the ACK code it answered with.
tls     N connections send random bytes, and N a truncated TLS ClientHello, to a TLS port.
"""
import argparse
import json
import os
import socket
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--mode', required=True)
ap.add_argument('--conns', type=int, default=50)
ap.add_argument('--seconds', type=float, default=5)
ap.add_argument('--mb', type=int, default=100)
a = ap.parse_args()


def conn():
    s = socket.create_connection(('127.0.0.1', a.port), timeout=10)
    return s


def closed_by_server(s, wait):
    s.settimeout(wait)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def random_one(res, i):
    try:
        s = conn()
        s.sendall(os.urandom(65536))
        res[i] = closed_by_server(s, 5)
        s.close()
    except OSError:
        res[i] = True


def slow_one(res, i, end):
    try:
        s = conn()
        s.sendall(b'\x0bMSH|^~\\&|')
        while time.time() < end:
            time.sleep(0.5)
            s.sendall(b'A')
        res[i] = False
        s.close()
    except OSError:
        res[i] = True


def tls_one(res, i, hello):
    try:
        s = conn()
        if hello:
            # A ClientHello record header announcing 512 bytes, then only part of it.
            s.sendall(bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]) + os.urandom(40))
        else:
            s.sendall(os.urandom(4096))
        res[i] = closed_by_server(s, 8)
        s.close()
    except OSError:
        res[i] = True


def run(target, n, *extra):
    res = [None] * n
    ts = [threading.Thread(target=target, args=(res, i) + extra) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(1 for r in res if r)


out = {'mode': a.mode}
if a.mode == 'random':
    out.update(connections=a.conns, closed_by_server=run(random_one, a.conns))
elif a.mode == 'slow':
    out.update(connections=a.conns, closed_by_server=run(slow_one, a.conns, time.time() + a.seconds))
elif a.mode == 'tls':
    out.update(connections=2 * a.conns, closed_by_server=run(tls_one, a.conns, False) + run(tls_one, a.conns, True))
elif a.mode == 'big':
    s = conn()
    sent, code = 0, ''
    chunk = b'A' * 65536
    try:
        s.sendall(b'\x0bMSH|^~\\&|PAS|RX1|HEARTH|LA|202609240930||ADT^A01|BIG0001|P|2.4\rZZZ|')
        while sent < a.mb << 20:
            s.sendall(chunk)
            sent += len(chunk)
        s.sendall(b'\x1c\r')
    except OSError:
        pass
    s.settimeout(5)
    try:
        d = b''
        while True:
            x = s.recv(65536)
            if not x:
                break
            d += x
        if b'MSA|' in d:
            code = d.split(b'MSA|')[1][:2].decode()
    except OSError:
        pass
    out.update(bytes_sent_before_close=sent, ack=code)
print(json.dumps(out))
