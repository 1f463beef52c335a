#!/usr/bin/env python3
"""heaptrack-transients.py: the allocation sites whose blocks come and go in
thousands, from a heaptrack record.

    scripts/heaptrack-transients.py /tmp/atrium-heap.zst [MIN_BLOCKS]

A site that holds thousands of small blocks at once and none at the heap's
peak allocated a record per route during a pass and freed it after. With a
size-class allocator those blocks sat among the routes' long-lived records of
the same size, and once freed they are free slots no span can give back
(ARCHITECTURE.md, "Memory"). heaptrack_print shows what is live at the peak,
not what came and went before it: this replays the record, counting each
site's live blocks, and prints the sites whose most blocks live at once
exceed their blocks live at the peak by MIN_BLOCKS (default 1000).

Record with a build on glibc's malloc (-DATRIUM_TCMALLOC=OFF) and
scripts/heaptrack-wrap.sh (see that script).
"""
import collections
import subprocess
import sys


def read_lines(path):
    if path.endswith(".zst"):
        text = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True, text=True)
        return text.stdout.split("\n")
    if path.endswith(".gz"):
        text = subprocess.run(["gzip", "-dc", path], check=True, capture_output=True, text=True)
        return text.stdout.split("\n")
    with open(path, encoding="utf-8", errors="replace") as record:
        return record.read().split("\n")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    min_blocks = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    lines = read_lines(sys.argv[1])

    # The record's lines: "s LENGTH TEXT" a string, "i IP MODULE [FUNCTION FILE LINE ...]"
    # an instruction, "t IP PARENT" a trace node, "a SIZE TRACE" an allocation
    # kind, "+ KIND" and "- KIND" an allocation and a free (all numbers hex).
    strings, ips, traces, kinds = [""], [None], [(0, 0)], []
    # First pass: where the heap peaks (the line number).
    heap = peak = peak_line = 0
    for number, line in enumerate(lines):
        if line.startswith("a "):
            kinds.append(int(line.split()[1], 16))
        elif line.startswith("+ "):
            heap += kinds[int(line[2:], 16)]
            if heap > peak:
                peak, peak_line = heap, number
        elif line.startswith("- "):
            heap -= kinds[int(line[2:], 16)]
    # Second pass: each kind's live blocks, most at once and at the peak.
    kinds = []
    live, most = collections.Counter(), collections.Counter()
    at_peak = collections.Counter()
    for number, line in enumerate(lines):
        if len(line) >= 2:
            tag, rest = line[0], line[2:]
            if tag == "s":  # "s LENGTH TEXT"
                strings.append(rest.split(" ", 1)[1] if " " in rest else "")
            elif tag == "i":
                ips.append(rest.split())
            elif tag == "t":
                ip, parent = rest.split()[:2]
                traces.append((int(ip, 16), int(parent, 16)))
            elif tag == "a":
                size, trace = rest.split()[:2]
                kinds.append((int(size, 16), int(trace, 16)))
            elif tag == "+":
                kind = int(rest, 16)
                live[kind] += 1
                most[kind] = max(most[kind], live[kind])
            elif tag == "-":
                live[int(rest, 16)] -= 1
        if number == peak_line:
            at_peak = collections.Counter(live)

    def frames(trace):
        # The project's own frames (not the standard library's or other
        # libraries' headers), innermost first.
        out = []
        while trace and len(out) < 4:
            ip_index, trace = traces[trace]
            ip = ips[ip_index]
            if len(ip) > 4:
                path = strings[int(ip[3], 16)]
                if path.startswith("/usr/"):
                    continue
                function = strings[int(ip[2], 16)].split("(")[0]
                out.append(f"{function} {path.rsplit('/', 1)[-1]}:{int(ip[4], 16)}")
        return " < ".join(out)

    by_site = collections.defaultdict(lambda: [0, 0, 0])
    for kind, (size, trace) in enumerate(kinds):
        site = by_site[trace]
        site[0] = max(site[0], most[kind])
        site[1] += at_peak[kind]
        site[2] = size
    rows = [(most_live - peak_live, most_live, peak_live, size, trace)
            for trace, (most_live, peak_live, size) in by_site.items()
            if most_live - peak_live >= min_blocks]
    print(f"heap peak {peak / 1e6:.2f} MB")
    for _, most_live, peak_live, size, trace in sorted(rows, reverse=True):
        print(f"{most_live:7d} live at most, {peak_live:7d} at the peak, {size:6d} B: {frames(trace)}")


if __name__ == "__main__":
    main()
