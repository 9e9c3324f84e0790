"""Plain sentences about a comparison, every one computed from its numbers.

Nothing here is canned: each sentence is chosen by a comparison of the results and filled
with their values, so that it changes when the data change.
"""

METRIC_NAMES = {"test_mse": "mean squared error", "test_log_loss": "log loss",
                "test_huber": "mean Huber loss",
                "test_poisson_deviance": "mean Poisson deviance",
                "test_cox_deviance": "partial-likelihood deviance per row"}


def format_number(value):
    """A number as people read it: 4 significant digits, thousands separated."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


#: losses below this share of the null model's are "near zero": their differences are
#: given as numbers, not as percentages of a number near zero
NEAR_ZERO = 1e-2


def _percent(fraction):
    """A share as a percentage with two significant digits (0.013%, 4.2%, 87%)."""
    return f"{100 * fraction:.2g}%"


def _change(new, old, null_loss):
    """``new`` against ``old`` in words: "4.2% lower", or, where both are near zero
    (below ``NEAR_ZERO`` of the null model's loss), the difference itself."""
    if new == old:
        return "no change"
    word = "lower" if new < old else "higher"
    if null_loss and max(new, old) < NEAR_ZERO * null_loss:
        return f"{format_number(abs(new - old))} {word}"
    if not old:
        return "no change" if new == old else f"{format_number(abs(new - old))} {word}"
    return f"{_percent(abs(new - old) / old)} {word}"


def _top_columns(choice, limit=5, columns_of=None):
    """The original columns of the largest coefficients, in order, without repeats
    (``columns_of`` maps an encoded feature's name to its column: a name holds "=" in a
    one-hot level and may hold it in the column's own name too)."""
    seen = []
    for name in choice["coefficients"]:
        column = (columns_of or {}).get(name, name)
        if choice["coefficients"][name] != 0 and column not in seen:
            seen.append(column)
        if len(seen) == limit:
            break
    return seen


def chosen_choice(results, penalty):
    """The entry of ``penalty``'s choice that competes: the unpenalized fit's only one,
    else the ``--selection`` one (min or 1se)."""
    selection = results["settings"]["selection"]
    return results["penalties"][penalty]["choices"][
        "fit" if penalty == "none" else selection]


def describe(results, columns_of=None):
    """A list of sentences: the winner, whether the test split can tell, sparsity, the
    one-standard-error alternative and, for synthetic data, recovery of the truth.
    ``columns_of`` maps encoded feature names to table columns (else a name is its own
    column)."""
    comparison = results["comparison"]
    key = comparison["key"]
    metric = METRIC_NAMES[key]
    penalties = results["penalties"]
    selection = results["settings"]["selection"]

    def chosen(p):
        return chosen_choice(results, p)

    winner, runner = comparison["ranking"][0], comparison["ranking"][1]
    w, r = chosen(winner), chosen(runner)
    versus = comparison["against"][runner]
    n_test = results["data"]["n_test"]
    null_loss = results["metric"].get("null_test_loss")
    # what looks too good to be true comes first: the rest is read in its light
    sentences = [_first_upper(w["message"]) + "."
                 for w in results["data"].get("warnings", [])]
    if versus.get("tie_at_rounding"):
        tied = [p for p in comparison["ranking"]
                if comparison["against"].get(p, {}).get("tie_at_rounding") or p == winner]
        sentences.append(
            f"{_first_upper(_join_labels(penalties, tied))} all fit the {n_test} held-out "
            f"rows to rounding (test {metric} from {format_number(w[key])} to "
            f"{format_number(max(chosen(p)[key] for p in tied))}, against "
            f"{format_number(null_loss)} for the intercept alone): a tie, won by none of "
            "them.")
        sentences.append(_sparsity_sentence(penalties, chosen,
                                            results["data"]["n_features"], columns_of))
        return sentences
    sentences.append(
        f"{penalties[winner]['label'].capitalize()} generalized best on the {n_test} "
        f"held-out rows: test {metric} {format_number(w[key])} against "
        f"{format_number(r[key])} for {penalties[runner]['label']} "
        f"({_change(w[key], r[key], null_loss)}).")
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
        none_loss = chosen("none")[key]
        sentences.append(
            f"Against no penalty its test {metric} is "
            f"{_change(w[key], none_loss, null_loss)}"
            + (" (a tie at rounding level)." if base.get("tie_at_rounding")
               else " (its 95% interval excludes zero)." if base["separated"]
               else " (within the noise of the test split)."))
    else:
        data = results["data"]
        sentences.append(
            f"No penalty did best: with {data['n_train']} training rows for "
            f"{data['n_features']} features, shrinking did not pay on this split.")
    sentences += _for_scale(results["data"], penalties, winner, runner, w, r)
    sentences.append(_sparsity_sentence(penalties, chosen, results["data"]["n_features"],
                                        columns_of))
    sentences += _one_se_sentences(penalties, key, metric, selection, null_loss)
    if "relaxed" in penalties["l1"]["choices"]:
        sentences.append(_relaxed_sentence(penalties["l1"], key, metric, selection,
                                           null_loss))
    if "recovery" in results:
        sentences.append(_recovery_sentence(results["recovery"], penalties))
    return sentences


def _for_scale(data, penalties, winner, runner, w, r):
    """What the winner's numbers mean on the task's own scale: a survival model's
    C-index, a classifier's accuracy against always predicting the common class."""
    out = []
    if "test_c_index" in w:
        out.append(
            f"It orders the held-out rows' survival with a C-index of "
            f"{format_number(w['test_c_index'])} (0.5 is chance, 1 every comparable pair "
            f"in order), against {format_number(r['test_c_index'])} for "
            f"{penalties[runner]['label']}.")
    if "majority_share" in data and "test_accuracy" in w:
        out.append(
            f"For scale: always predicting the most common class, "
            f"{data['majority_class']!r} ({_percent(data['majority_share'])} of the test "
            f"rows), scores accuracy {format_number(data['majority_share'])}; "
            f"{penalties[winner]['label']} scores {format_number(w['test_accuracy'])}.")
    return out


def _sparsity_sentence(penalties, chosen, n_features, columns_of=None):
    parts = []
    for p in ("l1", "elasticnet", "l2"):
        c = chosen(p)
        what = penalties[p]["label"]
        if p == "elasticnet":
            what += f" (l1_ratio {c['l1_ratio']:g})"
        kept = c["n_nonzero"]
        tops = _top_columns(c, 3, columns_of)
        count = f"all {kept}" if kept == n_features else f"{kept} of {n_features}"
        parts.append(f"{what} kept {count} features" + _variables(c, columns_of, n_features)
                     + (f", led by {', '.join(tops)}" if tops else ""))
    return "; ".join(parts) + "."


def _variables(choice, columns_of, n_features):
    """`` (k of m variables)`` where a categorical made several features (the user's
    variables are the table's columns, not the encoded features); else empty."""
    n_variables = len(set((columns_of or {}).values()))
    if not n_variables or n_variables >= n_features or "kept_columns" not in choice:
        return ""
    return f" ({len(choice['kept_columns'])} of {n_variables} variables)"


def _first_upper(text):
    return text[:1].upper() + text[1:]


def _join_labels(penalties, keys):
    labels = [penalties[p]["label"] for p in keys]
    return ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]


def _one_se_sentences(penalties, key, metric, selection, null_loss=None):
    other = "1se" if selection == "min" else "min"
    rule = "one-standard-error rule" if other == "1se" else "minimum-CV choice"
    out = []
    for p in ("l1", "elasticnet"):
        a, b = penalties[p]["choices"][selection], penalties[p]["choices"][other]
        if a["n_nonzero"] == b["n_nonzero"] and a["alpha"] == b["alpha"]:
            out.append(f"For {penalties[p]['label']} the {rule} picks the same alpha.")
            continue
        kept = (f"keeps {b['n_nonzero']} features instead of {a['n_nonzero']}"
                if b["n_nonzero"] != a["n_nonzero"]
                else f"keeps the same {a['n_nonzero']} features, shrunk "
                     f"{'more' if b['alpha'] > a['alpha'] else 'less'}")
        out.append(f"With the {rule}, {penalties[p]['label']} {kept}, at a test {metric} "
                   f"{_change(b[key], a[key], null_loss)}.")
    return out


def _relaxed_sentence(lasso, key, metric, selection, null_loss=None):
    """What relaxing the lasso did: the gamma cross-validation chose, what it means for
    the lasso's shrinkage of the features it keeps, and the test loss against the
    lasso's with its interval."""
    relaxed, plain = lasso["choices"]["relaxed"], lasso["choices"][selection]
    gamma = relaxed["gamma"]
    if gamma == 1:
        meaning = ("cross-validation kept the lasso's own shrinkage (gamma 1): refitting "
                   "its features without penalty did not pay")
    elif gamma == 0:
        meaning = ("cross-validation chose the unpenalized refit of its "
                   f"{relaxed['n_nonzero']} features (gamma 0): the lasso's shrinkage of "
                   "the features it keeps cost accuracy here")
    else:
        meaning = (f"cross-validation chose gamma {gamma:g} (0 is the unpenalized refit of "
                   f"its {relaxed['n_nonzero']} features, 1 the lasso): part of the "
                   "lasso's shrinkage of the features it keeps paid, part did not")
    against = lasso["relaxed_vs_lasso"]
    low, high = against["ci95"]
    told = ("a tie at rounding level" if against["tie_at_rounding"] else
            f"95% interval of the difference [{format_number(low)}, "
            f"{format_number(high)}], "
            + ("which excludes zero" if against["separated"] or high < 0
               else "which includes zero"))
    change = _change(relaxed[key], plain[key], null_loss)
    change = "the same as" if change == "no change" else f"{change} than"
    return f"Relaxed lasso: {meaning}; its test {metric} is {change} the lasso's ({told})."


def _recovery_sentence(recovery, penalties):
    n_true = sum(1 for v in recovery["true_standardized"].values() if v != 0)
    parts = [f"{penalties[p]['label']} found {recovery[p]['true_positives']} with "
             f"{recovery[p]['false_positives']} false positives (coefficient error "
             f"{recovery[p]['coefficient_error']:.2f})" for p in ("l1", "elasticnet", "l2")]
    best = min(("l1", "elasticnet", "l2"), key=lambda p: recovery[p]["coefficient_error"])
    return (f"Of the {n_true} truly non-zero features, " + "; ".join(parts)
            + f". {penalties[best]['label'].capitalize()} came closest to the true "
            "coefficients.")
