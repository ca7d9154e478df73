#!/usr/bin/env python3
"""Train the check-worthiness model shipped in data/extract/checkworthy.bin.

Logistic regression over hashed features (word uni/bi-grams, character
n-grams, a few hand features). The feature definition here must stay in
lock-step with src/extract/features.rs; both sides hash feature strings with
32-bit FNV-1a into 2^BITS buckets.

Data: CLEF-2024 CheckThat! Lab Task 1 English (Hasanain et al., CEUR-WS
Vol-3740). Train split fits the weights (class-balanced); dev split picks C
and the Platt slope of the calibration. By default ("balanced") score 0.5 is
the class-balanced decision boundary (raw logit 0), which does not depend on
the share of claims in the data; "dev-f1" instead moves 0.5 to the dev
F1-optimal threshold, which follows the dev split's 23% positive rate. The
dev-test split is never read here.

  python3 scripts/train_checkworthy.py --data /work/shared/eval \
      --out data/extract/checkworthy.bin
"""
import argparse
import csv
import math
import re
import struct
import sys

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score

MAGIC = b"CWLR"
VERSION = 1
FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193

QUESTION_WORDS = {
    "what", "why", "how", "who", "whom", "whose", "which", "when", "where",
    "is", "are", "was", "were", "do", "does", "did", "can", "could", "would",
    "should", "will", "has", "have", "had", "hasn't", "isn't", "don't",
    "doesn't", "didn't", "won't", "shouldn't", "aren't",
}
OPINION_WORDS = {
    "think", "believe", "feel", "hope", "guess", "suppose", "wish", "want",
    "should", "must", "ought", "going", "will", "opinion", "agree",
}
FIRST_PERSON = {"i", "i'm", "i've", "i'll", "i'd", "we", "we're", "we'll", "we've", "my", "our", "me", "us"}
MONEY_WORDS = {"dollar", "dollars", "billion", "billions", "million", "millions", "trillion", "trillions", "cents"}
YEAR_RE = re.compile(r"(?<![0-9])(1[89][0-9][0-9]|20[0-9][0-9])(?![0-9])")


def fnv1a(data: bytes) -> int:
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def tokens(text: str):
    """ASCII-lowercased alphanumeric runs; digits become 0; an apostrophe
    between two alphanumerics stays inside the token."""
    out = []
    cur = []
    chars = text
    n = len(chars)
    for i, c in enumerate(chars):
        if c.isascii() and c.isalnum():
            if c.isdigit():
                cur.append("0")
            else:
                cur.append(c.lower())
        elif c in "'\u2019" and cur and i + 1 < n and chars[i + 1].isascii() and chars[i + 1].isalnum():
            cur.append("'")
        else:
            if cur:
                out.append("".join(cur))
                cur = []
    if cur:
        out.append("".join(cur))
    return out


def hand_features(text: str, toks):
    f = []
    if any(c.isdigit() for c in text if c.isascii()):
        f.append("h:digit")
    if YEAR_RE.search(text):
        f.append("h:year")
    if "$" in text or "\u20ac" in text or "\u00a3" in text or any(t in MONEY_WORDS for t in toks):
        f.append("h:money")
    if "%" in text or "percent" in toks:
        f.append("h:percent")
    if text.rstrip().endswith("?"):
        f.append("h:qmark")
    if toks and toks[0] in QUESTION_WORDS:
        f.append("h:qword")
    if any(t in FIRST_PERSON for t in toks):
        f.append("h:first")
    if any(t in OPINION_WORDS for t in toks):
        f.append("h:opinion")
    caps = 0
    words = text.split()
    for w in words[1:]:
        c = w.lstrip("\"'(\u201c\u2018[")
        if c[:1].isascii() and c[:1].isupper():
            caps += 1
    f.append("h:caps%d" % min(caps, 3))
    f.append("h:len%d" % min(len(toks) // 5, 8))
    return f


class Featurizer:
    def __init__(self, bits, cmin, cmax):
        self.bits = bits
        self.mask = (1 << bits) - 1
        self.cmin = cmin
        self.cmax = cmax
        self.cache = {}

    def h(self, s):
        v = self.cache.get(s)
        if v is None:
            v = fnv1a(s.encode("utf-8")) & self.mask
            self.cache[s] = v
        return v

    def row(self, text):
        """Returns {bucket: value}; duplicates add up like the Rust side."""
        toks = tokens(text)
        feats = {}
        word = ["u:" + t for t in toks]
        seq = ["<s>"] + toks + ["</s>"]
        word += ["b:" + a + " " + b for a, b in zip(seq, seq[1:])]
        ws = 1.0 / math.sqrt(len(word))
        for w in word:
            k = self.h(w)
            feats[k] = feats.get(k, 0.0) + ws
        if self.cmax > 0:
            s = " " + " ".join(toks) + " "
            grams = []
            for n in range(self.cmin, self.cmax + 1):
                grams += ["c:" + s[i:i + n] for i in range(0, len(s) - n + 1)]
            if grams:
                cs = 1.0 / math.sqrt(len(grams))
                for g in grams:
                    k = self.h(g)
                    feats[k] = feats.get(k, 0.0) + cs
        for hf in hand_features(text, toks):
            k = self.h(hf)
            feats[k] = feats.get(k, 0.0) + 1.0
        return feats

    def matrix(self, texts):
        rows, cols, vals = [], [], []
        for r, t in enumerate(texts):
            for k, v in self.row(t).items():
                rows.append(r)
                cols.append(k)
                vals.append(v)
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), 1 << self.bits))


def read(path):
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    header = [h.strip().lower() for h in rows[0]]
    ti = header.index("text")
    li = header.index("class_label")
    texts, labels = [], []
    for r in rows[1:]:
        if len(r) != len(header):
            continue
        texts.append(r[ti])
        labels.append(1 if r[li].strip().lower() == "yes" else 0)
    return texts, np.array(labels)


def best_f1_threshold(z, y):
    order = np.sort(np.unique(z))
    best = (0.0, 0.0)
    for t in order:
        f = f1_score(y, (z >= t).astype(int))
        if f > best[0]:
            best = (f, t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/eval")
    ap.add_argument("--out", default="data/extract/checkworthy.bin")
    ap.add_argument("--bits", type=int, default=16)
    ap.add_argument("--cmin", type=int, default=3)
    ap.add_argument("--cmax", type=int, default=4)
    ap.add_argument("--grid", action="store_true", help="search C on dev")
    ap.add_argument("--C", type=float, default=2.0)
    ap.add_argument("--dump-dev", help="write calibrated dev scores here")
    ap.add_argument("--calibration", choices=["balanced", "dev-f1"], default="balanced")
    args = ap.parse_args()

    tr_x, tr_y = read(f"{args.data}/CT24_checkworthy_english_train.tsv")
    dv_x, dv_y = read(f"{args.data}/CT24_checkworthy_english_dev.tsv")
    fz = Featurizer(args.bits, args.cmin, args.cmax)
    Xtr = fz.matrix(tr_x)
    Xdv = fz.matrix(dv_x)

    cs = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0] if args.grid else [args.C]
    best = None
    for c in cs:
        m = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=2000)
        m.fit(Xtr, tr_y)
        z = m.decision_function(Xdv)
        apv = average_precision_score(dv_y, z)
        f1, _ = best_f1_threshold(z, dv_y)
        print(f"C={c} dev AP={apv:.4f} best-F1={f1:.4f}", file=sys.stderr)
        if best is None or apv + f1 > best[0]:
            best = (apv + f1, c, m)
    _, c, m = best
    z = m.decision_function(Xdv)

    # Platt scaling on dev gives the slope; the offset is then moved so the
    # dev F1-optimal threshold lands on 0.5.
    platt = LogisticRegression(C=1e6, solver="lbfgs")
    platt.fit(z.reshape(-1, 1), dv_y)
    a = float(platt.coef_[0][0])
    if args.calibration == "dev-f1":
        _, t = best_f1_threshold(z, dv_y)
    else:
        t = 0.0
    b = -a * float(t)
    f1 = f1_score(dv_y, (z >= t).astype(int))
    print(f"chosen C={c} slope={a:.4f} threshold_logit={t:.4f} dev F1@0.5={f1:.4f}", file=sys.stderr)

    w = m.coef_[0].astype(np.float64)
    bias = float(m.intercept_[0])
    scale = float(np.max(np.abs(w))) / 32767.0 or 1.0
    q = np.clip(np.round(w / scale), -32767, 32767).astype("<i2")
    with open(args.out, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<IIII", VERSION, args.bits, args.cmin, args.cmax))
        f.write(struct.pack("<ffff", bias, scale, a, b))
        f.write(q.tobytes())
    print(f"wrote {args.out} ({(1 << args.bits) * 2 + 36} bytes)", file=sys.stderr)

    if args.dump_dev:
        zq = Xdv @ (q.astype(np.float64) * scale) + bias
        p = 1.0 / (1.0 + np.exp(-(a * zq + b)))
        with open(args.dump_dev, "w") as f:
            for v in p:
                f.write(f"{v:.6f}\n")


if __name__ == "__main__":
    main()
