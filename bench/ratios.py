#!/usr/bin/env python3
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
"""Checks issue 3's speed ratios in one qlab-bench JSON file (standard library only).

usage: ratios.py RESULTS.json [--table]
Prints one line per ratio with PASS/FAIL (exit 1 on any FAIL); --table first prints every
benchmark as a Markdown table row.

With --benchmark_repetitions and every repetition in the file (--benchmark_display_aggregates_only
keeps them; --benchmark_report_aggregates_only drops them), a benchmark's rate is its best
repetition, and the ratio of the medians is printed beside it. On a shared machine the noise only
ever slows a run down (another tenant's work, a migration, an interrupt), so the fastest of several
interleaved repetitions is the estimate of what the code itself costs, and it is taken the same way
for every variant; the medians show how much the noise moved. A file with aggregates only falls
back to medians.
"""
import json
import sys


def load(path):
    """Returns the context and, per benchmark, (best, median) of each counter over repetitions."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    reps, medians = {}, {}
    for b in doc["benchmarks"]:
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[b["run_name"]] = b
        else:
            reps.setdefault(b["run_name"], []).append(b)
    runs = {}
    for name in set(reps) | set(medians):
        runs[name] = {}
        for field in ("items_per_second", "bytes_per_second"):
            values = sorted(b[field] for b in reps.get(name, []) if field in b)
            median = medians.get(name, {}).get(field)
            if values:
                middle = len(values) // 2
                if median is None:
                    median = (values[middle] if len(values) % 2
                              else (values[middle - 1] + values[middle]) / 2)
                runs[name][field] = (values[-1], median)
            elif median is not None:
                runs[name][field] = (median, median)
    return doc.get("context", {}), runs


def main():
    context, runs = load(sys.argv[1])
    ok = True
    if "--table" in sys.argv[2:]:
        print("| benchmark | G items/s | GB/s |")
        print("|---|---:|---:|")
        for name, b in sorted(runs.items()):
            print(f"| {name} | {b.get('items_per_second', (0, 0))[0] / 1e9:.2f} "
                  f"| {b.get('bytes_per_second', (0, 0))[0] / 1e9:.2f} |")
        print()

    def get(name, field="items_per_second"):
        b = runs.get(name)
        return None if b is None else b.get(field)

    def check(label, num, den, need):
        nonlocal ok
        if num is None or den is None:
            print(f"{label}: MISSING")
            ok = False
            return
        ratio = num[0] / den[0]
        verdict = "PASS" if ratio >= need else "FAIL"
        ok &= ratio >= need
        print(f"{label}: {ratio:.2f}x (need >= {need}) {verdict}  [medians: {num[1] / den[1]:.2f}x]")

    for n in (256, 4096, 65536):
        peers = {p: get(f"dot_f32/{p}/{n}") for p in ("eigen", "openblas", "hwydot")}
        present = {p: v for p, v in peers.items() if v is not None}
        best = max(present, key=lambda p: present[p][0]) if present else None
        check(f"dot_f32/hwy/{n} vs best peer ({best})", get(f"dot_f32/hwy/{n}"),
              present.get(best), 0.95)
    for k in ("dot_u8i8", "dot_i8"):
        check(f"{k}/hwy/4096 vs dot_f32/hwy/4096", get(f"{k}/hwy/4096"),
              get("dot_f32/hwy/4096"), 2.5)
    check("dot_u8i8/hwy/67108864 vs dot_f32/hwy/67108864", get("dot_u8i8/hwy/67108864"),
          get("dot_f32/hwy/67108864"), 3.8)
    check("dot_u8i8/hwy/67108864 bytes vs membw/read/268435456",
          get("dot_u8i8/hwy/67108864", "bytes_per_second"),
          get("membw/read/268435456", "bytes_per_second"), 0.9)
    check("gemv_f32/hwy/20640 vs gemv_f32/auto/20640", get("gemv_f32/hwy/20640"),
          get("gemv_f32/auto/20640"), 1.0)
    check("gemv_f32/hwy/10000000 vs gemv_f32/auto/10000000", get("gemv_f32/hwy/10000000"),
          get("gemv_f32/auto/10000000"), 1.1)
    check("gemv_u8i8/hwy/10000000 vs gemv_f32/auto/10000000", get("gemv_u8i8/hwy/10000000"),
          get("gemv_f32/auto/10000000"), 3.0)
    for rows in (20640, 10000000):
        check(f"gemv_u8i8/hwy/{rows} vs gemv_u8i8/onednn/{rows}", get(f"gemv_u8i8/hwy/{rows}"),
              get(f"gemv_u8i8/onednn/{rows}"), 4.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
