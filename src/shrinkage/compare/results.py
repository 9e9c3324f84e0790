"""The comparison's results, typed: frozen dataclasses from a chosen model's numbers up
to the whole run, turned into JSON only at the edge (``as_json``: results.json, the
report's template, the console).

``as_json`` writes the keys of results.json in their documented order. What stays a
dict inside: a choice's test metrics (``Choice.metrics``, keyed by metric name: each
loss has its own), its coefficients (feature name -> value), the engine's row counts
(``DataSummary.counts``: a classification adds its majority class) and the engine's
interval method (``Ranking.interval``: each engine says how it made its intervals).
"""

from dataclasses import asdict, dataclass, field, replace


class _Fields:
    """A result whose JSON form is its fields, in their order."""

    def as_json(self):
        """The JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Choice:
    """The numbers of one chosen model (the one fit of no penalty, or a penalty's
    ``min`` or ``1se`` choice)."""

    alpha: float
    l1_ratio: float
    cv_score: float
    cv_se: float
    metrics: dict
    n_nonzero: int
    n_features: int
    kept_columns: list
    intercept: object
    coefficients: dict
    coefficients_by_class: list = None
    #: the relaxed lasso's choice only: its blend (0 the unpenalized refit of the
    #: support, 1 the lasso) and its own fit time
    gamma: float = None
    fit_seconds: float = None

    def as_json(self):
        """The JSON-ready dict (results.json's ``penalties.P.choices.C``)."""
        out = {"alpha": self.alpha, "l1_ratio": self.l1_ratio}
        if self.gamma is not None:
            out["gamma"] = self.gamma
        out.update({"cv_score": self.cv_score, "cv_se": self.cv_se, **self.metrics,
                    "n_nonzero": self.n_nonzero, "n_features": self.n_features,
                    "kept_columns": self.kept_columns, "intercept": self.intercept,
                    "coefficients": self.coefficients})
        if self.coefficients_by_class is not None:
            out["coefficients_by_class"] = self.coefficients_by_class
        if self.fit_seconds is not None:
            out["fit_seconds"] = self.fit_seconds
        return out


@dataclass(frozen=True)
class PenaltyPath:
    """A penalty's path at its chosen l1_ratio: each alpha's CV mean and standard
    error, training and test loss, and non-zero coefficients (lists, largest alpha
    first)."""

    alphas: list
    cv_mean: list
    cv_se: list
    train: list
    test: list
    n_nonzero: list

    def as_json(self):
        """The JSON-ready dict."""
        return {"alphas": self.alphas, "cv_mean": self.cv_mean, "cv_se": self.cv_se,
                "train": self.train, "test": self.test, "n_nonzero": self.n_nonzero}


@dataclass(frozen=True)
class GridExtension:
    """How often a penalty's grid was extended past an end (``extensions``), the end
    its best alpha still sits on (``edge``, or None) and the final grid's ends."""

    extensions: int
    edge: str
    largest: float
    smallest: float

    def as_json(self):
        """The JSON-ready dict."""
        return {"extensions": self.extensions, "edge": self.edge,
                "largest": self.largest, "smallest": self.smallest}


@dataclass(frozen=True)
class PenaltyResult:
    """One penalty's fit: its label, its choices (``fit``, or ``min`` and ``1se``; the
    lasso may add ``relaxed``), its path, how long it took and whether it converged;
    how often each feature was kept by the folds' models at the chosen alpha
    (``selection_frequency``) and, with a relaxed choice, its test loss against the
    lasso's (``relaxed_vs_lasso``: positive differences favour the relaxed model)."""

    label: str
    choices: dict
    fit_seconds: float = 0.0
    converged: bool = True
    l1_ratio: float = None
    path: PenaltyPath = None
    reference_levels: dict = None
    grid: GridExtension = None
    selection_frequency: dict = None
    relaxed_vs_lasso: "Versus" = None

    def chosen(self, selection):
        """The choice the penalties are compared by (``selection``: min or 1se)."""
        return self.choices.get("fit") or self.choices[selection]

    def as_json(self):
        """The JSON-ready dict (results.json's ``penalties.P``)."""
        out = {"label": self.label}
        if self.l1_ratio is not None:
            out["l1_ratio"] = self.l1_ratio
        out["choices"] = {name: choice.as_json() for name, choice in self.choices.items()}
        if self.path is not None:
            out["path"] = self.path.as_json()
        if self.reference_levels:
            out["reference_levels"] = self.reference_levels
        out.update(fit_seconds=self.fit_seconds, converged=self.converged)
        if self.grid is not None:
            out["grid"] = self.grid.as_json()
        if self.selection_frequency is not None:
            out["selection_frequency"] = self.selection_frequency
        if self.relaxed_vs_lasso is not None:
            out["relaxed_vs_lasso"] = self.relaxed_vs_lasso.as_json()
        return out


@dataclass(frozen=True)
class Suspicion(_Fields):
    """An answer too good to be true (``checks``): its kind, the columns it names and
    the sentence that says it."""

    kind: str
    columns: list
    message: str


@dataclass(frozen=True)
class DataSummary:
    """The table as the comparison saw it."""

    name: str
    target: str
    task: str
    counts: dict
    n_features: int
    notes: list
    warnings: list
    classes: list = None

    def as_json(self):
        """The JSON-ready dict (results.json's ``data``)."""
        return {"name": self.name, "target": self.target, "task": self.task,
                **self.counts, "n_features": self.n_features, "notes": self.notes,
                "warnings": [w.as_json() for w in self.warnings], "classes": self.classes}


@dataclass(frozen=True)
class Settings(_Fields):
    """What the comparison was run with."""

    test_size: float
    cv: int
    seed: int
    selection: str
    n_alphas: int
    elasticnet_l1_ratios: list
    impute: str
    engine: str


@dataclass(frozen=True)
class Metric:
    """What the penalties are scored by: the loss, its CV score, the test metrics (the
    ranking one first) and the null model's test loss."""

    loss: str
    cv: str
    test: str
    test_columns: list
    null_test_loss: float
    huber_delta: float = None

    def as_json(self):
        """The JSON-ready dict (results.json's ``metric``)."""
        out = {"loss": self.loss, "cv": self.cv, "test": self.test,
               "test_columns": self.test_columns, "lower_is_better": True,
               "null_test_loss": self.null_test_loss}
        if self.huber_delta is not None:
            out["huber_delta"] = self.huber_delta
        return out


@dataclass(frozen=True)
class Versus(_Fields):
    """The winner against one other penalty: the mean test-loss difference, relative
    to the other's loss, its 95% interval, and whether it is told apart."""

    difference: float
    relative: float
    ci95: list
    separated: bool
    tie_at_rounding: bool


@dataclass(frozen=True)
class Ranking:
    """The penalties ranked by their test loss (``key``), the winner against each
    other, and how the intervals were made (``interval``, the engine's)."""

    winner: str
    ranking: list
    key: str
    against: dict
    tie_at_rounding: bool
    interval: dict

    def as_json(self):
        """The JSON-ready dict (results.json's ``comparison``)."""
        out = {"winner": self.winner, "ranking": self.ranking, "key": self.key,
               "against": {p: v.as_json() for p, v in self.against.items()},
               "tie_at_rounding": self.tie_at_rounding, "interval": self.interval}
        if "n_bootstrap" in self.interval:
            out["n_bootstrap"] = self.interval["n_bootstrap"]
        return out


@dataclass(frozen=True)
class Recovered(_Fields):
    """How a penalty's coefficients recovered a synthetic truth's support."""

    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    coefficient_error: float
    estimated_standardized: dict


@dataclass(frozen=True)
class Recovery:
    """Support recovery against a synthetic truth (standardized units), by penalty."""

    true_standardized: dict
    by_penalty: dict

    def as_json(self):
        """The JSON-ready dict (results.json's ``recovery``)."""
        return {"true_standardized": self.true_standardized,
                **{p: r.as_json() for p, r in self.by_penalty.items()}}


@dataclass(frozen=True)
class Results:
    """Every number of one comparison."""

    data: DataSummary
    settings: Settings
    metric: Metric
    warm_up_seconds: float
    penalties: dict
    comparison: Ranking = None
    recovery: Recovery = None
    verdict: tuple = ()
    run: dict = None

    def as_json(self):
        """The JSON-ready dict of results.json."""
        out = {"data": self.data.as_json(), "settings": self.settings.as_json(),
               "metric": self.metric.as_json(),
               # where the machine, not the data, decides: compilation of the kernels
               "timing": {"warm_up_seconds": self.warm_up_seconds},
               "penalties": {p: entry.as_json() for p, entry in self.penalties.items()}}
        if self.comparison is not None:
            out["comparison"] = self.comparison.as_json()
        if self.recovery is not None:
            out["recovery"] = self.recovery.as_json()
        out["verdict"] = list(self.verdict)
        if self.run is not None:
            out["run"] = self.run
        return out


@dataclass
class Comparison:
    """The typed ``outcome`` and the fitted objects behind it; ``results`` is its JSON
    form (what results.json holds)."""

    outcome: Results
    models: dict
    pipeline: object
    feature_names: list
    extras: dict = field(default_factory=dict)
    _json: dict = field(default=None, init=False, repr=False)

    @property
    def results(self):
        """The JSON-ready dict of the outcome (made once, and after ``record_run``)."""
        if self._json is None:
            self._json = self.outcome.as_json()
        return self._json

    def record_run(self, run_id, version):
        """Say which run wrote the outputs (results.json's ``run``)."""
        self.outcome = replace(self.outcome, run={"id": run_id, "shrinkage": version})
        self._json = None
