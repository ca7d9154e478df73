#!/usr/bin/env python3
"""Choose the matching blend on the training split only.

usage: tune_matching.py QRELS LEXICAL_RUN COSINE_RUN

Each run is `claimdesk match --top 200 --weights W` output for the same queries, with W = 1,0
(the lexical score alone) and 0,1 (the embedding cosine alone): together they give every
candidate's two signals (200 covers every candidate: 100 full-text ones and 100 nearest
neighbours). Also prints the recall of the candidate set. Prints MAP@5 for each blend on a 0.05 grid (weights summing to 1),
best first.
"""
import collections
import sys


def read_qrels(path):
    gold = collections.defaultdict(set)
    with open(path, encoding='utf-8') as f:
        for line in f:
            cols = line.rstrip('\n').split('\t')
            if len(cols) == 4 and cols[3].strip() != '0':
                gold[cols[0].strip()].add(cols[2].strip())
    return gold


def read_run(path):
    scores = collections.defaultdict(dict)
    with open(path, encoding='utf-8') as f:
        for line in f:
            q, d, _rank, score = line.rstrip('\n').split('\t')
            scores[q][d] = float(score)
    return scores


def map_at_5(gold, ranked):
    total = 0.0
    for q, relevant in gold.items():
        hits, ap = 0, 0.0
        for i, d in enumerate(ranked.get(q, [])[:5], 1):
            if d in relevant:
                hits += 1
                ap += hits / i
        total += ap / len(relevant)
    return total / len(gold)


def main():
    gold = read_qrels(sys.argv[1])
    lex, cosine = (read_run(p) for p in sys.argv[2:4])
    results = []
    for step in range(21):
        wl = step / 20
        wc = 1 - wl
        ranked = {}
        for q, cands in lex.items():
            scored = []
            for order, (d, l) in enumerate(cands.items()):
                c = cosine[q].get(d, l)
                scored.append((-(wl * l + wc * c), order, d))
            ranked[q] = [d for _, _, d in sorted(scored)]
        results.append((map_at_5(gold, ranked), wl, wc))
    found = sum(1 for q, rel in gold.items() if rel & set(lex.get(q, {})))
    print(f'candidate recall {found / len(gold):.4f} ({found}/{len(gold)} queries)')
    results.sort(key=lambda r: (-r[0], r[1]))
    for m, wl, wc in results:
        print(f'MAP@5 {m:.4f}  weights {wl:.2f},{wc:.2f}')


if __name__ == '__main__':
    main()
