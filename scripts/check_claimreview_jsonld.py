#!/usr/bin/env python3
"""Expands a claimdesk ClaimReview export with a standard JSON-LD processor (pyld), offline.

usage: check_claimreview_jsonld.py FILE      (pip install pyld)

The schema.org context is served from a local stand-in ({"@vocab": "https://schema.org/"}), so
nothing is fetched. Fails unless every item expands to a ClaimReview with the fields search
engines require for ClaimReview rich results."""
import json
import sys

from pyld import jsonld

SCHEMA = "https://schema.org/"
CONTEXT = {"@context": {"@vocab": SCHEMA}}


def loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": CONTEXT}
    raise jsonld.JsonLdError("no network here", "loading document failed", {"url": url})


def main(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    expanded = jsonld.expand(doc, {"documentLoader": loader})
    reviews = [n for n in expanded if SCHEMA + "ClaimReview" in n.get("@type", [])]
    problems = []
    if len(reviews) != len(expanded):
        problems.append(f"{len(expanded) - len(reviews)} items are not ClaimReview")
    for review in reviews:
        for key in ("claimReviewed", "reviewRating", "url", "author", "datePublished", "itemReviewed"):
            if SCHEMA + key not in review:
                problems.append(f"a ClaimReview lacks {key}")
        rating = (review.get(SCHEMA + "reviewRating") or [{}])[0]
        for key in ("ratingValue", "bestRating", "worstRating", "alternateName"):
            if SCHEMA + key not in rating:
                problems.append(f"a reviewRating lacks {key}")
    for p in problems:
        print(p)
    print(f"{len(reviews)} ClaimReview items expanded; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
