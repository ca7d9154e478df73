#!/usr/bin/env python3
"""A news site on loopback for scripts/feed_bench.sh: /feed.xml lists ARTICLES articles (RSS
2.0), /a/N is article N, /robots.txt allows everything. Every request to /a/ is counted; GET
/stats answers the count of article fetches and of distinct articles fetched.

With SENTENCES (a TSV whose second column is a sentence, e.g. the CheckThat! 2024 training
sentences in ../shared/eval), article N is five consecutive sentences of it, none used twice
(real prose: most sentence pairs share few trigrams). Without, article N is four claims from
six wire-style templates and a line that is not a claim (every claim then has thousands of
near-copies). Either way one article in twenty repeats a sentence of the article before it, as
wire copy does, and no two articles share a content hash.

    python3 scripts/feed_bench.py PORT ARTICLES [SENTENCES]
"""

import csv
import html
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTRIES = ["Eastland", "Westmark", "Norland", "Sudovia", "Kestria", "Varnia", "Ostrand",
             "Belmora", "Calvany", "Drevia", "Elbonia", "Fenwick", "Galdor", "Hestia", "Iberra",
             "Jorvik", "Kalmar", "Lunaria", "Moravel", "Nivera", "Orlesk", "Pravia", "Quennel",
             "Rostova", "Savenna", "Tarnia", "Ulmaria", "Valdor", "Wystan", "Zemlya"]
WEAPONS = ["coastal missile batteries", "air-defence systems", "armoured vehicles",
           "artillery pieces", "patrol boats", "transport helicopters", "fighter jets",
           "radar stations", "anti-ship missiles", "mine-clearing vessels"]
SPEAKERS = ["the defence ministry said", "the finance minister told parliament",
            "according to customs data", "the central bank reported", "officials said",
            "the state news agency reported", "a government spokesperson confirmed",
            "according to figures seen by reporters", "the energy regulator said",
            "the prime minister's office said", "the IMF said in a statement",
            "industry sources said"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
COMMODITIES = ["crude oil", "natural gas", "wheat", "coal", "copper", "fertiliser"]
FILLER = ["It was a quiet week otherwise, and shops opened as usual.",
          "Reporters waited outside the building for most of the afternoon.",
          "The weather in the capital stayed mild for the season.",
          "Traffic was heavy on the ring road during the morning."]


def pick(seq, n, salt):
    return seq[(n * 7919 + salt * 104729) % len(seq)]


def article(n: int) -> str:
    """Article n: five sentences drawn from several templates with many fillers, so two
    articles rarely share a near-copy; one article in twenty repeats the first claim of the
    article before it, as wire copy does."""
    a, b = pick(COUNTRIES, n, 1), pick(COUNTRIES, n, 2)
    if a == b:
        b = pick(COUNTRIES, n + 1, 3)
    year, month = 2005 + n % 21, pick(MONTHS, n, 4)
    templates = [
        f"{a} received {n % 97 + 2} {pick(WEAPONS, n, 5)} from {b} in {month} {year}, "
        f"{pick(SPEAKERS, n, 6)}.",
        f"{b} has lent {a} ${n % 89 + 1}.{n % 10} billion since {year - n % 9}, "
        f"{pick(SPEAKERS, n, 7)}.",
        f"Exports of {pick(COMMODITIES, n, 8)} from {a} rose to {n % 900 + 100},000 tonnes "
        f"in {month}, up {n % 40 + 2} percent on a year earlier, {pick(SPEAKERS, n, 9)}.",
        f"The foreign ministers of {a} and {pick(COUNTRIES, n, 10)} signed a {n % 5 + 2}-year "
        f"agreement on {pick(COMMODITIES, n, 11)} transit in {pick(MONTHS, n, 12)}, "
        f"{pick(SPEAKERS, n, 13)}.",
        f"Inflation in {a} reached {n % 30 + 1}.{n % 7} percent in {month} {year}, "
        f"{pick(SPEAKERS, n, 14)}.",
        f"{a}'s budget deficit widened to {n % 12 + 1}.{n % 9} percent of output in {year}, "
        f"{pick(SPEAKERS, n, 15)}.",
    ]
    start = n % len(templates)
    paragraphs = [templates[(start + k) % len(templates)] for k in range(4)]
    if n % 20 == 1:
        prev = n - 1
        prev_templates_first = article_first_claim(prev)
        paragraphs[0] = prev_templates_first
    paragraphs.append(pick(FILLER, n, 16) + f" (Report {n}.)")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><title>Report {n}</title></head><body><article>"
            f"<h1>Report {n}: {a} and {b}</h1>{body}</article></body></html>")


def article_first_claim(n: int) -> str:
    html = article(n)
    return html.split("<p>", 1)[1].split("</p>", 1)[0]


SENTENCES: list = []


def article_from_sentences(n: int) -> str:
    """Article n: sentences 5n to 5n+4 (wrapping round when there are too few)."""
    count = len(SENTENCES)
    paragraphs = [SENTENCES[(5 * n + k) % count] for k in range(5)]
    if n % 20 == 1:
        paragraphs[0] = SENTENCES[(5 * (n - 1)) % count]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><title>Report {n}</title></head><body><article>"
            f"<h1>Report {n}</h1>{body}<p>(Report {n}.)</p></article></body></html>")


def load_sentences(path: str) -> list:
    with open(path, encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows, None)
        texts = (" ".join(r[1].split()) for r in rows if len(r) > 1)
        # Transcribed quotations come wrapped in quotation marks; an article prints them bare.
        return [t[1:-1] if len(t) > 2 and t[0] == t[-1] == '"' else t for t in texts if t]


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
            page = article_from_sentences(n) if SENTENCES else article(n)
            self.send(200, "text/html; charset=utf-8", page.encode())
        elif path == "/stats":
            with Site.lock:
                text = f"{sum(Site.fetched.values())} {len(Site.fetched)}\n"
            self.send(200, "text/plain", text.encode())
        else:
            self.send(404, "text/plain", b"not found")


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    if len(sys.argv) > 3:
        SENTENCES.extend(load_sentences(sys.argv[3]))
    Site.articles = count
    items = "".join(f"<item><title>Report {n}</title><link>/a/{n}</link></item>"
                    for n in range(count))
    Site.feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
                 f"{items}</channel></rss>").encode()
    ThreadingHTTPServer(("127.0.0.1", port), Site).serve_forever()


if __name__ == "__main__":
    main()
