"""primod.run() returns the same dictionary as `primod run --json` (bit-identical numbers) and the CLI's errors."""
import json
import subprocess

import pytest

import primod
from primod import _lib


def cli_json(cli, args):
    p = subprocess.run([cli, "run", "--json", "--quiet"] + args, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def without_speed(d):
    d = dict(d)
    assert d.pop("steps_per_second") > 0     # the only machine-dependent field
    return d


def test_struct_layouts_match_the_headers():
    assert _lib.check_layouts() == {}


@pytest.mark.parametrize("options", [
    dict(rule="pm", seed=1, track="paper", max_steps=700, preset="study", set={"robot.speed": 60}, rate=1e-5),
    dict(rule="bp", seed=3, max_steps=500, rate=0.1),
    dict(rule="reflex", track="oval", max_steps=300),
    dict(rule="sr", seed=2, max_steps=450, set={"network.hidden_layers": 2, "learning.dead_band": 1e-9}),
])
def test_run_equals_cli_json(cli, options):
    got = primod.run(**options)
    want = cli_json(cli, primod.run_args(**options))
    assert without_speed(got) == without_speed(want)   # floats compared exactly (%.17g round-trips)
    assert got["rule"] == options["rule"] and got["steps"] == options["max_steps"]


def test_run_args_use_the_cli_shorthands(cli):
    # the same run through the CLI's own --rule/--seed/--max-steps/--preset must give the same record
    got = primod.run(rule="bp", seed=5, max_steps=400, preset="study")
    want = cli_json(cli, ["--rule", "bp", "--seed", "5", "--max-steps", "400", "--preset", "study"])
    assert without_speed(got) == without_speed(want)


def test_run_args_are_the_cli_options():
    # the keywords become run's own options (parsed by the same C function as the CLI), in the order given
    assert primod.run_args(rule="pm", seed=3, rate=1e-5, max_steps=10, track="oval", start=(1, 2.5, 90),
                           ppu=4) == ["--rule", "pm", "--seed", "3", "--rate", "1e-05", "--max-steps", "10",
                                      "--track", "oval", "--start", "1,2.5,90", "--ppu", "4"]


def test_run_files(cli, tmp_path):
    log, model = tmp_path / "run.tsv", tmp_path / "m.pmnet"
    res = primod.run(rule="pm", seed=1, max_steps=50, log=log, save_model=model)
    rows = [r for r in log.read_text().splitlines() if not r.startswith("#")]   # config comments first
    assert len(rows) == 51          # header + one row per step
    # the log's last row ends with the 11 layer distances (%.9g), the record has them at full precision
    last = [float(v) for v in rows[-1].split("\t")[-11:]]
    assert last == pytest.approx(res["weight_distance"], rel=1e-8)
    assert any(d > 0 for d in last)
    with primod.Net.load(model) as net:
        assert net.n_inputs == 720 and net.n_weights == 8120


def test_run_errors():
    with pytest.raises(primod.RunError) as e:
        primod.run(track="no-such-track", max_steps=10)
    assert e.value.status == 2 and "no-such-track" in str(e.value)
    with pytest.raises(primod.RunError) as e:
        primod.run(set={"robot.speed": "fast"})
    assert e.value.status == 2 and "robot" in str(e.value) and "speed" in str(e.value)
    with pytest.raises(primod.RunError) as e:
        primod.run(rate="abc")
    assert e.value.status == 2 and str(e.value).endswith("--rate: not a number: 'abc'")   # run's own message
    with pytest.raises(primod.RunError) as e:
        primod.run(preset="nope")
    assert "nope" in str(e.value)
    with pytest.raises(TypeError):
        primod.run(bogus=1)
