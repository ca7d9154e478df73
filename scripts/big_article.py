#!/usr/bin/env python3
"""A claim-dense synthetic article for the import bench: SENTENCES sentences (about 87 bytes
each, so 4,600 make some 400 KB) from a few newsroom templates (arms deliveries, loans, oil
reserves and prices, operations, quotes) with figures, years and names drawn from SEED.
Articles from different seeds are similar claim for claim but not the same text.

usage: big_article.py SEED SENTENCES > article.txt
"""
import random
import sys

COUNTRIES = ['Venezuela', 'Syria', 'Iran', 'Cuba', 'Nicaragua', 'Belarus', 'Mali', 'Libya']
LENDERS = ['Russia', 'China', 'the IMF', 'the World Bank', 'Rosneft']
WEAPONS = ['tanks', 'fighter jets', 'helicopters', 'air defence systems', 'artillery pieces']
MINISTERS = ['Sergei Lavrov', 'Delcy Rodriguez', 'Nicolas Maduro', 'Vladimir Padrino']
MONTHS = ['January', 'March', 'May', 'July', 'September', 'November']

TEMPLATES = [
    lambda r: f'Russia delivered {r.randint(2, 400)} {r.choice(WEAPONS)} to {r.choice(COUNTRIES)} '
              f'in {r.randint(2001, 2024)}, the defence ministry said.',
    lambda r: f'{r.choice(COUNTRIES)} borrowed ${r.randint(1, 60)} billion from {r.choice(LENDERS)} '
              f'in {r.randint(2001, 2024)}, according to the finance ministry.',
    lambda r: f'{r.choice(COUNTRIES)} holds {r.randint(10, 320)} billion barrels of proven oil '
              f'reserves, the energy ministry said in {r.randint(2001, 2024)}.',
    lambda r: f'Oil exports from {r.choice(COUNTRIES)} fell to {r.randint(100, 2500) * 1000:,} barrels a '
              f'day in {r.choice(MONTHS)} {r.randint(2001, 2024)}, officials said.',
    lambda r: f'{r.choice(MINISTERS)} said {r.randint(2, 90)} percent of the loans had been repaid '
              f'by {r.randint(2001, 2024)}.',
    lambda r: f'The operation killed {r.randint(3, 900)} fighters near {r.choice(COUNTRIES)}\'s '
              f'border in {r.choice(MONTHS)} {r.randint(2001, 2024)}, the army said.',
]


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    r = random.Random(seed)
    sentences = [r.choice(TEMPLATES)(r) for _ in range(count)]
    # Paragraphs of five sentences, as a wire story would run.
    for i in range(0, count, 5):
        print(' '.join(sentences[i:i + 5]))
        print()


if __name__ == '__main__':
    main()
