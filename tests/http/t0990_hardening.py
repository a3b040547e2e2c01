#!/usr/bin/env python3
"""t0990: build/zhijia is built the way an operator expects of a program
facing the internet (issue 10 §8): a position-independent executable with
full RELRO, _FORTIFY_SOURCE, the stack protector, stack-clash protection
and control-flow protection — read from the ELF itself with readelf, so a
`make CFLAGS=…` that dropped a flag fails here.  No server is started."""
import os
import re
import subprocess

from harness import TOP, run

BIN = os.environ.get("ZHIJIA_BIN", os.path.join(TOP, "build", "zhijia"))


def readelf(*args):
    out = subprocess.run(["readelf", "-W", *args, BIN], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_it_is_a_position_independent_executable():
    assert re.search(r"Type:\s+DYN \(Position-Independent Executable", readelf("-h")), \
        "not PIE: link with -pie and compile with -fPIE"
    assert re.search(r"FLAGS_1\).*\bPIE\b", readelf("-d")), "no DF_1_PIE flag"


def test_relocations_are_read_only_after_start():
    assert re.search(r"^\s*GNU_RELRO\s", readelf("-l"), re.M), "no GNU_RELRO segment (-z relro)"
    dyn = readelf("-d")
    assert re.search(r"\(FLAGS\)\s+.*BIND_NOW", dyn) or re.search(r"FLAGS_1\).*\bNOW\b", dyn), \
        "partial RELRO only: link with -z now"


def test_libc_calls_are_fortified_and_the_stack_protected():
    syms = set(re.findall(r"\s(__\w+)(?=@|\s|$)", readelf("--dyn-syms"), re.M))
    assert "__stack_chk_fail" in syms, "no stack protector (-fstack-protector-strong)"
    fortified = {s for s in syms if s.endswith("_chk") and s != "__stack_chk_fail"}
    assert len(fortified) >= 3, "no _FORTIFY_SOURCE: only %s" % sorted(fortified)


def test_every_source_file_was_compiled_with_the_hardening_flags():
    # gcc records its command-line flags in each compile unit's
    # DW_AT_producer (the Makefile always passes -g).
    info = readelf("--debug-dump=info")
    units = re.split(r"DW_TAG_compile_unit", info)[1:]
    assert units, "no debug information: the Makefile builds with -g"
    ours = 0
    for u in units:
        name = re.search(r"DW_AT_name\s*:\s*(?:\(.*?\):\s*)?(\S+)", u)
        producer = re.search(r"DW_AT_producer\s*:\s*(?:\(.*?\):\s*)?(.*)", u)
        if not name or not name.group(1).startswith("cgi-bin/"):
            continue
        ours += 1
        flags = producer.group(1) if producer else ""
        for want in ("-fstack-protector-strong", "-fstack-clash-protection",
                     "-fcf-protection", "-fPIE"):
            assert want in flags, "%s compiled without %s: %s" % (name.group(1), want, flags)
    assert ours >= 10, "only %d compile units of cgi-bin/ found" % ours


if __name__ == "__main__":
    run(globals())
