#!/usr/bin/env python3
"""pm_exp's table (src/core/pm_math.h) against an independent computation: each entry, plus j << 44, must be
2^(j/256) correctly rounded to a double. The reference is Python's decimal module at 60 digits (float() of a Decimal
rounds correctly); it needs neither the library nor long double (which valgrind emulates with double precision, so
test_math's exp2l check skips there). Usage: check_exp_table.py [pm_math.h]; exit status 0 if every entry matches."""
import re
import struct
import sys
from decimal import Decimal, getcontext
from pathlib import Path


def table_entries(header):
    body = re.search(r"pm_exp_table_\[(\d+)\]\s*=\s*\{(.*?)\};", header.read_text(), re.S)
    if not body:
        sys.exit(f"check_exp_table: pm_exp_table_ not found in {header}")
    values = [int(v, 16) for v in re.findall(r"0x[0-9a-fA-F]+", body.group(2))]
    if len(values) != int(body.group(1)):
        sys.exit(f"check_exp_table: {len(values)} values for {body.group(1)} entries in {header}")
    return values


def as_double(bits):
    return struct.unpack("<d", struct.pack("<Q", bits & (2**64 - 1)))[0]


def main():
    default = Path(__file__).resolve().parents[2] / "src" / "core" / "pm_math.h"
    header = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    getcontext().prec = 60
    ln2 = Decimal(2).ln()
    entries = table_entries(header)
    if len(entries) != 256:
        sys.exit(f"check_exp_table: {len(entries)} entries, expected 256")
    expected = [float((ln2 * j / 256).exp()) for j in range(256)]
    # the comparison itself can fail: an entry one ulp off is not equal to its correctly rounded value
    if as_double(entries[100] + 1 + (100 << 44)) == expected[100]:
        sys.exit("check_exp_table: the comparison does not see a one-ulp error")
    bad = [j for j in range(256) if as_double(entries[j] + (j << 44)) != expected[j]]
    if bad:
        sys.exit(f"check_exp_table: entries {bad[:10]} are not 2^(j/256) correctly rounded")
    print("check_exp_table: 256 entries are 2^(j/256) correctly rounded")


if __name__ == "__main__":
    main()
