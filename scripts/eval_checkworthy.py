#!/usr/bin/env python3
"""Average precision over a whole labelled set and the mean of per-debate average precision.

For the CheckThat! 2019/2020 test sets in ../shared/eval/more, whose ids are DEBATE:LINE and
whose official metric is the mean over debates ("MAP"). Standard library only.

  claimdesk score - < TEXTS > PRED
  python3 scripts/eval_checkworthy.py GOLD.tsv PRED
"""
import csv
import sys
from collections import defaultdict


def read_gold(path):
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return [(r[0], r[-1].strip().lower() == "yes") for r in rows[1:] if r]


def average_precision(pairs):
    """Tie-aware: precision at each distinct score, weighted by the recall it adds."""
    positives = sum(1 for _, y in pairs if y)
    if positives == 0:
        return None
    pairs = sorted(pairs, key=lambda p: -p[0])
    ap, hits, prev_recall, i = 0.0, 0, 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            hits += pairs[j][1]
            j += 1
        recall = hits / positives
        ap += (recall - prev_recall) * hits / j
        prev_recall, i = recall, j
    return ap


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    gold = read_gold(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        scores = [float(line) for line in f if line.strip()]
    if len(scores) != len(gold):
        sys.exit(f"{len(scores)} scores for {len(gold)} gold rows")
    by_debate = defaultdict(list)
    for (sid, y), s in zip(gold, scores):
        by_debate[sid.split(":")[0]].append((s, y))
    per_debate = [a for a in (average_precision(p) for p in by_debate.values()) if a is not None]
    print(f"sentences\t{len(gold)}")
    print(f"positives\t{sum(y for _, y in gold)}")
    print(f"debates\t{len(per_debate)}")
    print(f"average_precision\t{average_precision([(s, y) for (_, y), s in zip(gold, scores)]):.4f}")
    print(f"mean_per_debate_ap\t{sum(per_debate) / len(per_debate):.4f}")


if __name__ == "__main__":
    main()
