"""Plain sentences about a comparison, every one computed from its numbers.

Nothing here is canned: each sentence is chosen by a comparison of the results and filled
with their values, so that it changes when the data change.
"""

METRIC_NAMES = {"test_mse": "mean squared error", "test_log_loss": "log loss",
                "test_huber": "mean Huber loss",
                "test_poisson_deviance": "mean Poisson deviance"}


def format_number(value):
    """A number as people read it: 4 significant digits, thousands separated."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _percent(fraction):
    """A share as a percentage with two significant digits (0.013%, 4.2%, 87%)."""
    return f"{100 * fraction:.2g}%"


def _top_columns(choice, limit=5):
    """The original columns of the largest coefficients, in order, without repeats."""
    seen = []
    for name in choice["coefficients"]:
        column = name.split("=")[0]
        if choice["coefficients"][name] != 0 and column not in seen:
            seen.append(column)
        if len(seen) == limit:
            break
    return seen


def describe(results):
    """A list of sentences: the winner, whether the test split can tell, sparsity, the
    one-standard-error alternative and, for synthetic data, recovery of the truth."""
    comparison = results["comparison"]
    key = comparison["key"]
    metric = METRIC_NAMES[key]
    penalties = results["penalties"]
    selection = results["settings"]["selection"]

    def chosen(p):
        return penalties[p]["choices"]["fit" if p == "none" else selection]

    winner, runner = comparison["ranking"][0], comparison["ranking"][1]
    w, r = chosen(winner), chosen(runner)
    versus = comparison["against"][runner]
    n_test = results["data"]["n_test"]
    sentences = [
        (f"{penalties[winner]['label'].capitalize()} generalized best on the {n_test} "
        f"held-out rows: test {metric} {format_number(w[key])} against {format_number(r[key])} for "
        f"{penalties[runner]['label']} ({_percent(versus['relative'])} lower).")]
    low, high = versus["ci95"]
    # older results.json files lack the method: theirs was always the bootstrap
    method = comparison.get("interval", {}).get("method", "paired bootstrap")
    if versus["separated"]:
        sentences.append(
            f"The {method} 95% interval of that difference, [{format_number(low)}, "
            f"{format_number(high)}], excludes zero: the advantage is larger than the noise of "
            "this test split.")
    else:
        sentences.append(
            f"The {method} 95% interval of that difference, [{format_number(low)}, "
            f"{format_number(high)}], includes zero: this test split cannot tell "
            f"{penalties[winner]['label']} and {penalties[runner]['label']} apart.")
    if winner != "none":
        base = comparison["against"]["none"]
        sentences.append(
            f"Against no penalty it lowers the test {metric} by "
            f"{_percent(base['relative'])}"
            + (" (its 95% interval excludes zero)." if base["separated"]
               else " (within the noise of the test split)."))
    else:
        data = results["data"]
        sentences.append(
            f"No penalty did best: with {data['n_train']} training rows for "
            f"{data['n_features']} features, shrinking did not pay on this split.")
    sentences.append(_sparsity_sentence(penalties, chosen, results["data"]["n_features"]))
    sentences += _one_se_sentences(penalties, key, metric, selection)
    if "recovery" in results:
        sentences.append(_recovery_sentence(results["recovery"], penalties))
    return sentences


def _sparsity_sentence(penalties, chosen, n_features):
    parts = []
    for p in ("l1", "elasticnet", "l2"):
        c = chosen(p)
        what = penalties[p]["label"]
        if p == "elasticnet":
            what += f" (l1_ratio {c['l1_ratio']:g})"
        kept = c["n_nonzero"]
        tops = _top_columns(c, 3)
        count = f"all {kept}" if kept == n_features else f"{kept} of {n_features}"
        parts.append(f"{what} kept {count} features"
                     + (f", led by {', '.join(tops)}" if tops else ""))
    return "; ".join(parts) + "."


def _one_se_sentences(penalties, key, metric, selection):
    other = "1se" if selection == "min" else "min"
    rule = "one-standard-error rule" if other == "1se" else "minimum-CV choice"
    out = []
    for p in ("l1", "elasticnet"):
        a, b = penalties[p]["choices"][selection], penalties[p]["choices"][other]
        if a["n_nonzero"] == b["n_nonzero"] and a["alpha"] == b["alpha"]:
            out.append(f"For {penalties[p]['label']} the {rule} picks the same alpha.")
            continue
        change = 100 * (b[key] - a[key]) / a[key] if a[key] else 0.0
        kept = (f"keeps {b['n_nonzero']} features instead of {a['n_nonzero']}"
                if b["n_nonzero"] != a["n_nonzero"]
                else f"keeps the same {a['n_nonzero']} features, shrunk "
                     f"{'more' if b['alpha'] > a['alpha'] else 'less'}")
        out.append(f"With the {rule}, {penalties[p]['label']} {kept}, at a test {metric} "
                   f"{abs(change):.1f}% {'higher' if change > 0 else 'lower'}.")
    return out


def _recovery_sentence(recovery, penalties):
    n_true = sum(1 for v in recovery["true_standardized"].values() if v != 0)
    parts = [f"{penalties[p]['label']} found {recovery[p]['true_positives']} with "
             f"{recovery[p]['false_positives']} false positives (coefficient error "
             f"{recovery[p]['coefficient_error']:.2f})" for p in ("l1", "elasticnet", "l2")]
    best = min(("l1", "elasticnet", "l2"), key=lambda p: recovery[p]["coefficient_error"])
    return (f"Of the {n_true} truly non-zero features, " + "; ".join(parts)
            + f". {penalties[best]['label'].capitalize()} came closest to the true "
            "coefficients.")
