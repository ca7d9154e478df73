#!/usr/bin/env python3
"""Train the embedding head of the check-worthiness blend (data/checkworthy-head.bin).

Follows the selection protocol in BENCHMARKS.md ("Check-worthiness that generalises"):
CT24 train sorted by Sentence_id, oldest 80 % to fit, newest 20 % to select the head's C, the
blend weight and the threshold (every Nth sentence of each part, see --fit-every and
--select-every); the head is then refitted on every embedded sentence. dev, dev-test and the
more/ sets are never read here.

The sentences are embedded by claimdesk's own encoder (examples/embed_lines.rs), so training and
inference see the same vectors. Data: CLEF-2024 CheckThat! Lab Task 1 English (Hasanain et al.,
CEUR-WS Vol-3740). Needs numpy, scipy and scikit-learn.

  cargo build --release --example embed_lines
  python3 scripts/train_checkworthy_head.py --data ../shared/eval --out data/checkworthy-head.bin
  touch src/checkworthy/mod.rs   # the head is compiled in
"""
import argparse
import csv
import hashlib
import os
import struct
import subprocess
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_checkworthy import Featurizer  # noqa: E402  (the fast model's own features)

MAGIC = b"CWEH"
VERSION = 1
DIMS = 384
HEAD_CS = [0.25, 1.0, 4.0, 16.0]
FAST_C = 2.0  # the shipped fast model's setting (train_checkworthy.py default)


def read_rows(path):
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    header = [h.strip().lower() for h in rows[0]]
    ti, li = header.index("text"), header.index("class_label")
    out = []
    for r in rows[1:]:
        if len(r) != len(header):
            continue
        out.append((int(r[0]), " ".join(r[ti].split()), 1 if r[li].strip().lower() == "yes" else 0))
    return out


def embed(texts, work, tool):
    """Embeddings of `texts` from claimdesk's encoder, cached by the texts' hash."""
    blob = "\n".join(texts).encode("utf-8") + b"\n"
    key = hashlib.sha256(blob).hexdigest()[:16]
    vec_path = os.path.join(work, f"{key}.f32")
    if not os.path.exists(vec_path):
        txt_path = os.path.join(work, f"{key}.txt")
        with open(txt_path, "wb") as f:
            f.write(blob)
        subprocess.run([tool, txt_path, vec_path + ".part"], check=True)
        os.replace(vec_path + ".part", vec_path)
    x = np.fromfile(vec_path, dtype="<f4").reshape(-1, DIMS)
    if len(x) != len(texts):
        sys.exit(f"{vec_path}: {len(x)} vectors for {len(texts)} texts")
    return x.astype(np.float64)


def fast_slope_offset(path):
    with open(path, "rb") as f:
        head = f.read(36)
    if head[:4] != b"CWLR":
        sys.exit(f"{path}: not a fast model")
    _bias, _scale, slope, offset = struct.unpack("<ffff", head[20:36])
    return slope, offset


def best_threshold(s, y):
    """The score threshold with the best F1 of the Yes class (midpoint between scores)."""
    order = np.argsort(-s)
    ys, ss = y[order], s[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    f1 = 2 * tp / (k + ys.sum())
    # Only cut between distinct scores.
    valid = np.append(ss[:-1] > ss[1:], True)
    f1 = np.where(valid, f1, -1)
    i = int(np.argmax(f1))
    t = ss[i] if i + 1 == len(ss) else (ss[i] + ss[i + 1]) / 2
    return float(t), float(f1[i])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/eval")
    ap.add_argument("--out", default="data/checkworthy-head.bin")
    ap.add_argument("--work", default="var/checkworthy-train", help="embedding cache")
    ap.add_argument("--embed-tool", default="target/release/examples/embed_lines")
    ap.add_argument("--fast-model", default="data/extract/checkworthy.bin")
    ap.add_argument("--fit-every", type=int, default=6,
                    help="embed every Nth sentence of the fit part (encoder time)")
    ap.add_argument("--select-every", type=int, default=2,
                    help="use every Nth sentence of the select part")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    every = sorted(read_rows(f"{args.data}/CT24_checkworthy_english_train.tsv"))
    full_cut = int(len(every) * 0.8)
    # Every Nth sentence in id order: the time order and the 80/20 boundary are kept.
    rows = every[:full_cut][::args.fit_every] + every[full_cut:][::args.select_every]
    cut = len(every[:full_cut][::args.fit_every])
    ids = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    y = np.array([r[2] for r in rows])
    print(f"fit ids {ids[0]}..{ids[cut - 1]} ({cut}), select ids {ids[cut]}..{ids[-1]} "
          f"({len(rows) - cut})", file=sys.stderr)
    x = embed(texts, args.work, args.embed_tool)
    fit, sel = slice(0, cut), slice(cut, None)

    # The fast model's replica on the fit part, scaled like the shipped one.
    slope, offset = fast_slope_offset(args.fast_model)
    fz = Featurizer(16, 3, 4)
    fast = LogisticRegression(C=FAST_C, solver="liblinear", class_weight="balanced", max_iter=2000)
    fast.fit(fz.matrix([r[1] for r in every[:full_cut]]),
             np.array([r[2] for r in every[:full_cut]]))
    fast_sel = slope * fast.decision_function(fz.matrix(texts[cut:])) + offset
    print(f"fast replica: select AP {average_precision_score(y[sel], fast_sel):.4f}", file=sys.stderr)

    best = None
    for c in HEAD_CS:
        head = LogisticRegression(C=c, solver="lbfgs", class_weight="balanced", max_iter=5000)
        head.fit(x[fit], y[fit])
        z = head.decision_function(x[sel])
        apv = average_precision_score(y[sel], z)
        print(f"head C={c}: select AP {apv:.4f}", file=sys.stderr)
        if best is None or apv > best[0]:
            best = (apv, c, z)
    _, c, head_sel = best

    best = None
    for w in np.round(np.arange(0, 1.0001, 0.05), 2):
        s = w * fast_sel + (1 - w) * head_sel
        apv = average_precision_score(y[sel], s)
        print(f"blend w={w:.2f}: select AP {apv:.4f}", file=sys.stderr)
        if best is None or apv > best[0] + 1e-12:
            best = (apv, float(w), s)
    apv, w, s = best
    t, f1 = best_threshold(s, y[sel])
    print(f"chosen C={c} w={w:.2f} threshold={t:.4f}: select AP {apv:.4f} F1 {f1:.4f} "
          f"(F1 at 0 {f1_score(y[sel], (s >= 0).astype(int)):.4f})", file=sys.stderr)

    # How often extraction may skip the encoder: the share of select sentences the fast model
    # puts below each floor, and the share of the blend's Yes decisions lost by skipping them.
    fast_p = 1 / (1 + np.exp(-fast_sel))
    for floor in (0.05, 0.1, 0.2, 0.25, 0.3):
        skipped = fast_p < floor
        lost = np.sum(skipped & (s >= t)) / max(1, np.sum(s >= t))
        print(f"encoder floor {floor}: skips {skipped.mean():.3f} of sentences, "
              f"loses {lost:.3f} of the blend's Yes", file=sys.stderr)

    head = LogisticRegression(C=c, solver="lbfgs", class_weight="balanced", max_iter=5000)
    head.fit(x, y)
    weights = head.coef_[0].astype("<f4")
    with open(args.out, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<II", VERSION, DIMS))
        f.write(struct.pack("<fff", w, t, float(head.intercept_[0])))
        f.write(weights.tobytes())
    print(f"wrote {args.out} ({24 + DIMS * 4} bytes): C={c} w={w} threshold={t:.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
