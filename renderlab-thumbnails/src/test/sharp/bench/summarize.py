#!/usr/bin/env python3
"""Summarises compare.sh's OUT_DIR: per image the median over rounds of ours and sharp's medians,
their ratio, PSNR; the geometric mean of ratios; throughput with one and two threads."""
import glob, math, statistics, sys, os

out = sys.argv[1]

def read(pattern):
    rounds = []
    for f in sorted(glob.glob(os.path.join(out, pattern))):
        d = {}
        for line in open(f):
            name, value = line.split()
            d[name] = float(value)
        rounds.append(d)
    return rounds

ours, sharp, two = read('ours-[0-9]*.txt'), read('sharp-*.txt'), read('ours-t2-*.txt')
psnr = {}
if os.path.exists(os.path.join(out, 'psnr.txt')):
    for line in open(os.path.join(out, 'psnr.txt')):
        name, value = line.split()
        psnr[name.rsplit('.', 1)[0]] = value
names = [n for n in ours[0] if n != 'throughput']
ratios = []
print('| image | ours ms | sharp ms | ours/sharp | ours range | sharp range | PSNR dB |')
print('|---|---:|---:|---:|---|---|---:|')
for n in names:
    o = [r[n] for r in ours]
    s = [r[n] for r in sharp]
    mo, ms = statistics.median(o), statistics.median(s)
    ratios.append(mo / ms)
    print(f'| {n} | {mo:.1f} | {ms:.1f} | {mo / ms:.2f} | {min(o):.0f}–{max(o):.0f} | {min(s):.0f}–{max(s):.0f} | {psnr.get(n.rsplit(".", 1)[0], "?")} |')
geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
t1 = [r['throughput'] for r in ours]
t2 = [r['throughput'] for r in two]
ts = [r['throughput'] for r in sharp]
print()
print(f'geometric mean ours/sharp: {geo:.2f}')
print(f'throughput images/s: 1 thread {statistics.median(t1):.2f} ({min(t1):.2f}–{max(t1):.2f}), '
      f'2 threads {statistics.median(t2):.2f} ({min(t2):.2f}–{max(t2):.2f}); per round 2/1: '
      + ', '.join(f'{b / a:.2f}' for a, b in zip(t1, t2))
      + f'; sharp 1 thread {statistics.median(ts):.2f}')
