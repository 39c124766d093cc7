"""Rounds of interleaved measurements and ratios with their spread, shared by the benchmarks.

Every reference is measured in the same loop as what it is compared with, request by request, the order of the
turns rotating from one request to the next, so a machine that slows down slows both. A ratio is printed as the
median of the rounds' ratios with the lowest and highest of them: the spread says how much to trust it."""

import statistics
import time


def rotated(names: list, k: int) -> list:
    k %= len(names)
    return names[k:] + names[:k]


def interleaved(calls: dict, items: list, offset: int = 0) -> dict:
    """{name: [seconds, …]}: for each item, every call of ``calls`` ({name: call(item)}) in rotating order. A call
    that times itself (returns its seconds, or a list of one: bench/_serve.http_times) is taken at its word, so
    its preparation is not counted; any other is timed around the call."""
    names = list(calls)
    out = {n: [] for n in names}
    for i, item in enumerate(items):
        for name in rotated(names, i + offset):
            started = time.perf_counter()
            result = calls[name](item)
            elapsed = time.perf_counter() - started
            if isinstance(result, list) and len(result) == 1:
                result = result[0]
            out[name].append(result if isinstance(result, float) else elapsed)
    return out


def p50_p95(samples) -> tuple[float, float]:
    """(p50, p95) in milliseconds of timings in seconds."""
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[max(0, int(len(ms) * 0.95) - 1)]


def spread(values) -> str:
    """'median (lowest–highest)' of a ratio over the rounds."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def ratio_line(label: str, rounds: list[dict], ours: str, reference: str, width: int = 52) -> str:
    """One line: ours ÷ reference at p50 and p95, each the median over ``rounds`` ({name: samples}) with its
    spread, and ours' own p50/p95 (median of the rounds) in ms."""
    p50 = [p50_p95(r[ours])[0] / p50_p95(r[reference])[0] for r in rounds]
    p95 = [p50_p95(r[ours])[1] / p50_p95(r[reference])[1] for r in rounds]
    own = [p50_p95(r[ours]) for r in rounds]
    return (f"{label:<{width}} p50 {statistics.median(o[0] for o in own):>7.2f} "
            f"p95 {statistics.median(o[1] for o in own):>7.2f} ms | ÷ {reference}: p50 {spread(p50)}  p95 {spread(p95)}")
