"""Dispatcher accuracy, leave-one-task-out, and speed on mixtures of BIG-Bench Hard tasks.

The benchmark lives in `latm.bench.dispatcher_benchmark` (nbs/09_bench.ipynb), and `latm bench --overhead` runs it
with latm's other overhead figures; this script runs it alone, for the benchmark cell of nbs/07_dispatcher.ipynb.

    python bench/dispatcher_bench.py [--splits 10] [--cache DIR]
"""
import argparse, sys
from latm.bench import BenchError, dispatcher_benchmark

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--splits', type=int, default=10, help='random mixtures of each library size')
    ap.add_argument('--cache', help='folder for the embedded questions (default: a folder in the temp dir)')
    args = ap.parse_args()
    try: dispatcher_benchmark(splits=args.splits, cache=args.cache)
    except BenchError as e: sys.exit(str(e))
