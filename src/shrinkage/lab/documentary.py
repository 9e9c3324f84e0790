"""Claims about naming, usage and popularity: no simulation settles them. The lab records
what the installed libraries say, read at run time, and the verdict ``not-testable``."""

import inspect

from . import stats as st
from .registry import ClaimResult, ExperimentResult, experiment


def _default(cls, name):
    parameter = inspect.signature(cls).parameters.get(name)
    return None if parameter is None else parameter.default


def _options(cls, name):
    """The string options scikit-learn declares for a parameter, where it declares them."""
    constraints = getattr(cls, "_parameter_constraints", {}).get(name, [])
    found = []
    for c in constraints:
        found += sorted(getattr(c, "options", []) or [])
    return found


@experiment("documentary", claims=("C11", "C28", "C29"),
            title="What the libraries themselves say (usage, not data)",
            design={"quantifier": {"C11": "not-testable", "C28": "not-testable",
                                   "C29": "not-testable"},
                    "factor": "none: a documentary record",
                    "comparison": "the claim against the defaults and options of scikit-"
                                  "learn",
                    "data": "the installed scikit-learn, read at run time",
                    "regimes": [],
                    "models": "defaults and options of LogisticRegression, SGDClassifier, "
                              "MLPClassifier, DecisionTreeClassifier",
                    "metric": "none: documentary",
                    "repetitions": {"full": 1, "quick": 1},
                    "decision": "usage, naming and popularity are not properties of data: "
                                "not-testable, with the documentary record"})
def run_documentary(ctx):
    import sklearn
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    record = {
        "scikit-learn": sklearn.__version__,
        "LogisticRegression.penalty options": _options(LogisticRegression, "penalty"),
        "LogisticRegression.l1_ratio default": _default(LogisticRegression, "l1_ratio"),
        "SGDClassifier.penalty default": _default(SGDClassifier, "penalty"),
        "SGDClassifier.penalty options": _options(SGDClassifier, "penalty"),
        "MLPClassifier.alpha default (an L2 term)": _default(MLPClassifier, "alpha"),
        "DecisionTreeClassifier parameters": list(
            inspect.signature(DecisionTreeClassifier).parameters),
    }
    tree_penalties = [p for p in record["DecisionTreeClassifier parameters"]
                      if "l1" in p or "l2" in p or p == "penalty"]
    options = sorted(set(record["SGDClassifier.penalty options"])
                     | set(record["LogisticRegression.penalty options"]))
    return ExperimentResult([
        ClaimResult("C11", st.NOT_TESTABLE,
                    f"A matter of naming. scikit-learn {sklearn.__version__} offers the "
                    f"penalties {options}: elastic net is a third, and dropout, early "
                    "stopping or pruning regularize without a weight penalty.",
                    {"record": record},
                    practical="search the elastic net's l1_ratio from 0 to 1: it spans "
                              "both and everything between."),
        ClaimResult("C28", st.NOT_TESTABLE,
                    "Popularity is not a property of data. The defaults agree with it: "
                    f"SGDClassifier's penalty is {record['SGDClassifier.penalty default']!r}, "
                    f"MLPClassifier's alpha={record['MLPClassifier.alpha default (an L2 term)']}"
                    " is an L2 term on the network's weights, LogisticRegression's default "
                    f"l1_ratio is {record['LogisticRegression.l1_ratio default']} (pure L2).",
                    {"record": record},
                    practical="a default is not evidence for your data: cross-validate the "
                              "penalty."),
        ClaimResult("C29", st.NOT_TESTABLE,
                    "A usage claim. Decision trees have no weights to penalize: "
                    "DecisionTreeClassifier has "
                    + (f"the parameters {tree_penalties}" if tree_penalties else
                       "no L1 or L2 parameter at all")
                    + " (trees regularize by depth, leaf size and cost-complexity pruning, "
                    "ccp_alpha).",
                    {"record": record},
                    practical="for trees, tune depth, leaf size or ccp_alpha; L1 and L2 "
                              "belong to models with weights.")],
        evidence={"record": record})
