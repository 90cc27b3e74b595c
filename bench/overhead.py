"""latm's own overhead per question, against baselines measured in the same run; needs no endpoint.

It measures a sandboxed tool call, batches against a slow model, the peak memory of a big batch, and the dispatcher
(bench/dispatcher_bench.py).

    python bench/overhead.py                 # a few minutes; writes bench/results/overhead.json
    python bench/overhead.py --quick         # seconds, without the dispatcher; writes only where --out says
    python bench/overhead.py --json          # the figures as JSON on stdout

The figures, with the machine they were measured on, go to OUT/overhead.json; the Benchmarks chapter
(nbs/09_bench.ipynb) shows the kept run's file as one table (`results_table`).
"""
import argparse, asyncio, contextlib, importlib, json, math, os, platform, resource, subprocess, sys, time, warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import openai
import pandas as pd

from latm.models import LatmError, Model, UsageLedger
from latm.user import ause_tool_many, run_async
from latm.library import Tool, UseCase, Provenance
from latm.sandbox import Sandbox
from latm.testing import ScriptedServer

from latm.bench import BenchError

HERE = Path(__file__).resolve().parent  # bench/: its scripts import each other
if str(HERE) not in sys.path: sys.path.insert(0, str(HERE))

# ## Sandboxed tool calls
CALL = 'def add_one(x):\n    return x + 1\n\nans = add_one(41)'  # a small tool and its call

def timings(run, n: int) -> list:
    "Seconds taken by each of `n` calls of `run`"
    out = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return out

def in_process_call():
    "The paper's way: `exec` in the caller's process"
    space = {}
    exec(CALL, space)
    return space['ans']

def subprocess_call():
    "A new interpreter per call, printing the answer"
    return subprocess.run([sys.executable, '-c', CALL + '\nprint(ans)'], capture_output=True, text=True, timeout=30).stdout

def sandbox_latency(n: int = 200, sandbox: Sandbox | None = None) -> pd.DataFrame:
    "Median and p95 milliseconds of a small tool call: in-process `exec`, a subprocess per call, latm's sandbox (fork, and spawn)"
    own = sandbox is None
    sb = sandbox or Sandbox()
    try:
        if (check := sb.run(CALL)).values != {'ans': 42}: raise BenchError(f'the sandbox did not run the benchmark call: {check}')
        runs = {'in-process exec (no isolation)': timings(in_process_call, n), 'new python subprocess per call': timings(subprocess_call, min(n, 50)),
                'latm sandbox': timings(lambda: sb.run(CALL), n)}
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # where the platform has no fork, the spawn route warns once
            with Sandbox(start='spawn') as spawned: runs["latm sandbox, start='spawn' (a new worker per call)"] = timings(lambda: spawned.run(CALL), min(n, 50))
    finally:
        if own: sb.close()
    ms = {k: 1000 * np.array(v) for k, v in runs.items()}
    t = pd.DataFrame([dict(way=k, calls=len(v), median_ms=np.median(v), p95_ms=np.percentile(v, 95)) for k, v in ms.items()])
    t['vs_sandbox'] = t.median_ms / t.median_ms[2]
    return t


# ## Batches against a slow model
SORT_TOOL = Tool(name='sorting', description='sort words', source='def sort_words(words):\n    return sorted(words)', entry_point='sort_words',
                 use_cases=[UseCase('Sort: pear fig', 'ret = sort_words(["pear", "fig"])\nans = " ".join(ret)', 'fig pear')],
                 tests='assert sort_words(["b", "a"]) == ["a", "b"]', provenance=Provenance(task='sorting'))

def sort_question(i: int) -> str: return f'Sort: w{i:05d} pear apple fig'

def sort_call(request: dict) -> str:
    "The scripted user model of the overhead benchmark: the call code for a 'Sort: ...' question"
    words = request['messages'][-1]['content'].removeprefix('Question: Sort: ').removesuffix('\nSolution:').split()
    return f'```python\nret = sort_words({json.dumps(words)})\nans = " ".join(ret)\n```'

def _check_sorted(df: pd.DataFrame, n: int):
    "Raise unless `df` holds the right answer to each of the `n` sort questions"
    want = [' '.join(sorted(sort_question(i).removeprefix('Sort: ').split())) for i in range(n)]
    if df.answer.tolist() != want: raise BenchError(f'the batch answered wrongly: {df[df.answer != want].head(3).to_dict("records")}')

def paper_loop(url: str, questions: list, threads: int = 8) -> float:
    "Seconds for the paper's loop over `questions` -- a sync call, then `exec` in-process -- on a pool of `threads`"
    client = openai.OpenAI(base_url=url, api_key='bench', max_retries=2)
    def one(q):
        reply = client.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': f'Question: {q}\nSolution:'}])
        space = {}
        exec(SORT_TOOL.source + '\n' + reply.choices[0].message.content.split('```python\n')[1].split('```')[0], space)
        return space['ans']
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool: answers = list(pool.map(one, questions))
    took = time.perf_counter() - start
    _check_sorted(pd.DataFrame({'answer': answers}), len(questions))
    return took

def latm_env() -> dict:
    "This process's environment, with the latm it runs and the scripts of bench/ importable by a child `python`"
    root = str(Path(sys.modules['latm'].__file__).parents[1])
    return {**os.environ, 'PYTHONPATH': os.pathsep.join([str(HERE), root, os.environ.get('PYTHONPATH', '')])}

def serve_model(latency: float, script: str):
    "Serve the scripted model `script` ('module:function' of bench/, such as 'overhead:sort_call') with `latency`, print its URL, and stop when stdin closes"
    module, _, name = script.partition(':')
    with ScriptedServer(getattr(importlib.import_module(module), name), latency=latency, record=False) as srv:
        print(srv.url, flush=True)
        sys.stdin.read()

@contextlib.contextmanager
def model_server(latency: float, script: str = 'overhead:sort_call'):
    "(URL, pid) of a `serve_model` server in its own process, so that it takes no time from the process measured"
    p = subprocess.Popen([sys.executable, '-c', f'from overhead import serve_model; serve_model({latency!r}, {script!r})'],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=latm_env())
    try:
        url = p.stdout.readline().strip()
        if not url.startswith('http'): raise BenchError('the benchmark\'s test server did not start')
        yield url, p.pid
    finally:
        p.stdin.close()
        try: p.wait(10)
        except subprocess.TimeoutExpired: p.kill()

def sort_user(url: str) -> Model:
    "The user model of the overhead benchmark, on the test server at `url`"
    return Model('user', model='gpt-4o-mini', base_url=url, api_key='bench', ledger=UsageLedger(), max_retries=2, timeout=60)

def _children(pid: int) -> list:
    "The live child processes of `pid`, whichever of its threads started them (Linux)"
    found = []
    try: files = list(Path(f'/proc/{pid}/task').glob('*/children'))
    except FileNotFoundError: return found  # the process ended meanwhile (a sandboxed call, say)
    for file in files:
        try: found += [int(c) for c in file.read_text().split()]
        except FileNotFoundError: pass  # the thread ended meanwhile
    return found

def tree_cpu(pid: int) -> float:
    "CPU seconds of process `pid` and every process below it, live or ended (Linux: an ended child's time is in its parent's count once reaped)"
    try: fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    except FileNotFoundError: return 0.0  # it ended meanwhile, and its parent's count has it
    return sum(map(int, fields[11:15])) / os.sysconf('SC_CLK_TCK') + sum(tree_cpu(c) for c in _children(pid))  # utime, stime, cutime, cstime

def cpu_split(server: int) -> dict:
    "CPU seconds so far of this process (latm's event loop and client), its other child processes (the sandbox's workers and their calls), and the test server `server`; NaN for the last two without /proc"
    if not Path('/proc/self/stat').exists(): return dict(latm=time.process_time(), sandbox=math.nan, server=math.nan)
    return dict(latm=time.process_time(), sandbox=sum(tree_cpu(c) for c in _children(os.getpid()) if c != server), server=tree_cpu(server))

async def _timed_batches(url: str, sizes: list, sandbox, server: int | None = None) -> list:
    "Seconds for each (questions, concurrency) batch in `sizes`, on one event loop and one client, with CPU seconds by process when `server`'s pid is given"
    user, times = sort_user(url), []
    try:
        await ause_tool_many(SORT_TOOL, [sort_question(i) for i in range(8)], concurrency=8, user=user, sandbox=sandbox, progress=False)  # warm up
        for n, c in sizes:
            cpu, start = cpu_split(server) if server else {}, time.perf_counter()
            df = await ause_tool_many(SORT_TOOL, [sort_question(i) for i in range(n)], concurrency=c, user=user, sandbox=sandbox, repairs=0, progress=False)
            took = time.perf_counter() - start
            times.append(dict(seconds=took, **{f'cpu_{k}': v - cpu[k] for k, v in cpu_split(server).items()} if server else {}))
            _check_sorted(df, n)
    finally: await user.aclose()
    return times

def usable_cpus() -> int: return len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count() or 1

def batch_throughput(concurrencies=(1, 8, 64, 256), latency: float = 0.2, rounds: int = 10, sandbox: Sandbox | None = None) -> pd.DataFrame:
    "Questions per second of `ause_tool_many` at each concurrency, and of the paper's loop on 8 threads, against the ideal, with the CPU each question took"
    sizes = [(max(16, rounds * c), c) for c in concurrencies]
    with model_server(latency) as (url, server):
        runs = run_async(lambda: _timed_batches(url, sizes, sandbox, server))
        n = max(16, rounds * 8)
        paper = paper_loop(url, [sort_question(i) for i in range(n)])
    t = pd.DataFrame([dict(way=f'latm, concurrency {c}', concurrency=c, questions=n, **r) for (n, c), r in zip(sizes, runs)]
                     + [dict(way="paper's loop, 8 threads, no sandbox", concurrency=8, questions=n, seconds=paper)])
    t['per_second'] = t.questions / t.seconds
    t['ideal'] = t.concurrency / latency
    t['of_ideal'] = t.per_second / t.ideal
    t['overhead_ms'] = 1000 * (t.seconds * t.concurrency / t.questions - latency)  # time per question beyond the model's latency
    for k in ('latm', 'sandbox', 'server'): t[f'cpu_ms_{k}'] = 1000 * t[f'cpu_{k}'] / t.questions
    t['cpu_bound'] = usable_cpus() * 1000 / (t.cpu_ms_latm + t.cpu_ms_sandbox + t.cpu_ms_server)  # questions/s if the CPUs were the only limit
    return t.drop(columns=['cpu_latm', 'cpu_sandbox', 'cpu_server'])


# ## Memory of a big batch
def _batch_peak_rss(url: str, n: int, concurrency: int = 64) -> dict:
    "Run a batch of `n` sort questions against `url` in this process: peak resident memory before and after it, in MiB"
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    with Sandbox() as sb:
        run_async(lambda: _timed_batches(url, [(8, 8)], sb))  # warm: imports, client, workers
        before = rss()
        took = run_async(lambda: _timed_batches(url, [(n, concurrency)], sb))[0]['seconds']
    return dict(questions=n, before_mib=before, peak_mib=rss(), seconds=took)

def batch_peak_memory(sizes=(1_000, 10_000), concurrency: int = 64) -> pd.DataFrame:
    "Peak resident memory of one batch of each size, each in a fresh interpreter"
    code = f'import json, sys; from overhead import _batch_peak_rss; print(json.dumps(_batch_peak_rss(sys.argv[1], int(sys.argv[2]), {concurrency})))'
    rows = []
    with model_server(0.0) as (url, _):
        for n in sizes:
            r = subprocess.run([sys.executable, '-c', code, url, str(n)], capture_output=True, text=True, env=latm_env())
            if r.returncode: raise BenchError(f'the memory benchmark failed: {r.stderr[-500:]}')
            rows.append(json.loads(r.stdout.splitlines()[-1]))
    t = pd.DataFrame(rows)
    t['growth_kib_per_question'] = 1024 * (t.peak_mib - t.before_mib) / t.questions
    return t


# ## All of it
def overhead_benchmark(quick: bool = False,  # a small version that takes seconds, without the dispatcher
                       latency: float = 0.2,  # seconds per model call of the test server
                       out=None,  # a folder to write the figures to, as overhead.json (None: not written)
                       say=print) -> dict:
    "Measure latm's own overhead and print the figures as ratios against baselines of the same run"
    figures = dict(machine=machine(), latency=latency)
    say(f'latm overhead benchmark{" (quick)" if quick else ""}: ' + ', '.join(f'{k} {v}' for k, v in figures['machine'].items()) + '\n')
    lat = sandbox_latency(30 if quick else 200).set_index('way')
    figures['sandbox'] = lat.reset_index().to_dict('records')
    m = lat.median_ms
    say('1. A small tool call, milliseconds:\n' + lat.round(2).to_markdown())
    say(f'   the sandbox costs {m.iloc[2] / m.iloc[0]:,.0f}x in-process exec (which isolates nothing) and is {m.iloc[1] / m.iloc[2]:.1f}x faster than a new subprocess per call\n')
    thr = batch_throughput((1, 8) if quick else (1, 8, 64, 256), latency=latency, rounds=2 if quick else 10)
    figures['throughput'] = thr.to_dict('records')
    say(f'2. Batches against the test server with {1000 * latency:.0f} ms per model call (ideal: concurrency / latency; CPU ms per question by process, and the most the CPUs allow):\n'
        + thr.drop(columns='concurrency').round(3).to_markdown(index=False))
    one = thr.iloc[0]
    say(f'   latm\'s overhead per question (concurrency 1): {one.overhead_ms:.1f} ms = {one.overhead_ms / (10 * latency):.1f}% of a {1000 * latency:.0f} ms model call')
    if 64 in thr.concurrency.values:
        c64 = thr[thr.way == 'latm, concurrency 64'].iloc[0]
        say(f'   at concurrency 64: {c64.per_second:.0f} questions/s = {100 * c64.of_ideal:.0f}% of the ideal {c64.ideal:.0f}/s')
        say(f'   CPU per question there: latm {c64.cpu_ms_latm:.1f} ms (its one event-loop thread could answer {1000 / c64.cpu_ms_latm:.0f}/s), the sandbox {c64.cpu_ms_sandbox:.1f} ms, '
            f'the test server {c64.cpu_ms_server:.1f} ms: {usable_cpus()} CPU(s) can answer at most {c64.cpu_bound:.0f}/s = {100 * c64.cpu_bound / c64.ideal:.0f}% of the ideal')
    paper = thr.iloc[-1]
    say(f'   latm at concurrency 8 answers {thr[thr.concurrency == 8].iloc[0].per_second / paper.per_second:.2f}x as many questions per second as the paper\'s loop on 8 threads\n')
    mem = batch_peak_memory((100, 400) if quick else (1_000, 10_000))
    figures['memory'] = mem.to_dict('records')
    say('3. Peak resident memory of one batch (concurrency 64, a fresh interpreter each):\n' + mem.round(1).to_markdown(index=False))
    small, big = mem.iloc[0], mem.iloc[-1]
    say(f'   {int(big.questions):,} questions peak at {big.peak_mib / small.peak_mib:.2f}x the memory of {int(small.questions):,} '
        f'({(big.peak_mib - small.peak_mib) * 1024 / (big.questions - small.questions):.1f} KiB more per extra question; flat would be about 1.0x)\n')
    if quick: say('4. Dispatcher: left out of the quick run.')
    else:
        from dispatcher_bench import dispatcher_benchmark  # it imports this module's test server
        try: figures['dispatcher'] = dispatcher_benchmark(say=say)
        except LatmError as e: say(f'4. Dispatcher: skipped -- {e}')
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / 'overhead.json').write_text(json.dumps(figures, indent=1, default=float))
    return figures

# ## What it ran on
def machine() -> dict:
    "What a benchmark run was measured on: CPU, cores, system, Python, date and load"
    info = Path('/proc/cpuinfo').read_text() if Path('/proc/cpuinfo').exists() else ''
    cpu = next((l.split(':', 1)[1].strip() for l in info.splitlines() if l.startswith('model name')), platform.processor())
    return dict(cpu=cpu or platform.machine(), cores=usable_cpus(), system=f'{platform.system()} {platform.machine()}',
                python=platform.python_version(), date=time.strftime('%Y-%m-%d'), load=round(os.getloadavg()[0], 1))

# ## One table
def _sandbox_rows(figures: dict) -> list:
    "The table's rows for the sandboxed call"
    way = {r['way']: r['median_ms'] for r in figures['sandbox']}
    sb, sub = way['latm sandbox'], way['new python subprocess per call']
    spawn = next(v for k, v in way.items() if 'spawn' in k)
    return [('sandboxed tool call, median', f'{sb:.1f} ms', f'{sub / sb:.0f}x faster than a new subprocess per call'),
            ("sandboxed call, start='spawn' (a worker per call)", f'{spawn:.0f} ms', f'{spawn / sb:.0f}x the forked call')]

def _batch_rows(figures: dict) -> list:
    "The table's rows for batches against a slow model, and memory"
    thr, ms = figures['throughput'], 1000 * figures['latency']
    rows = [("latm's overhead per question", f"{thr[0]['overhead_ms']:.1f} ms", f"{thr[0]['overhead_ms'] / ms:.1%} of a {ms:.0f} ms model call")]
    rows += [(f"throughput, {r['way']}", f"{r['per_second']:.1f}/s", f"{r['of_ideal']:.0%} of the ideal {r['ideal']:.0f}/s") for r in thr]
    small, big = figures['memory'][0], figures['memory'][-1]
    growth = 1024 * (big['peak_mib'] - small['peak_mib']) / (big['questions'] - small['questions'])
    return rows + [(f"peak memory, {big['questions']:,} vs {small['questions']:,} questions", f"{big['peak_mib'] / small['peak_mib']:.2f}x",
                    f'{growth:.1f} KiB per extra question')]

def results_table(figures: dict) -> pd.DataFrame:
    "The overhead benchmark's figures as one table, each against its baseline from the same run"
    rows = _sandbox_rows(figures) + _batch_rows(figures)
    for r in figures.get('dispatcher', {}).get('accuracy', []):
        if r['settings'] == 'leave-one-task-out':
            rows.append((f"dispatcher, {r['level']}, {r['tools']} tools, leave-one-task-out",
                         f"{r['tool_picked']:.1f}% tool picked", f"{r['none_said']:.1f}% none said"))
    for r in figures.get('dispatcher', {}).get('speed', []):
        rows.append((f"dispatcher, {r['mode']}", f"{r['median_ms']:.1f} ms per question",
                     'mean over the batch' if 'batches' in r['mode'] else 'median, one question at a time'
                     + ('' if r['mode'] == 'embedding' else "; the model's own latency not included")))
    return pd.DataFrame(rows, columns=['figure', 'measured', 'against'])

def main(argv=None):
    "Run the overhead benchmark from the command line"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='a small version that takes seconds, without the dispatcher')
    ap.add_argument('--latency', type=float, default=0.2, help='seconds per model call of the test server (default 0.2)')
    ap.add_argument('--out', help='folder for overhead.json (default: bench/results; a --quick run writes only here)')
    ap.add_argument('--json', action='store_true', help='print the figures as JSON instead of the report')
    args = ap.parse_args(argv)
    out = args.out or (None if args.quick else HERE / 'results')
    say = (lambda *a, **k: None) if args.json else print
    try: figures = overhead_benchmark(quick=args.quick, latency=args.latency, out=out, say=say)
    except LatmError as e: sys.exit(f'overhead benchmark: {e}')
    if args.json: print(json.dumps(figures, indent=1, default=str))

if __name__ == '__main__': main()
