#!/usr/bin/env python3
"""Splits a perf profile of the scraper thread into where the time goes.

    perf_summary.py perf.data perf-PID.map maps [comm]

Categories: Java code the perf map resolves (MBean getters, MBeanServer,
JNI-called methods), code outside the JVM's code cache that perf cannot
name (PCRE2's JIT-compiled patterns: sljit maps its own executable pages),
unresolved addresses inside the code cache, the agent, libjvm (JNI
transitions), libc, the kernel.
"""
import subprocess
import sys
from collections import defaultdict


def main():
    data, pmap = sys.argv[1], sys.argv[2]
    comm = sys.argv[4] if len(sys.argv) > 4 else "jmxagent-scrape"
    regions = []
    for line in open(sys.argv[3]):
        r = line.split()[0].split("-")
        regions.append((int(r[0], 16), int(r[1], 16)))
    jvm_code = set()
    for line in open(pmap):
        a = int(line.split(" ", 1)[0], 16)
        for r in regions:
            if r[0] <= a < r[1]:
                jvm_code.add(r)
                break

    def in_code_cache(addr):
        return any(r[0] <= addr < r[1] for r in jvm_code)
    out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--comm", comm,
                          "--sort", "dso,sym", "-g", "none", "-q"],
                         capture_output=True, text=True).stdout
    cat = defaultdict(float)
    top = defaultdict(lambda: defaultdict(float))
    for line in out.splitlines():
        line = line.strip()
        if not line or "%" not in line:
            continue
        pct = float(line.split("%")[0])
        rest = line.split("%", 1)[1].strip()
        sym = rest.split("[.]", 1)[-1].split("[k]", 1)[-1].strip()
        if rest.startswith("[JIT]"):
            if sym.startswith("0x"):
                addr = int(sym, 16)
                k = "JVM code cache, unnamed" if in_code_cache(addr) \
                    else "PCRE2 JIT code (outside the code cache)"
            else:
                k = "Java (JIT/interpreter)"
        elif "libspark_jmxagent" in rest:
            k = "agent C code (incl. PCRE2 interpreter/glue)"
        elif "libjvm" in rest:
            k = "libjvm (JNI transitions, GC, runtime)"
        elif "libc" in rest:
            k = "libc"
        elif "kernel" in rest:
            k = "kernel"
        else:
            k = "other"
        cat[k] += pct
        top[k][sym] += pct
    tot = sum(cat.values()) or 1
    print(f"scraper thread ({comm}): share of its samples")
    for k, v in sorted(cat.items(), key=lambda x: -x[1]):
        print(f"  {100 * v / tot:5.1f}%  {k}")
        for s, p in sorted(top[k].items(), key=lambda x: -x[1])[:6]:
            if not s.startswith("0x"):
                print(f"           {100 * p / tot:5.1f}%  {s[:110]}")


if __name__ == "__main__":
    main()
