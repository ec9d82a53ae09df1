"""primod.compare() / primod.sweep() return the same dictionaries as `primod compare|sweep --json` (the CLI run as a
separate program), their summaries agree with their own run records, and bad options fail like the CLI's."""
import json
import subprocess

import pytest

import primod

SMALL = dict(seeds="1-2", max_steps=300, jobs=2)


def cli_json(cli, cmd, args):
    p = subprocess.run([cli, cmd, "--json", "--quiet"] + args, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def without_times(d):
    """The batch dict without its machine-dependent fields (each run's steps_per_second, each group's wall time)."""
    d = json.loads(json.dumps(d))
    for r in d["runs"]:
        assert r.pop("steps_per_second") > 0
    for g in d["groups"]:
        assert g.pop("wall_seconds") > 0
    return d


def labels(d):
    return [g["label"] for g in d["groups"]]


def test_compare_equals_cli_json(cli):
    opts = dict(rules=["pm", "bp"], tracks=["paper", "oval"], rates={"pm": 1e-5}, **SMALL)
    got = primod.compare(**opts)
    want = cli_json(cli, "compare", primod.batch_args(**opts))
    assert without_times(got) == without_times(want)
    # groups: rule, then every varied key (here the track), sorted; runs in the order asked
    assert labels(got) == ["bp world.track=oval", "bp world.track=paper", "pm world.track=oval",
                           "pm world.track=paper"] and len(got["runs"]) == 2 * 2 * 2
    assert got["params"] == ["world.track"] and got["groups"][0]["params"] == {"world.track": "oval"}
    # rule, then track, then seed (fastest); --rate-pm reached the pm runs only
    assert [(r["rule"], r["track"], r["seed"]) for r in got["runs"][:4]] == [
        ("pm", "paper", 1), ("pm", "paper", 2), ("pm", "oval", 1), ("pm", "oval", 2)]
    assert {r["rate"] for r in got["runs"] if r["rule"] == "pm"} == {1e-5}


def test_sweep_equals_cli_json(cli):
    opts = dict(rules="pm", grid={"learning.rate": [1e-5, 1e-3], "network.hidden": [[10], [20, 10]]}, **SMALL)
    got = primod.sweep(**opts)
    want = cli_json(cli, "sweep", primod.batch_args(sweep=True, **opts))
    assert without_times(got) == without_times(want)
    # one group per grid point, each value as a number or string, sorted by the varied keys in got["params"] order
    assert sorted(got["params"]) == ["learning.rate", "network.hidden"] and len(got["groups"]) == 4
    points = [tuple(g["params"][k] for k in got["params"]) for g in got["groups"]]
    assert len(set(points)) == 4
    # within one network.hidden, the rates ascend numerically (1e-05 before 0.001, not as text)
    for h in {g["params"]["network.hidden"] for g in got["groups"]}:
        rates = [g["params"]["learning.rate"] for g in got["groups"] if g["params"]["network.hidden"] == h]
        assert rates == [1e-5, 1e-3]
    assert {g["params"]["learning.rate"] for g in got["groups"]} == {1e-5, 1e-3}
    # network.hidden=20,10 gives three weight layers, network.hidden=10 two
    assert [len(r["weight_distance"]) for r in got["runs"][:4]] == [2, 2, 3, 3]


def test_batch_runs_are_single_runs_and_summaries_count_them():
    got = primod.compare(rules=["sr"], **SMALL)
    for r in got["runs"]:
        one = primod.run(rule="sr", seed=r["seed"], max_steps=300)
        one.pop("steps_per_second")
        assert {k: v for k, v in r.items() if k != "steps_per_second"} == one
    assert len(got["groups"]) == 1
    s = got["groups"][0]
    assert s["runs"] == 2
    assert s["successes"] == sum(r["success"] for r in got["runs"])
    assert s["success_rate"] == s["successes"] / 2


def test_results_do_not_depend_on_jobs():
    a = primod.compare(rules=["pm"], seeds=[3, 4, 5], max_steps=200, jobs=1)
    b = primod.compare(rules=["pm"], seeds=range(3, 6), max_steps=200, jobs=3)
    assert without_times(a) == without_times(b)


def test_out_dir_keeps_and_reuses_results(tmp_path):
    out = tmp_path / "res"
    first = primod.compare(rules=["bp"], out=out, **SMALL)
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and all(f.startswith("bp_s") and f.endswith(".json") for f in files)
    again = primod.compare(rules=["bp"], out=out, **SMALL)   # read back, not rerun: identical speeds too
    assert again == first


def test_batch_errors(tmp_path):
    with pytest.raises(primod.RunError) as e:
        primod.compare(rules=["pm", "nope"], **SMALL)
    assert e.value.status == 2 and "--rules" in str(e.value) and "nope" in str(e.value)
    with pytest.raises(primod.RunError) as e:
        primod.compare(seeds="5-1")
    assert e.value.status == 2 and "--seeds" in str(e.value)
    with pytest.raises(primod.RunError) as e:
        primod.sweep(grid={"learning.speed": [1]}, **SMALL)
    assert e.value.status == 2 and "speed" in str(e.value)
    with pytest.raises(primod.RunError) as e:
        primod.compare(track="no-such-track", **SMALL)
    assert "no-such-track" in str(e.value)
    a_file = tmp_path / "f"
    a_file.write_text("x")
    with pytest.raises(primod.RunError) as e:
        primod.compare(out=a_file, **SMALL)
    assert e.value.status == 2 and "not a directory" in str(e.value)
    with pytest.raises(TypeError):
        primod.compare(grid={"learning.rate": [1]})
    with pytest.raises(TypeError):
        primod.compare(log="x.tsv")
