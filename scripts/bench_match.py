#!/usr/bin/env python3
"""Latency of POST /api/v1/match on loopback: one request at a time, each query once.

usage: bench_match.py BASE_URL TOKEN QUERIES.tsv [ROUNDS]

QUERIES.tsv is `id<TAB>text` with a header (CSV-style quoting). Prints p50, p90, p99 and max
in milliseconds. Only loopback addresses are accepted.
"""
import csv
import json
import sys
import time
import urllib.parse
import urllib.request


def main():
    base, token, path = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    host = urllib.parse.urlparse(base).hostname
    if host not in ('127.0.0.1', 'localhost', '::1'):
        sys.exit('loopback only')
    with open(path, encoding='utf-8', newline='') as f:
        rows = list(csv.reader(f, delimiter='\t', quotechar='"'))[1:]
    texts = [r[1] for r in rows if len(r) > 1]
    times = []
    for _ in range(rounds):
        for text in texts:
            body = json.dumps({'text': text, 'limit': 5}).encode()
            req = urllib.request.Request(base + '/api/v1/match', data=body, method='POST', headers={
                'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'})
            start = time.perf_counter()
            with urllib.request.urlopen(req, timeout=30) as res:
                res.read()
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f'requests {len(times)}  p50 {pick(0.5):.1f} ms  p90 {pick(0.9):.1f} ms  '
          f'p99 {pick(0.99):.1f} ms  max {times[-1]:.1f} ms')


if __name__ == '__main__':
    main()
