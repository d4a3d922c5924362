#!/usr/bin/env python3
"""The README's verifier table, from the kernel matrix's reports.

    scripts/verifier-report.py [--check] [REPORT...]

Each REPORT is a build/kernels/verifier-RELEASE.txt written by
tests/kernels/guest.sh (lines "kernel K program P l2 L insns N ok").
Without --check the table between the README's verifier-table markers is
rewritten from them: one column per kernel, newest report of each kernel.
With --check nothing is written; it fails (exit 1) when a number in the
README differs from one measured now for the same kernel, program and
device type, so the README cannot keep figures the code no longer has.
"""
import glob
import re
import sys

README = "README.md"
BEGIN = "<!-- verifier-table:begin (scripts/verifier-report.py) -->"
END = "<!-- verifier-table:end -->"
LINE = re.compile(r"^kernel (\S+) program (\S+) l2 (\S+) insns (-?\d+) (\S+)")
PROGRAMS = ["voipfw_xdp", "voipfw_tc_ingress", "voipfw_tc_egress"]
DEVICES = {"ethernet": "Ethernet", "l3": "no link layer (ppp, wg, tun)"}


def read_reports(paths):
    """{kernel: {(program, l2): (insns, status)}}"""
    found = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                m = LINE.match(line)
                if m:
                    k, prog, l2, insns, status = m.groups()
                    found.setdefault(k, {})[(prog, l2)] = (int(insns), status.rstrip(":"))
    return found


def kernel_key(release):
    return [int(x) if x.isdigit() else x for x in re.split(r"[.-]", release)]


def cell(value):
    insns, status = value
    if status != "ok":
        return f"{status} ({insns:,})" if insns >= 0 else status
    return f"{insns:,}"


def row_key(row):
    prog, l2 = row
    order = PROGRAMS.index(prog) if prog in PROGRAMS else len(PROGRAMS)
    return (order, prog, list(DEVICES).index(l2) if l2 in DEVICES else len(DEVICES))


def render(found):
    kernels = sorted(found, key=kernel_key)
    rows = sorted({key for k in kernels for key in found[k]}, key=row_key)
    out = ["| program | device | " + " | ".join(kernels) + " |",
           "|---|---|" + "---:|" * len(kernels)]
    for prog, l2 in rows:
        cells = [cell(found[k][(prog, l2)]) if (prog, l2) in found[k] else "–" for k in kernels]
        out.append(f"| `{prog}` | {DEVICES.get(l2, l2)} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def parse_table(text):
    """The README table back into {kernel: {(program, l2): cell text}}."""
    rows = [r.strip() for r in text.strip().splitlines()]
    if len(rows) < 2:
        return {}
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    kernels = head[2:]
    back = {v: k for k, v in DEVICES.items()}
    table = {k: {} for k in kernels}
    for r in rows[2:]:
        cells = [c.strip() for c in r.strip("|").split("|")]
        prog, l2 = cells[0].strip("`"), back.get(cells[1], cells[1])
        for k, c in zip(kernels, cells[2:]):
            table[k][(prog, l2)] = c
    return table


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"] or glob.glob("build/kernels/verifier-*.txt")
    found = read_reports(paths)
    if not found:
        print("verifier-report: no reports (run make check-kernels first)", file=sys.stderr)
        return 1
    with open(README) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        print(f"verifier-report: {README} has no verifier-table markers", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    old, tail = rest.split(END, 1)
    if not check:
        with open(README, "w") as f:
            f.write(head + BEGIN + "\n" + render(found) + "\n" + END + tail)
        print(f"verifier-report: {README} table from {len(found)} kernel(s)")
        return 0
    table = parse_table(old)
    stale = 0
    for k, rows in sorted(found.items()):
        if k not in table:
            print(f"verifier-report: kernel {k} is not in {README} (not compared)")
            continue
        for key, value in sorted(rows.items()):
            have = table[k].get(key)
            if have != cell(value):
                print(f"verifier-report: {README} says {have} for {key[0]} ({key[1]}) "
                      f"on {k}, measured {cell(value)}")
                stale += 1
    if stale:
        print("verifier-report: the README is stale: run 'make verifier-report' "
              "after 'make check-kernels'")
        return 1
    print(f"verifier-report: {README} matches what was measured on {', '.join(sorted(found))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
