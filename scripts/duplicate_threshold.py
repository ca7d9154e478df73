#!/usr/bin/env python3
"""Choose the cosine at which two claims count as duplicates, on the claim-matching training
split only (CLEF 2020 CheckThat! Task 2; ../shared/eval/claim-matching/README.md).

usage: duplicate_threshold.py EVAL_DIR EMBED_LINES_BINARY

Embeds the training claims (as they circulated) and every fact-checked claim with exactly the
encoder claimdesk runs (`examples/embed_lines`), then, for each training claim, looks at its
nearest fact-check: a pair is right when that fact-check settles the claim. Prints, per
threshold, how many nearest pairs reach it and how many of those are right (precision), and
how many fact-checks have another fact-check at or above it (distinct fact-checks are mostly
distinct claims, so that is a rate of links that would be wrong or at least doubtful).
"""
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np

csv.field_size_limit(10**7)


def read_tsv(path):
    with open(path, encoding='utf-8', newline='') as f:
        return list(csv.reader(f, delimiter='\t', quotechar='"'))


def embed(binary, texts):
    with tempfile.TemporaryDirectory() as tmp:
        lines = os.path.join(tmp, 'lines.txt')
        out = os.path.join(tmp, 'vectors.bin')
        with open(lines, 'w', encoding='utf-8') as f:
            for t in texts:
                f.write(' '.join(t.split()) + '\n')
        subprocess.run([binary, lines, out], check=True)
        return np.fromfile(out, dtype='<f4').reshape(len(texts), 384)


def main():
    data, binary = sys.argv[1], sys.argv[2]
    facts = read_tsv(os.path.join(data, 'fact_checks.tsv'))[1:]
    fact_ids = [r[0] for r in facts]
    queries = read_tsv(os.path.join(data, 'train_queries.tsv'))[1:]
    gold = {}
    for r in read_tsv(os.path.join(data, 'train_qrels.tsv')):
        if len(r) == 4 and r[3].strip() != '0':
            gold.setdefault(r[0].strip(), set()).add(r[2].strip())
    fv = embed(binary, [r[1] for r in facts])
    qv = embed(binary, [r[1] for r in queries])

    sims = qv @ fv.T
    best = sims.argmax(axis=1)
    best_cos = sims[np.arange(len(queries)), best]
    right = np.array([fact_ids[b] in gold.get(q[0].strip(), ()) for q, b in zip(queries, best)])

    ff = fv @ fv.T
    np.fill_diagonal(ff, -1)
    nearest_other = ff.max(axis=1)

    print('threshold  pairs  right  precision  fact-checks with another at or above')
    for t in np.arange(0.60, 0.96, 0.025):
        at = best_cos >= t
        n = int(at.sum())
        precision = right[at].mean() if n else float('nan')
        others = (nearest_other >= t).mean()
        print(f'{t:9.3f}  {n:5d}  {int(right[at].sum()):5d}  {precision:9.3f}  {others:8.3f}')


if __name__ == '__main__':
    main()
