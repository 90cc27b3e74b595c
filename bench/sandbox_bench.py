"""Per-call latency of latm's sandbox against a `python` subprocess per call and in-process `exec`; prints figures.

The benchmark is `sandbox_latency` in bench/overhead.py, which runs it with latm's other overhead figures (batch
throughput, memory, dispatcher); this script runs it alone.

    python bench/sandbox_bench.py [--calls 200]
"""
import argparse
from overhead import sandbox_latency

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--calls', type=int, default=200, help='calls per latency measurement')
    print(sandbox_latency(ap.parse_args().calls).round(2).to_markdown(index=False))
