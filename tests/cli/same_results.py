"""Checks that two batch outputs (the result schema of primod compare, sweep and merge --json) hold the same
results: equal after the timing fields (each run's steps_per_second, each group's wall_seconds, which must be
present) are removed, with runs compared in (rule, seed, config) order since merge lists them by file name.
usage: same_results.py A.json B.json"""
import json
import sys


def canonical(path):
    d = json.load(open(path))
    for r in d["runs"]:
        r.pop("steps_per_second")
    for g in d["groups"]:
        g.pop("wall_seconds")
    d["runs"].sort(key=lambda r: json.dumps(r, sort_keys=True))
    d.pop("skipped")
    return d


a, b = canonical(sys.argv[1]), canonical(sys.argv[2])
for k in ("params", "runs"):
    assert a[k] == b[k], "%s differ" % k
assert len(a["groups"]) == len(b["groups"]), "group counts differ: %d vs %d" % (len(a["groups"]), len(b["groups"]))
for x, y in zip(a["groups"], b["groups"]):
    assert x == y, "group %s differs:\n%s\n%s" % (x["label"], x, y)
