"""``shrinkage compare`` notices answers too good to be true (issue 28, part 2): leaked
targets named and first, ``--drop``, ties at rounding level, identifiable coefficients
of the unpenalized model, separation said exactly, and the notes a user needs."""

import json

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from typer.testing import CliRunner

from shrinkage.cli import app
from shrinkage.compare.checks import single_column_leaks
from shrinkage.compare.console import column_digits as _column_digits
from shrinkage.compare.console import terminal_number as _terminal_number
from shrinkage.compare.narrative import _change

FAST = ["--cv", "3", "--n-alphas", "15", "--no-progress"]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _report(tmp_path, frame, target, *extra, name="table.csv"):
    path = tmp_path / name
    frame.write_csv(path)
    out = tmp_path / "report"
    result = run("compare", path, "--target", target, "--out", out, *FAST, *extra)
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text()), result, out


@pytest.fixture
def bikes():
    rng = np.random.default_rng(0)
    n = 300
    casual = rng.poisson(30, n).astype(float)
    registered = rng.poisson(150, n).astype(float)
    return pl.DataFrame({"casual": casual, "registered": registered,
                         "temp": rng.normal(20, 5, n), "hum": rng.uniform(0, 1, n),
                         "bikers": casual + registered})


def test_a_target_that_sums_its_columns_is_named_first_and_ties(tmp_path, bikes):
    results, result, out = _report(tmp_path, bikes, "bikers")
    warnings = results["data"]["warnings"]
    combination = [w for w in warnings if w["kind"] == "combination"]
    assert combination and set(combination[0]["columns"]) == {"casual", "registered"}
    # said first: on stderr before anything else, and as the verdict's first sentence
    assert result.stderr.splitlines()[0].startswith("warning: possible target leak")
    assert results["verdict"][0].startswith("Possible target leak")
    assert "--drop casual --drop registered" in results["verdict"][0]
    html = (out / "report.html").read_text()
    assert html.index('id="warnings"') < html.index('id="verdict"')
    # every model fits to rounding: a tie, no percentage, nothing "excludes zero"
    comparison = results["comparison"]
    for other in comparison["against"].values():
        assert other["tie_at_rounding"] and other["relative"] is None
        assert not other["separated"]
    text = " ".join(results["verdict"])
    assert "a tie" in text and "excludes zero" not in text and "% lower" not in text
    from shrinkage.report import summary_rows

    assert comparison["tie_at_rounding"]
    assert not any(row["winner"] for row in summary_rows(results))  # none highlighted


def test_drop_removes_the_leak_and_checks_its_names(tmp_path, bikes):
    results, _, _ = _report(tmp_path, bikes, "bikers", "--drop", "casual",
                            "--drop", "registered")
    assert results["data"]["warnings"] == []
    assert any("--drop" in note and "'casual'" in note for note in results["data"]["notes"])
    path = tmp_path / "table.csv"
    wrong = run("compare", path, "--target", "bikers", "--drop", "Casual", *FAST)
    assert wrong.exit_code == 1 and "did you mean 'casual'" in wrong.stderr
    wrong = run("compare", path, "--target", "bikers", "--drop", "registerd", *FAST)
    assert wrong.exit_code == 1 and "did you mean 'registered'" in wrong.stderr
    target = run("compare", path, "--target", "bikers", "--drop", "bikers", *FAST)
    assert target.exit_code == 1 and "that is the target" in target.stderr
    assert len(target.stderr.strip().splitlines()) == 1


def test_a_column_that_decides_the_classes_is_named(tmp_path):
    rng = np.random.default_rng(1)
    n = 300
    today = rng.normal(0, 1, n)
    frame = pl.DataFrame({"Lag1": rng.normal(0, 1, n), "Lag2": rng.normal(0, 1, n),
                          "Today": today, "Direction": np.where(today > 0, "Up", "Down")})
    results, _, _ = _report(tmp_path, frame, "Direction")
    single = [w for w in results["data"]["warnings"] if w["kind"] == "single_column"]
    assert single and single[0]["columns"] == ["Today"]


def test_a_monotone_copy_of_the_target_is_named(tmp_path):
    rng = np.random.default_rng(2)
    n = 300
    wage = np.exp(rng.normal(4.5, 0.3, n))
    frame = pl.DataFrame({"age": rng.uniform(20, 60, n), "logwage": np.log(wage),
                          "region": ["Middle Atlantic"] * n, "wage": wage})
    results, _, _ = _report(tmp_path, frame, "wage")
    single = [w for w in results["data"]["warnings"] if w["kind"] == "single_column"]
    assert single and single[0]["columns"] == ["logwage"]
    # the constant column is left out, and said so
    assert any("constant or empty column" in n and "'region'" in n for n in results["data"]["notes"])
    assert "region" not in results["penalties"]["l2"]["choices"]["min"]["coefficients"]


def test_single_column_checks_on_constructed_columns():
    rng = np.random.default_rng(3)
    n = 200
    x = rng.standard_normal(n)
    noise = rng.standard_normal(n)
    levels = rng.integers(0, 3, n)
    onehot = np.eye(3)[levels]
    X = np.column_stack([x, noise, onehot])
    names = ["x", "noise", "c=a", "c=b", "c=c"]
    columns_of = {"x": "x", "noise": "noise", "c=a": "c", "c=b": "c", "c=c": "c"}
    # regression: a monotone function of x, then a target constant within c's levels
    assert [c for c, _ in single_column_leaks(X, np.exp(x), columns_of, names,
                                              "regression")] == ["x"]
    assert [c for c, _ in single_column_leaks(X, levels * 2.0, columns_of, names,
                                              "regression")] == ["c"]
    # a strong but noisy relation is no leak
    assert single_column_leaks(X, x + 0.3 * noise, columns_of, names, "regression") == []
    # classification: classes in disjoint ranges of x; classes that are c's levels
    three = np.digitize(x, [-0.5, 0.5])
    assert [c for c, _ in single_column_leaks(X, three, columns_of, names,
                                              "classification")] == ["x"]
    assert [c for c, _ in single_column_leaks(X, levels, columns_of, names,
                                              "classification")] == ["c"]
    overlapping = np.where(x + 0.5 * noise > 0, 1, 0)  # classes overlap in x: no leak
    assert single_column_leaks(X, overlapping, columns_of, names, "classification") == []


def test_the_unpenalized_model_is_coded_against_a_reference_level(tmp_path):
    """Its contrast equals scikit-learn's unpenalized fit with the first level dropped
    (an independent, identifiable parametrization)."""
    rng = np.random.default_rng(4)
    n = 600
    student = rng.choice(["No", "Yes"], n)
    balance = rng.normal(1000, 300, n)
    income = rng.normal(40, 10, n)
    z = -7 + 0.006 * balance - 0.5 * (student == "Yes")
    default = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "Yes", "No")
    frame = pl.DataFrame({"student": student, "balance": balance, "income": income,
                          "default": default})
    results, _, _ = _report(tmp_path, frame, "default")
    none = results["penalties"]["none"]
    assert none["reference_levels"] == {"student": "No"}
    coefficients = none["choices"]["fit"]["coefficients"]
    assert coefficients["student=No"] == 0.0
    assert any("reference level" in n and "student=No" in n
               for n in results["data"]["notes"])
    # the same training rows, scaled and coded as compare does, the first level dropped
    from sklearn.model_selection import train_test_split

    features = frame.drop("default").to_pandas()
    train, _, y_train, _ = train_test_split(features, default, test_size=0.25,
                                            random_state=0, stratify=default)
    numeric = StandardScaler().fit_transform(train[["balance", "income"]])
    dummies = OneHotEncoder(drop="first", sparse_output=False).fit_transform(
        train[["student"]])
    sk = SkLogistic(C=np.inf, tol=1e-12, max_iter=10_000).fit(
        np.column_stack([numeric, dummies]), y_train)
    assert coefficients["student=Yes"] == pytest.approx(sk.coef_[0, 2], abs=1e-4)
    assert coefficients["balance"] == pytest.approx(sk.coef_[0, 0], abs=1e-4)


def test_separation_is_called_quasi_complete_with_its_rows(tmp_path):
    """Rows where x is 0 hold both classes; elsewhere x > 0 is exactly class 1."""
    rng = np.random.default_rng(5)
    n = 240
    x = np.where(rng.random(n) < 0.8, 0.0, rng.uniform(1, 2, n))
    label = np.where(x > 0, "yes", np.where(rng.random(n) < 0.5, "yes", "no"))
    frame = pl.DataFrame({"x": x, "noise": rng.standard_normal(n), "label": label})
    results, _, _ = _report(tmp_path, frame, "label")
    note = [n for n in results["data"]["notes"] if "separated" in n]
    assert note and "quasi-completely separated" in note[0]
    assert "samples strictly on their side" in note[0] and "combination of x" in note[0]


def test_accuracy_is_given_beside_the_majority_share(tmp_path):
    rng = np.random.default_rng(6)
    n = 400
    x = rng.standard_normal(n)
    label = np.where(x + rng.standard_normal(n) > 2.2, "yes", "no")  # about 97% "no"
    frame = pl.DataFrame({"x": x, "other": rng.standard_normal(n), "label": label})
    results, _, _ = _report(tmp_path, frame, "label")
    assert results["data"]["majority_class"] == "no"
    assert results["data"]["majority_share"] > 0.9
    assert any(s.startswith("For scale: always predicting the most common class, 'no'")
               for s in results["verdict"])


def test_a_target_written_with_thousands_separators_is_read_as_numbers(tmp_path):
    rng = np.random.default_rng(7)
    n = 150
    a = rng.standard_normal(n)
    price = [f"{1000 + 300 * v + 20 * e:,.2f}" for v, e in zip(a, rng.standard_normal(n))]
    frame = pl.DataFrame({"a": a, "b": rng.standard_normal(n), "price": price})
    results, _, _ = _report(tmp_path, frame, "price")
    assert results["data"]["task"] == "regression"
    assert any("thousands separators" in n and "'price'" in n
               for n in results["data"]["notes"])


def test_console_digits_tell_the_rows_apart():
    values = [1.1234, 1.1251, 1.1309, None]
    digits = _column_digits(values)
    shown = {_terminal_number(v, digits) for v in values if v is not None}
    assert len(shown) == 3 and digits == 4  # 1.123, 1.125, 1.131
    assert _column_digits([4.0001, 4.0002]) == 5
    assert _column_digits([0.5, 0.5]) == 2


def test_changes_of_numbers_near_zero_are_not_percentages():
    # log losses of 0.006 and 0.0017 against 0.69 for the intercept alone
    assert _change(0.006, 0.0017, 0.69) == "0.0043 higher"
    assert _change(0.3, 0.4, 0.69) == "25% lower"


def test_wide_tables_are_not_called_exact_combinations(tmp_path):
    """With as many features as training rows least squares interpolates any target:
    the check also asks its cross-validated error to be at rounding level."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((80, 70))
    frame = pl.DataFrame({**{f"x{i}": X[:, i] for i in range(70)},
                          "y": X[:, 0] + rng.standard_normal(80)})
    results, _, _ = _report(tmp_path, frame, "y")
    assert not [w for w in results["data"]["warnings"] if w["kind"] == "combination"]


def test_separable_classes_are_said_with_their_columns_and_without_a_perfect_fit_alarm(
        tmp_path):
    rng = np.random.default_rng(9)
    n = 200
    g = rng.choice(["a", "b", "c"], n)
    x = rng.standard_normal(n)
    label = np.where(g == "a", "no", np.where(x > 0, "yes", "no"))
    results, _, _ = _report(tmp_path, pl.DataFrame({"g": g, "x": x, "label": label}),
                            "label")
    note = [n for n in results["data"]["notes"] if "separated by" in n]
    assert note and "combination of g=a, x" in note[0]  # the encoded names, not x0, x3
    kinds = {w["kind"] for w in results["data"]["warnings"]}
    assert "perfect_test_fit" not in kinds  # the unpenalized fit's log-loss runs to 0


def test_an_unchanged_loss_is_no_change():
    assert _change(0.5, 0.5, 0.69) == "no change"


def test_identifier_like_levels_are_not_said_to_determine_the_target():
    """A text column whose levels hold one row each (dates, ids) makes the target
    'constant within each level' trivially: no warning (a hostile tester's case)."""
    rng = np.random.default_rng(10)
    n = 40
    X = np.column_stack([rng.standard_normal(n), np.eye(n)])  # x, then one level per row
    names = ["x"] + [f"date={k}" for k in range(n)]
    columns_of = {"x": "x", **{f"date={k}": "date" for k in range(n)}}
    y = 10 + X[:, 0] + 0.5 * rng.standard_normal(n)
    assert single_column_leaks(X, y, columns_of, names, "regression") == []
    labels = np.where(y > 10, "hi", "lo")
    assert single_column_leaks(X, labels, columns_of, names, "classification") == []


def test_a_decimal_comma_is_not_a_thousands_separator(tmp_path):
    from shrinkage.tables import read_frame

    path = tmp_path / "t.csv"
    path.write_text('m,k\n"0,304","1,234.5"\n"0,512","-12,000"\n"1,234",87\n')
    frame = read_frame(path)
    assert frame["k"].to_list() == [1234.5, -12000.0, 87.0]
    assert frame.schema["m"] == pl.String  # "0,304" is no thousands separator


def test_a_constant_target_or_no_usable_column_is_one_clear_line(tmp_path):
    rng = np.random.default_rng(11)
    path = tmp_path / "t.csv"
    pl.DataFrame({"a": rng.standard_normal(50), "e": [None] * 50, "y": [1.0] * 50}) \
        .write_csv(path)
    constant = run("compare", path, "--target", "y", *FAST)
    assert constant.exit_code == 1 and "takes one value on every row" in constant.stderr
    pl.DataFrame({"a": rng.standard_normal(50), "e": [None] * 50,
                  "y": rng.standard_normal(50)}).write_csv(path)
    nothing = run("compare", path, "--target", "y", "--drop", "a", *FAST)
    assert nothing.exit_code == 1 and len(nothing.stderr.strip().splitlines()) == 1
    assert "--drop left out 'a'" in nothing.stderr and "constant or empty: 'e'" in \
        nothing.stderr


def test_classes_written_as_fractions_are_classes(tmp_path):
    """--task classification on a float target such as 0.0 / 1.5 (which scikit-learn
    reads as continuous): the classes are the numbers' text, and the model predicts
    them."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(80)
    y = np.where(x + rng.standard_normal(80) > 0, 1.5, 0.0)
    data = tmp_path / "fl.csv"
    pl.DataFrame({"x": x, "y": y}).write_csv(data)
    result = run("compare", data, "-t", "y", "--task", "classification", "--out",
                 tmp_path / "out", *FAST)
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["data"]["classes"] == ["0.0", "1.5"]
    predicted = run("predict", tmp_path / "out" / "model.skops", data, "--out",
                    tmp_path / "p.csv")
    assert predicted.exit_code == 0, predicted.output
    frame = pl.read_csv(tmp_path / "p.csv")
    assert set(frame["prediction"].cast(str)) <= {"0.0", "1.5"}
    # the classifier separates the classes along x as the data do
    accuracy = np.mean(frame["prediction"].cast(float).to_numpy() == y)
    assert accuracy > 0.6


def test_a_negative_zero_among_fraction_classes_is_the_class_zero():
    """-0.0 == 0.0 (a rounded negative, -1 * 0.0): as text they would be two classes,
    "-0.0" and "0.0", of a target with two distinct numbers."""
    from shrinkage.compare import Options
    from shrinkage.compare.prepare import prepare_table
    from shrinkage.tables import Table

    y = np.array([0.0, -0.0, 1.5, 0.0, -0.0, 1.5, 1.5, 0.0] * 3)
    frame = pl.DataFrame({"x": np.arange(24.0), "y": y})
    prepared = prepare_table(Table(frame=frame, target="y", name="t"),
                             Options(task="classification"))
    assert sorted(set(prepared.target)) == ["0.0", "1.5"]
    assert [float(v) for v in prepared.target] == list(y)  # -0.0 == 0.0
