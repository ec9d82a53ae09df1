"""pm_exp's table (src/core/pm_math.h) against an independent computation: each entry, plus j << 44, must be
2^(j/256) correctly rounded to a double. The reference is Python's decimal module at 60 digits (float() of a Decimal
rounds correctly); it needs neither the library nor long double (which valgrind emulates with double precision)."""
import re
import struct
from decimal import Decimal, getcontext
from pathlib import Path

HEADER = Path(__file__).resolve().parents[2] / "src" / "core" / "pm_math.h"


def table_entries():
    text = HEADER.read_text()
    body = re.search(r"pm_exp_table_\[(\d+)\]\s*=\s*\{(.*?)\};", text, re.S)
    assert body, "pm_exp_table_ not found in pm_math.h"
    values = [int(v, 16) for v in re.findall(r"0x[0-9a-fA-F]+", body.group(2))]
    assert len(values) == int(body.group(1))
    return values


def test_table_is_two_to_the_j_over_256_correctly_rounded():
    getcontext().prec = 60
    ln2 = Decimal(2).ln()
    entries = table_entries()
    assert len(entries) == 256
    for j, bits in enumerate(entries):
        value = struct.unpack("<d", struct.pack("<Q", (bits + (j << 44)) & (2**64 - 1)))[0]
        expected = float((ln2 * j / 256).exp())
        assert value == expected, f"entry {j}: {value!r} != {expected!r}"


def test_a_wrong_entry_would_be_seen():
    getcontext().prec = 60
    ln2 = Decimal(2).ln()
    bits = table_entries()[100] + 1 + (100 << 44)  # one ulp off
    value = struct.unpack("<d", struct.pack("<Q", bits))[0]
    assert value != float((ln2 * 100 / 256).exp())
