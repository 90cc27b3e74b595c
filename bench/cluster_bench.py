"""Throughput of a batch in one process against LocalClusters of 1, 2 and 4 worker processes; prints figures.

Against latm's test server with 200 ms of latency per reply, at equal total concurrency (`--concurrency` questions
in flight in all, split evenly over the workers), each run answers `--questions` questions with a doubling tool in
latm's sandbox. A run's ideal is `concurrency / latency` questions a second; its fraction of ideal is what it reached.
A run's CPU ceiling is the most questions a second the machine's cores could carry at the CPU time a question took
in that run (the test server, the driver, the workers and the sandbox, all measured machine-wide).
On a machine with more cores, raise the counts:

    python bench/cluster_bench.py --questions 4000 --concurrency 256 --workers 1 2 4 8
"""
import argparse, os, time

import pandas as pd
import psutil

from latm.cluster import connect, use_tool_cluster
from latm.library import Tool, UseCase
from latm.models import Model, UsageLedger
from latm.sandbox import Sandbox
from latm.testing import ScriptedServer
from latm.batch import use_tool_many

DOUBLER = Tool(name='doubling', description='double a number', source='def double(x):\n    return 2 * x',
               entry_point='double', use_cases=[UseCase('Double 4', 'ret = double(4)\nans = ret', '8')],
               tests='assert double(4) == 8')

def doubling_user(request):
    "Answer 'Double N' with the call that doubles N"
    n = int(request['messages'][1]['content'].split('Question: ')[1].split('\n')[0].split()[-1])
    return f'```python\nans = double({n})\n```'

def busy_cpu() -> float:
    "CPU seconds the machine's cores have been busy"
    t = psutil.cpu_times()
    return t.user + t.system + getattr(t, 'nice', 0.0) + getattr(t, 'irq', 0.0) + getattr(t, 'softirq', 0.0)

def measure(run, n: int) -> tuple:
    "(questions a second, machine-wide CPU seconds a question) of `run()`, which answers `n` questions"
    cpu, t0 = busy_cpu(), time.perf_counter()
    df = run()
    wall, used = time.perf_counter() - t0, busy_cpu() - cpu
    assert df.answer.tolist() == [str(2 * i) for i in range(n)], df[df.error.notna()].head()
    return n / wall, used / n

def main(questions: int, concurrency: int, workers: list, latency: float) -> pd.DataFrame:
    qs, rows = [f'Double {i}' for i in range(questions)], []
    with ScriptedServer(doubling_user, latency=latency, record=False) as srv:
        user = Model('user', model='gpt-5.4-mini', base_url=srv.url, ledger=UsageLedger(), timeout=60)
        with Sandbox(timeout=10) as sb:
            rate, cpu = measure(lambda: use_tool_many(DOUBLER, qs, concurrency=concurrency, user=user, sandbox=sb,
                                                      repairs=0, progress=False), questions)
        rows.append(dict(run='one process', workers=0, concurrency=concurrency, questions_per_s=rate,
                         cpu_ms_per_question=cpu * 1e3))
        for k in workers:
            with connect(f'local:{k}') as client:
                per = max(1, concurrency // k)
                job = dict(concurrency=per, user=user, repairs=0, progress=False)
                use_tool_cluster(DOUBLER, qs[:k * 4], client, **job)  # the workers start their sandboxes and clients
                rate, cpu = measure(lambda: use_tool_cluster(DOUBLER, qs, client, **job), questions)
            rows.append(dict(run=f'LocalCluster of {k}', workers=k, concurrency=per * k, questions_per_s=rate,
                             cpu_ms_per_question=cpu * 1e3))
    df = pd.DataFrame(rows)
    df['ideal_per_s'] = df.concurrency / latency
    df['fraction_of_ideal'] = df.questions_per_s / df.ideal_per_s
    df['cpu_ceiling_per_s'] = (os.cpu_count() or 1) / (df.cpu_ms_per_question / 1e3)  # all cores busy
    return df

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--questions', type=int, default=2_000, help='questions per run')
    ap.add_argument('--concurrency', type=int, default=64, help='questions in flight in all, split over the workers')
    ap.add_argument('--workers', type=int, nargs='+', default=[1, 2, 4], help='LocalCluster sizes to measure')
    ap.add_argument('--latency', type=float, default=0.2, help="the test server's seconds per reply")
    a = ap.parse_args()
    df = main(a.questions, a.concurrency, a.workers, a.latency)
    print(f'{os.cpu_count()} cores, {a.questions:,} questions a run, {a.latency * 1e3:.0f} ms per reply\n')
    print(df.round(3).to_markdown(index=False))
