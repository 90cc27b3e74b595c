"Per-call latency of latm's sandbox (fork and spawn start methods) against a `python` subprocess per call and in-process `exec`, and batch throughput; prints figures"
import argparse, asyncio, statistics, subprocess, sys, time, warnings
from latm.sandbox import Sandbox

CALL = 'def add_one(x):\n    return x + 1\n\nans = add_one(41)'  # a small tool and a call: what a tool user runs

def timings(run, n: int, pause: float = 0.0) -> list:
    "Seconds taken by each of `n` calls of `run`, with `pause` seconds between calls"
    out = []
    for _ in range(n):
        time.sleep(pause)
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return out

def row(name: str, times: list) -> str:
    "One line of the table: median and p95 in milliseconds"
    ms = sorted(t * 1000 for t in times)
    return f'| {name} | {statistics.median(ms):.2f} | {ms[int(0.95 * (len(ms) - 1))]:.2f} |'

def in_process():
    "The LATM paper's way: `exec` in the caller's process"
    space = {}
    exec(CALL, space)
    return space['ans']

def subprocess_per_call():
    "A new interpreter per call (CREATOR, CRAFT, TroVE), printing the answer"
    return subprocess.run([sys.executable, '-c', CALL + '\nprint(ans)'], capture_output=True, text=True, timeout=30).stdout

async def batch(sb: Sandbox, n: int) -> list:
    "Run `n` small tool calls on the pool at once"
    return await asyncio.gather(*[sb.arun(f'def add_one(x):\n    return x + 1\n\nans = add_one({i})') for i in range(n)])

def main(n: int = 200, batch_size: int = 1000):
    "Print the latency table, the spawn route's cost against the fork route's, and the batch throughput"
    with Sandbox() as sb, warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the spawn route's one-time warning about weaker isolation: its layers are printed instead
        spawned = Sandbox(start='spawn')
        for s in (sb, spawned):
            assert s.run(CALL).values == {'ans': 42}
            print(f'isolation: {s.isolation}')
        print(f'{n} calls each (100 for a new interpreter per call); milliseconds per call, measured in one run on this machine\n')
        print('| how the code runs | median | p95 |\n| --- | --- | --- |')
        print(row('in-process `exec` (no isolation)', timings(in_process, n)))
        print(row('new `python` subprocess per call', timings(subprocess_per_call, min(n, 100))))
        print(row('latm sandbox, calls back to back', forked := timings(lambda: sb.run(CALL), n)))
        print(row('latm sandbox, 20 ms between calls', timings(lambda: sb.run(CALL), n, pause=0.02)))
        print(row("latm sandbox, `start='spawn'`, calls back to back", spawns := timings(lambda: spawned.run(CALL), min(n, 100))))
        print(f"\nstart='spawn' costs {statistics.median(spawns) / statistics.median(forked):.0f} times start='fork' per call (medians, back to back)")
        start = time.perf_counter()
        results = asyncio.run(batch(sb, batch_size))
        took = time.perf_counter() - start
        assert [r.values['ans'] for r in results] == [i + 1 for i in range(batch_size)]
        print(f'{batch_size:,} small tool calls on a pool of {sb.workers} workers: {took:.2f} s, {batch_size / took:,.0f} calls/s')

if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--calls', type=int, default=200, help='calls per latency measurement')
    parser.add_argument('--batch', type=int, default=1000, help='calls in the throughput batch')
    args = parser.parse_args()
    main(args.calls, args.batch)
