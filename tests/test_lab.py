"""The evidence lab: decision rules on constructed inputs, and the quick lab end to end."""

import functools
import json
import re
from html import unescape
from html.parser import HTMLParser

import numpy as np
import pytest
from typer.testing import CliRunner

from shrinkage.cli import app
from shrinkage.lab import load_claims, run_lab
from shrinkage.lab import stats as st
from shrinkage.lab.registry import experiment

VOCABULARY = {"true", "false", "depends", "not-testable", "undecided"}


# ------------------------------------------------------------------ decision rules


def _cell(loss_a, loss_b, seed=0):
    return st.paired_cell(loss_a, loss_b, np.random.default_rng(seed))


def test_clear_win_clear_loss_and_tie():
    rng = np.random.default_rng(1)
    base = rng.uniform(1.0, 2.0, 30)
    win = _cell(base, base * 1.5 + rng.normal(0, 0.01, 30))     # A's loss 1/3 lower
    loss = _cell(base * 1.5 + rng.normal(0, 0.01, 30), base)
    tie = _cell(base, base + rng.normal(0, 0.3, 30))            # noise, no effect
    small = _cell(base, base * 1.03)                            # significant but 3%
    decided = st.decide_cells([win, loss, tie, small])
    assert [c.outcome for c in decided] == ["A", "B", "tie", "tie"]
    assert win.effect == pytest.approx(0.5, abs=0.02) and win.ci[0] > 0.4
    assert decided[0].p_adjusted >= decided[0].p_value  # Holm only inflates
    # the rules over a regime map
    assert st.verdict_a_better(["A", "A", "A"]) == "true"
    assert st.verdict_a_better(["B", "tie", "B"]) == "false"
    assert st.verdict_a_better(["tie", "tie"]) == "false"
    assert st.verdict_a_better(["A", "tie", "B"]) == "depends"
    assert st.verdict_from_checks([True, True]) == "true"
    assert st.verdict_from_checks([False, False]) == "false"
    assert st.verdict_from_checks([True, False]) == "depends"
    with pytest.raises(ValueError, match="no cells"):
        st.verdict_a_better([])


def test_holm_matches_its_definition():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    np.testing.assert_allclose(st.holm(p), [0.03, 0.06, 0.06, 0.02])


def test_many_cells_need_a_stronger_signal():
    """The same modest, significant-alone effect is a tie once corrected over 40 cells."""
    rng = np.random.default_rng(2)
    base = rng.uniform(1, 2, 12)
    cells = [_cell(base, base * 1.2 + rng.normal(0, 0.25, 12), seed=k) for k in range(40)]
    alone = st.decide_cells(cells[:1])
    together = st.decide_cells(cells)
    assert cells[0].p_value < 0.05
    assert sum(c.outcome == "A" for c in together) < 40
    assert alone[0].p_adjusted == cells[0].p_value


def test_an_experiment_must_declare_its_design():
    with pytest.raises(ValueError, match="does not declare"):
        experiment("incomplete", claims=("C99",), title="t",
                   design={"data": "x", "models": "y"})
    full = {"data": "x", "regimes": [], "models": "y", "metric": "m", "repetitions": 1,
            "decision": "d", "factor": "f", "comparison": "c"}
    with pytest.raises(ValueError, match=r"does not declare \['quantifier'\]"):
        experiment("no-wording", claims=("C99",), title="t", design=full)
    with pytest.raises(ValueError, match="unknown quantifiers"):
        experiment("odd", claims=("C99",), title="t",
                   design=dict(full, quantifier={"C99": "mostly"}))
    with pytest.raises(ValueError, match=r"quantifier of \['C98'\]"):
        experiment("partial", claims=("C99", "C98"), title="t",
                   design=dict(full, quantifier={"C99a": "can"}))


def test_every_registered_experiment_declares_the_wording_of_its_claims():
    from shrinkage.lab.registry import EXPERIMENTS

    assert len(EXPERIMENTS) >= 11
    for exp in EXPERIMENTS.values():
        assert exp.design["factor"] and exp.design["comparison"], exp.name
        assert set(exp.design["quantifier"].values()) <= set(st.QUANTIFIERS)


# ------------------------------------------------------------------ the quick lab


class FigureCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures, self.inside, self.verdict_rows = [], False, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self.inside = True
            self.figures.append(0)
        if self.inside and tag == "path":
            self.figures[-1] += 1
        if tag == "tr" and attrs.get("id", "").startswith("row-"):
            self.verdict_rows.append(attrs["id"][4:])

    def handle_endtag(self, tag):
        if tag == "figure":
            self.inside = False


#: the tuned models' cross-validation in the tests, (alphas, folds): the lab's own 30
#: alphas and 5 folds cost three times as much and the tests below check the lab's
#: plumbing and rules (verdicts recounted from cells, the report, the determinism), not
#: the verdicts themselves; the repetitions stay the quick run's
TEST_CV_GRID = (10, 3)


@pytest.fixture(scope="module")
def quick_lab(tmp_path_factory):
    """``shrinkage lab --quick`` on every claim, through the command line, on
    ``TEST_CV_GRID``."""
    import shrinkage.lab

    out = tmp_path_factory.mktemp("lab")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shrinkage.lab, "run_lab",
                      functools.partial(shrinkage.lab.run_lab, cv_grid=TEST_CV_GRID))
        result = CliRunner().invoke(app, ["lab", "--quick", "--out", str(out),
                                          "--no-progress"])
    assert result.exit_code == 0, result.output
    lab = json.loads((out / "lab.json").read_text())
    assert lab["settings"]["cv_grid"] == list(TEST_CV_GRID)
    return out, lab, result


def test_every_claim_has_a_verdict(quick_lab):
    _, lab, result = quick_lab
    ids = {c["id"] for c in lab["claims"]}
    assert set(load_claims()) <= ids and len(load_claims()) == 29
    for claim in lab["claims"]:
        assert claim["verdict"] in VOCABULARY
        assert re.fullmatch(r"C\d\d[a-h]?", claim["id"])
        assert claim["summary"] and claim["experiment"] in lab["experiments"]
        assert claim["id"] in result.stdout
        # each verdict's sentence ends with what a user should do
        assert claim["practical"], claim["id"]
        assert claim["summary"].endswith("In practice: " + claim["practical"])
    # parts sit beside their whole, whose verdict combines them by their wording
    by_id = {c["id"]: c for c in lab["claims"]}
    for cid in ("C02", "C04", "C05", "C09", "C14", "C17", "C19", "C21"):
        parts = [(by_id[p]["verdict"], by_id[p]["quantifier"]) for p in by_id
                 if p[:3] == cid and p != cid]
        assert parts and all(q in st.QUANTIFIERS for _, q in parts)
        assert by_id[cid]["verdict"] == st.combine_parts(parts), cid


def test_grid_verdicts_follow_their_cells(quick_lab):
    """A verdict is what its cells say: recount them from the evidence."""
    _, lab, _ = quick_lab
    for claim in lab["claims"]:
        cells = claim["evidence"].get("cells") if isinstance(claim["evidence"], dict) else None
        if not cells:
            continue
        outcomes = [c["outcome"] for c in cells]
        if "replicated" in claim["evidence"]:  # a "can" claim held on two draws
            expected = st.verdict_can(claim["evidence"]["replicated"])
        elif claim["quantifier"] == "can":
            expected = st.verdict_can(None if o == st.UNDERPOWERED else o == "A"
                                      for o in outcomes)
        else:
            expected = st.verdict_a_better(outcomes)
        assert claim["verdict"] == expected, claim["id"]
        for c in cells:
            significant = c["p_adjusted"] < st.ALPHA and abs(c["effect"]) >= st.MIN_EFFECT
            assert (c["outcome"] in ("A", "B")) <= significant
            # underpowered: not even the most one-sided pairs could have been significant
            could = st.smallest_p_value(c["n_pairs"]) * len(cells) < st.ALPHA
            assert (c["outcome"] == st.UNDERPOWERED) == (not could), claim["id"]


def test_report_renders_every_figure_and_the_contradictions(quick_lab):
    out, lab, _ = quick_lab
    html = (out / "lab.html").read_text()
    parser = FigureCounter()
    parser.feed(html)
    n_figures = sum(len(e["figures"]) for e in lab["experiments"].values())
    assert len(parser.figures) == n_figures >= 8
    assert all(paths > 10 for paths in parser.figures)
    assert parser.verdict_rows == [c["id"] for c in lab["claims"]]  # the table comes first
    assert html.index('id="verdicts"') < html.index("<figure")
    names = {c["name"] for c in lab["contradictions"]}
    assert names == {"C12 vs C13", "C21 vs C22", "C24 vs C25", "C07 vs C04", "L41 vs L17",
                     "C19"}
    text = unescape(html)
    for item in lab["contradictions"]:
        assert item["settlement"] in text
    # the essay's own words are quoted
    assert "L1 regularization is less affected by outliers" in html


def test_same_seed_same_verdicts(quick_lab):
    _, lab, _ = quick_lab
    again = run_lab(["C21", "C23", "C08", "C10"], quick=True, seed=0,
                    cv_grid=TEST_CV_GRID)
    first = {c["id"]: (c["verdict"], c["summary"]) for c in lab["claims"]}
    for c in again["claims"]:
        assert (c["verdict"], c["summary"]) == first[c["id"]]


def test_claim_filter_and_json_output(tmp_path):
    result = CliRunner().invoke(app, ["lab", "--claim", "C01", "--claim", "c11", "--quick",
                                      "--json", "--out", str(tmp_path), "--no-progress"])
    assert result.exit_code == 0, result.output
    lab = json.loads(result.stdout)
    assert [c["id"] for c in lab["claims"]] == ["C01", "C11"]
    assert lab["claims"][1]["verdict"] == "not-testable"
    assert "sklearn" not in lab["claims"][1]["evidence"]["record"]  # a record, not code
    bad = CliRunner().invoke(app, ["lab", "--claim", "C42", "--out", str(tmp_path)])
    assert bad.exit_code == 1
    assert bad.stderr.strip() == "error: unknown claim 'C42'; the claims are C01 to C29"


def test_grid_edge_shares_count_the_edge_fits():
    from shrinkage.lab.simulate import grid_edge_shares

    cells = [{"l1": {"at_edge": np.array([True, False])},
              "l2": {"at_edge": np.array([False, False])}},
             {"l1": {"at_edge": np.array([True, True])},
              "l2": {"at_edge": np.array([False, True])}}]
    assert grid_edge_shares(cells, ("none", "l1", "l2")) == {"l1": 0.75, "l2": 0.25}


def test_generalization_reports_fits_at_the_grid_edge(quick_lab):
    _, lab, _ = quick_lab
    shares = lab["experiments"]["generalization"]["evidence"]["fits_at_grid_edge"]
    assert set(shares) == {"l1", "l2", "elasticnet", "component"}
    assert all(0.0 <= s <= 1.0 for s in shares.values())


def test_lab_html_shows_the_grid_check(quick_lab):
    out, lab, _ = quick_lab
    shares = lab["experiments"]["generalization"]["evidence"]["fits_at_grid_edge"]
    html = (out / "lab.html").read_text()
    assert '<p class="grid-check">' in html
    assert f"l1 {100 * shares['l1']:.1f}%" in html


def test_outliers_are_swept_share_by_share_with_the_huber_control(quick_lab):
    """C21/C22 from a dose-response sweep: every share above 0 of every base regime is a
    cell; the Huber loss's growth beside the squared loss's; the reason part C21b is
    recounted from the cells by its rule (a reason falls on one failing share)."""
    from shrinkage.lab.outliers import BASES, SHARES

    out, lab, _ = quick_lab
    by_id = {c["id"]: c for c in lab["claims"]}
    c21a, c21b = by_id["C21a"], by_id["C21b"]
    assert c21a["quantifier"] == "tendency" and c21b["quantifier"] == "reason"
    cells = c21a["evidence"]["cells"]
    assert len(cells) == len(BASES) * (len(SHARES) - 1)
    for key in ("huber_vs_squared_l1", "huber_vs_squared_l2", "huber_l2_vs_squared_l1"):
        assert [c["regime"] for c in c21a["evidence"][key]] == c21a["regimes"]
    for change in c21a["evidence"]["mean_change_over_clean"]:
        assert change["l1"][0] == change["huber_l1"][0] == 1.0  # each over its own clean
        assert change["l1"][-1] > 1.5  # 20% outliers hurt the squared loss
        assert change["huber_l1"][-1] < change["l1"][-1]
    swap = c21a["evidence"]["huber_l2_vs_squared_l1"]
    passed = [None if st.UNDERPOWERED in (a["outcome"], b["outcome"])
              else a["outcome"] == "A" and b["outcome"] != "A" for a, b in zip(cells, swap)]
    assert [c["passed"] for c in c21b["evidence"]["checks"]] == passed
    assert c21b["verdict"] == st.verdict_universal(passed)
    assert by_id["C21"]["verdict"] == st.combine_parts(
        [(c21a["verdict"], "tendency"), (c21b["verdict"], "reason")])
    html = (out / "lab.html").read_text()
    assert "Huber+L2 vs squared+L1" in html and "Excess risk over its clean value" in html


def test_the_elastic_net_is_judged_against_its_components_tuned_alike(quick_lab):
    """C09b: against the component the same CV picks, with the CV noise reported; C02
    reports the train-test gap and says the verdict rests on the error on new data."""
    _, lab, _ = quick_lab
    by_id = {c["id"]: c for c in lab["claims"]}
    c09b = by_id["C09b"]
    assert 0.0 <= c09b["evidence"]["share_choosing_an_end"] <= 1.0
    low, high = c09b["evidence"]["inner_choice_relative_risk_q10_q90"]
    assert low <= high
    assert "the noise of cross-validation" in c09b["summary"]
    assert "train-test gap" in by_id["C02"]["summary"]
    assert "rests on the error on new data" in by_id["C02"]["summary"]
    gaps = lab["experiments"]["generalization"]["evidence"]["mean_train_test_gap"]
    # least squares fits its training data closest: its gap is the largest on average
    assert np.mean([g["none"] for g in gaps.values()]) > np.mean(
        [g["l2"] for g in gaps.values()])


def test_dimension_and_factor_sweeps_cover_their_declared_doses(quick_lab):
    from shrinkage.lab import dimension, robustness

    _, lab, _ = quick_lab
    by_id = {c["id"]: c for c in lab["claims"]}
    high = sum(p > dimension.N for p in dimension.PS)
    low = sum(p < dimension.N for p in dimension.PS)
    assert len(by_id["C17a"]["evidence"]["cells"]) == 2 * high
    assert len(by_id["C17b"]["evidence"]["cells"]) == 2 * low
    assert max(dimension.PS) >= 10 * dimension.N
    assert len(by_id["C26"]["evidence"]["cells"]) == len(robustness.SCALE_BASES) * (
        len(robustness.DECADES) - 1)
    assert len(by_id["C27"]["evidence"]["cells"]) == len(robustness.COLLINEAR_BASES) * (
        len(robustness.RHOS) - 1)
    for change in by_id["C27"]["evidence"]["mean_coef_error_change"]:
        assert change["none"][0] == 1.0
        # least squares' coefficients blow up with the correlation
        assert change["none"][-1] > 5


def test_network_claims_on_real_networks(quick_lab):
    """C08b and C28b come from PyTorch MLPs: SGD's decay is the L2 term (to rounding),
    AdamW is not Adam with L2; the L1 prox makes exact zeros that L2 never does."""
    pytest.importorskip("torch")
    out, lab, _ = quick_lab
    by_id = {c["id"]: c for c in lab["claims"]}
    c08b, c28b = by_id["C08b"], by_id["C28b"]
    difference = c08b["evidence"]["relative_difference"]
    assert difference["sgd"] < 1e-12 and difference["adam"] > 1e-2
    assert c08b["verdict"] == "false"  # universal: Adam is the counterexample
    assert by_id["C28"]["verdict"] == "not-testable"  # popularity stays documentary
    assert len(c28b["evidence"]["cells"]) == 8
    digits = c28b["evidence"]["tables"]["digits"]["models"]
    assert digits["L1 prox (SGD)"]["zero_share"] > 0.2
    assert digits["L2 in the loss (SGD)"]["zero_share"] == 0.0
    assert all(m["accuracy"] > 0.9 for m in digits.values())
    assert "Networks: L2 against" in (out / "lab.html").read_text()


def test_network_experiment_without_torch_says_it_was_skipped(monkeypatch, tmp_path):
    from shrinkage.lab import networks
    from shrinkage.lab.report import write_lab

    monkeypatch.setattr(networks, "_torch", lambda: None)
    lab = run_lab(["C28"], quick=True)
    assert [c["id"] for c in lab["claims"]] == ["C28"]  # the documentary verdict only
    skipped = lab["experiments"]["networks"]["evidence"]["skipped"]
    assert "shrinkage[torch]" in skipped
    write_lab(lab, tmp_path)
    assert "Skipped:" in (tmp_path / "lab.html").read_text()
    result = CliRunner().invoke(app, ["lab", "--claim", "C28", "--quick", "--out",
                                      str(tmp_path / "cli"), "--no-progress"])
    assert result.exit_code == 0 and "skipped: Weight decay and penalties" in result.stdout


# ------------------------------------------------------------------ wording rules


def test_a_universal_claim_falls_on_one_counterexample():
    assert st.verdict_universal([True] * 9 + [False]) == "false"
    assert st.verdict_universal([True] * 10) == "true"
    assert st.verdict_from_checks([True] * 9 + [False]) == "depends"  # a tendency would


def test_a_can_claim_needs_one_supporting_regime():
    assert st.verdict_can([False] * 9 + [True]) == "true"
    assert st.verdict_can([False] * 10) == "false"
    assert st.verdict_by_quantifier("can", [False, True]) == "true"
    assert st.verdict_by_quantifier("reason", [True, False]) == "false"
    with pytest.raises(ValueError, match="quantifier"):
        st.verdict_by_quantifier("often", [True])


@pytest.mark.parametrize("parts, whole", [
    ([("true", "tendency"), ("true", "universal")], "true"),
    # a part that cannot be tested never makes the whole true
    ([("true", "tendency"), ("not-testable", "not-testable")], "depends"),
    ([("not-testable", "not-testable")], "not-testable"),
    # a false reason or universal part makes the whole false, even with a true conclusion
    ([("true", "tendency"), ("false", "reason")], "false"),
    ([("true", "can"), ("false", "universal")], "false"),
    # a false comparison beside a true one is a map, not a refutation
    ([("true", "tendency"), ("false", "tendency")], "depends"),
    ([("false", "tendency"), ("false", "can")], "false"),
    ([("depends", "tendency"), ("true", "tendency")], "depends"),
])
def test_parts_combine_as_claims_md_says(parts, whole):
    assert st.combine_parts(parts) == whole


def test_combining_refuses_an_unknown_quantifier():
    with pytest.raises(ValueError, match="quantifier"):
        st.combine_parts([("true", "mostly")])


def test_dose_response_compares_each_methods_change_against_its_own_baseline():
    """A sweep of one factor on constructed losses: A's loss stays where it started, B's
    grows with the dose; B starting lower overall does not matter (its own baseline)."""
    rng = np.random.default_rng(0)
    draws = 30
    base = rng.uniform(1.0, 2.0, draws)
    doses = np.array([0.0, 0.1, 0.5, 1.0])
    noise = rng.normal(0, 0.01, (4, draws))
    a = 3.0 * base * (1 + noise)                         # worse overall, unaffected
    b = base * (1 + 2.0 * doses[:, None] + noise)        # better at dose 0, then hurt
    change = st.relative_change(b)
    np.testing.assert_allclose(change[0], 1.0)
    assert np.all(np.diff(change.mean(axis=1)) > 0)
    cells = st.dose_response_cells(a, b, rng)
    assert [c.outcome for c in cells] == ["A", "A", "A"]
    assert st.verdict_a_better(c.outcome for c in cells) == "true"
    flat = st.dose_response_cells(a, 0.5 * a * (1 + rng.normal(0, 0.01, (4, draws))), rng)
    assert all(c.outcome == "tie" for c in flat)  # the same change: no winner
    with pytest.raises(ValueError, match="baseline"):
        st.relative_change(np.ones((1, 5)))


def test_less_affected_must_hold_relative_to_the_baseline_and_in_loss_added():
    """A starts 3x worse and gains 0.9 per dose; B gains 0.5 from 1: by ratio A grew less
    (1.3 against 1.5), by loss added B did (0.5 against 0.9, 20% of the mean baseline):
    the two scales disagree, so neither is less affected."""
    rng = np.random.default_rng(1)
    draws = 40
    jitter = rng.normal(0, 0.005, (2, draws))
    a = np.vstack([3.0 * (1 + jitter[0]), 3.9 * (1 + jitter[1])])
    b = np.vstack([1.0 * (1 + jitter[0]), 1.5 * (1 + jitter[1])])
    by_ratio = st.dose_response_cells(a, b, rng)
    by_difference = st.dose_response_cells(a, b, rng, scale="difference")
    assert by_ratio[0].outcome == "A"
    assert by_difference[0].outcome == "B"
    np.testing.assert_allclose(by_difference[0].effect, (0.5 - 0.9) / 2.0, rtol=0.02)
    assert [c.outcome for c in st.on_both_scales(by_ratio, by_difference)] == ["tie"]
    agree = st.on_both_scales(by_ratio, by_ratio)
    assert [c.outcome for c in agree] == ["A"]
    with pytest.raises(ValueError, match="scale"):
        st.dose_response_cells(a, b, rng, scale="log")


def test_a_previous_run_shows_each_changed_verdict_old_and_new(tmp_path):
    """--previous: a claim whose verdict differs is listed with both framings (rule,
    verdict, summary); an unchanged one is not; a bad file is one line, exit 1."""
    from shrinkage.lab.report import to_json, verdict_changes

    now = run_lab(["C01", "C10"], quick=True)
    old = json.loads(to_json(now))
    c10 = next(c for c in old["claims"] if c["id"] == "C10")
    c10["verdict"], c10["summary"] = "false", "an older framing's summary"
    old["experiments"]["overfitting"]["design"]["decision"] = "the older rule"
    del old["experiments"]["overfitting"]["design"]["factor"]  # an older lab's design
    changes = verdict_changes(now, old)
    assert [c["id"] for c in changes] == ["C10"]
    assert changes[0]["before"]["decision"] == "the older rule"
    assert changes[0]["before"]["factor"] == "not declared"
    design = now["experiments"]["overfitting"]["design"]
    assert changes[0]["now"]["factor"] == design["factor"]
    assert changes[0]["now"]["comparison"] == design["comparison"]
    assert changes[0]["now"]["verdict"] == next(
        c["verdict"] for c in now["claims"] if c["id"] == "C10")
    assert changes[0]["now"]["quantifier"] == "tendency"
    previous = tmp_path / "old.json"
    previous.write_text(json.dumps(old))
    result = CliRunner().invoke(app, ["lab", "--claim", "C01", "--claim", "C10", "--quick",
                                      "--out", str(tmp_path / "new"), "--no-progress",
                                      "--previous", str(previous)])
    assert result.exit_code == 0, result.output
    assert "changed: C10 false -> " in result.stdout
    html = unescape((tmp_path / "new" / "lab.html").read_text())
    assert 'id="change-C10"' in html and "the older rule" in html
    assert design["factor"] in html and "not declared" in html
    assert "an older framing's summary" in html and 'id="change-C01"' not in html
    bad = CliRunner().invoke(app, ["lab", "--claim", "C01", "--out", str(tmp_path / "x"),
                                   "--previous", str(tmp_path / "missing.json")])
    assert bad.exit_code == 1
    assert bad.stderr.strip().startswith("error: --previous")
    assert "missing.json" in bad.stderr and "Traceback" not in bad.stderr


# ------------------------------------------------------------------ undecided, not false


def test_a_test_that_cannot_reach_significance_is_underpowered_not_a_tie():
    """4 or 5 pairs: the smallest signed-rank p-value is 0.125 or 0.0625 (exact, every
    difference of one sign), above 0.05 before any correction."""
    assert st.smallest_p_value(4) == 0.125 and st.smallest_p_value(5) == 0.0625
    rng = np.random.default_rng(7)
    base = rng.uniform(1.0, 2.0, 5)
    clear = _cell(base, base * 3.0)  # B three times worse in every pair
    assert clear.n_pairs == 5 and clear.p_value >= 0.0625
    (decided,) = st.decide_cells([clear])
    assert decided.outcome == st.UNDERPOWERED and st.won(decided) is None
    # 6 pairs can reach 0.031 alone, but not over two cells (0.0625 after Holm)
    six = rng.uniform(1.0, 2.0, 6)
    alone = st.decide_cells([_cell(six, six * 3.0)])
    assert alone[0].outcome == "A"
    assert [c.outcome for c in st.decide_cells([_cell(six, six * 3.0)] * 2)] == \
        [st.UNDERPOWERED] * 2
    # the scipy test itself agrees: 6 one-sided pairs give 2 / 64
    assert alone[0].p_value == pytest.approx(2 / 64)


@pytest.mark.parametrize("rule, checks, verdict", [
    (st.verdict_can, [None, None], "undecided"),
    (st.verdict_can, [None, True], "true"),  # one shown case suffices
    (st.verdict_can, [False, False], "false"),
    (st.verdict_universal, [True, None], "undecided"),
    (st.verdict_universal, [None, False], "false"),  # one counterexample suffices
    (st.verdict_from_checks, [True, None], "undecided"),
    (st.verdict_from_checks, [True, False, None], "depends"),  # both already seen
    (st.verdict_from_checks, [None, None], "undecided"),
])
def test_verdict_rules_never_decide_on_checks_that_could_not(rule, checks, verdict):
    assert rule(checks) == verdict


def test_a_regime_map_of_underpowered_cells_is_undecided():
    assert st.verdict_a_better([st.UNDERPOWERED] * 3) == "undecided"
    assert st.verdict_a_better(["A", st.UNDERPOWERED]) == "undecided"
    assert st.verdict_a_better(["A", "tie", st.UNDERPOWERED]) == "depends"
    assert st.verdict_a_better(["tie", st.UNDERPOWERED]) == "undecided"


@pytest.mark.parametrize("parts, whole", [
    ([("undecided", "tendency"), ("true", "tendency")], "undecided"),
    ([("undecided", "tendency"), ("false", "universal")], "false"),
    ([("undecided", "can"), ("true", "tendency"), ("false", "tendency")], "depends"),
    ([("undecided", "tendency"), ("not-testable", "not-testable")], "undecided"),
    ([("undecided", "reason"), ("true", "tendency"),
      ("not-testable", "not-testable")], "undecided"),
])
def test_parts_with_an_undecided_one(parts, whole):
    assert st.combine_parts(parts) == whole


def test_replicated_needs_the_pooled_cell_and_both_draws_pointing_its_way():
    def cell(outcome, effect=0.5):
        return st.Cell(effect, (0.1, 0.9), 0.01, 0.01, outcome, 30)
    pooled = [cell("A"), cell("A"), cell("tie"), cell(st.UNDERPOWERED)]
    first = [cell("A"), cell("tie", 0.2), cell("A"), cell("A")]
    second = [cell("tie", 0.1), cell("B", -0.3), cell("A"), cell("A")]
    assert st.replicated(pooled, first, second) == [True, False, False, None]


def test_a_quick_run_never_says_true_or_false_on_tests_that_could_not_decide(quick_lab):
    """Every claim whose cells are all underpowered is undecided (or not testable), and
    its practical reading says so instead of reading numbers it cannot carry."""
    from shrinkage.lab import UNDECIDED_READING

    _, lab, _ = quick_lab
    for claim in lab["claims"]:
        evidence = claim["evidence"] if isinstance(claim["evidence"], dict) else {}
        cells = evidence.get("cells") or []
        if cells and all(c["outcome"] == st.UNDERPOWERED for c in cells):
            assert claim["verdict"] in ("undecided", "not-testable"), claim["id"]
        if claim["verdict"] == "undecided":
            assert claim["practical"] == UNDECIDED_READING, claim["id"]
            assert "undecided" in claim["summary"] or "too few" in claim["summary"]
