"""``manage.py warning_eval`` prints the detection figures as JSON and touches no database."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from safeguard.quality.warnings.evaluation import EvalConfig, evaluate


def _run(*args):
    out = StringIO()
    call_command("warning_eval", *args, stdout=out)
    return json.loads(out.getvalue())


def test_warning_eval_prints_json_with_the_figures():
    # No django_db mark: any query would fail the test, so the command is pure.
    result = _run("--series", "2", "--days", "150", "--seed", "5")

    assert result["method"] == "poisson-cusum"
    assert result["config"]["seed"] == 5 and result["config"]["days"] == 150
    false_alarms = result["false_alarms_per_series_year"]
    assert set(false_alarms) == {"poisson", "overdispersed"}
    assert set(false_alarms["poisson"]["by_base_rate"]) == {"0.3", "1", "3", "10", "30", "100"}
    assert set(result["recall"]["by_ratio"]) == {"1.5", "2", "3", "5"}
    assert 0 <= result["recall"]["overall"] <= 1
    delay = result["detection_delay_days"]
    assert {"mean", "median", "p90", "n", "by_ratio", "by_base_rate"} <= set(delay)
    assert delay["n"] > 0 and delay["median"] >= 0


def test_the_same_seed_gives_the_same_figures():
    config = EvalConfig(series=1, days=120, seed=9)
    assert evaluate(config) == evaluate(config)


def test_big_spikes_on_busy_series_are_all_found_at_once():
    result = evaluate(EvalConfig(series=3, days=150, seed=4, base_rates=(30.0,), ratios=(5.0,)))
    assert result["recall"]["overall"] == 1.0
    assert result["detection_delay_days"]["median"] == 0


def test_too_few_days_is_refused():
    with pytest.raises(CommandError, match="days must be at least"):
        call_command("warning_eval", "--days", "30", stdout=StringIO())
