"""Sentences of the verdict, on constructed numbers."""

from shrinkage.compare.narrative import _one_se_sentences


def _penalties(n_min, n_1se):
    def choice(alpha, n, mse):
        return {"alpha": alpha, "n_nonzero": n, "test_mse": mse}
    entry = {"choices": {"min": choice(0.01, n_min, 1.0), "1se": choice(0.1, n_1se, 1.05)}}
    return {"l1": {**entry, "label": "L1 (lasso)"},
            "elasticnet": {**entry, "label": "elastic net"}}


def test_one_se_sentence_counts_features_or_says_they_are_the_same():
    same = _one_se_sentences(_penalties(15, 15), "test_mse", "mean squared error", "min")
    assert same[0] == ("With the one-standard-error rule, L1 (lasso) keeps the same 15 "
                       "features, shrunk more, at a test mean squared error 5% higher.")
    fewer = _one_se_sentences(_penalties(15, 9), "test_mse", "mean squared error", "min")
    assert "keeps 9 features instead of 15" in fewer[0]
