#!/usr/bin/env python3
"""A news site on loopback for scripts/feed_bench.sh: /feed.xml lists ARTICLES articles (RSS
2.0), /a/N is article N (a few paragraphs in wire style, different figures in each so no two
share a content hash), /robots.txt allows everything. Every request to /a/ is counted; GET
/stats answers the count of article fetches and of distinct articles fetched.

    python3 scripts/feed_bench.py PORT ARTICLES
"""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTRIES = ["Eastland", "Westmark", "Norland", "Sudovia", "Kestria", "Varnia", "Ostrand"]
WEAPONS = ["coastal missile batteries", "air-defence systems", "armoured vehicles",
           "artillery pieces", "patrol boats", "transport helicopters"]


def article(n: int) -> str:
    a, b = COUNTRIES[n % 7], COUNTRIES[(n // 7 + 3) % 7]
    weapon = WEAPONS[n % 6]
    paragraphs = [
        f"{a} received {n % 40 + 2} {weapon} from {b} in March {2015 + n % 10}, "
        f"the defence ministry said on Tuesday.",
        f"{b}'s state bank has lent {a} ${n % 90 + 3}.{n % 10} billion since {2010 + n % 12}, "
        f"according to finance ministry figures seen by reporters.",
        f"Oil output in {a} fell to {n % 900 + 100},000 barrels a day in {2018 + n % 6}, "
        f"down {n % 30 + 2} percent on the year before, the energy agency reported.",
        f"The foreign ministers of {a} and {b} met in the capital on Monday to discuss "
        f"the agreement, officials said.",
        f"It was a quiet week otherwise, and shops opened as usual in report {n}.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><title>Report {n}</title></head><body><article>"
            f"<h1>Report {n}: deliveries and loans</h1>{body}</article></body></html>")


class Site(BaseHTTPRequestHandler):
    articles = 0
    fetched: dict = {}
    lock = threading.Lock()
    feed = b""

    def log_message(self, *args):
        pass

    def send(self, status, ctype, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            self.send(200, "text/plain", b"User-agent: *\nAllow: /\n")
        elif path == "/feed.xml":
            self.send(200, "application/rss+xml", Site.feed)
        elif path.startswith("/a/") and path[3:].isdigit() and int(path[3:]) < Site.articles:
            n = int(path[3:])
            with Site.lock:
                Site.fetched[n] = Site.fetched.get(n, 0) + 1
            self.send(200, "text/html; charset=utf-8", article(n).encode())
        elif path == "/stats":
            with Site.lock:
                text = f"{sum(Site.fetched.values())} {len(Site.fetched)}\n"
            self.send(200, "text/plain", text.encode())
        else:
            self.send(404, "text/plain", b"not found")


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    Site.articles = count
    items = "".join(f"<item><title>Report {n}</title><link>/a/{n}</link></item>"
                    for n in range(count))
    Site.feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
                 f"{items}</channel></rss>").encode()
    ThreadingHTTPServer(("127.0.0.1", port), Site).serve_forever()


if __name__ == "__main__":
    main()
