"""What users feel: whole commands against the same job written with scikit-learn, each
in a fresh process (imports included), alternated, median of N rounds (issue 31).

    python benchmarks/user_commands.py [--rounds 5] [--only NAME ...] [--out FILE.md]

Rows:
- compare-diabetes: ``shrinkage compare`` (the embedded diabetes table, every file of
  the report) against a script that fits LinearRegression, LassoCV, RidgeCV and
  ElasticNetCV over the same 6 l1_ratios with 5 folds and 50 alphas, scores them on a
  held-out quarter and saves one matplotlib figure.
- compare-auto-classes: ``shrinkage compare Auto.csv -t origin --task classification``
  (392 cars, 3 origins; ISLP's Auto table, fetched with pip) against scikit-learn's saga
  elastic-net LogisticRegressionCV over the same l1_ratios (one model, no report).

The first round of each command is a warm-up (numba's cache, the disk cache) and is
not counted.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
RATIOS = "[0.1, 0.3, 0.5, 0.7, 0.9, 0.95]"

SKLEARN_DIABETES = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNetCV, LassoCV, LinearRegression, RidgeCV
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
models = {
    "none": LinearRegression(),
    "l1": LassoCV(cv=5, alphas=50),
    "l2": RidgeCV(alphas=np.logspace(-3, 3, 50), cv=5),
    "elasticnet": ElasticNetCV(l1_ratio=@RATIOS@, cv=5, alphas=50),
}
errors = {}
for name, model in models.items():
    fitted = make_pipeline(StandardScaler(), model).fit(X_train, y_train)
    errors[name] = mean_squared_error(y_test, fitted.predict(X_test))
fig, ax = plt.subplots()
lasso = models["l1"]
ax.errorbar(lasso.alphas_, lasso.mse_path_.mean(axis=1), yerr=lasso.mse_path_.std(axis=1))
ax.set_xscale("log")
fig.savefig("@OUT@/figure.svg")
print(errors)
"""

SKLEARN_AUTO = """
import warnings
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore")
frame = pd.read_csv("@AUTO@").drop(columns=["name"])
y = frame.pop("origin")
X_train, X_test, y_train, y_test = train_test_split(frame, y, test_size=0.25,
                                                    random_state=0, stratify=y)
model = make_pipeline(StandardScaler(), LogisticRegressionCV(
    penalty="elasticnet", solver="saga", l1_ratios=@RATIOS@, Cs=50, cv=5,
    max_iter=1000)).fit(X_train, y_train)
print(model.score(X_test, y_test))
"""


def auto_csv(folder):
    """ISLP's Auto table (from the ISLP wheel on the package registry)."""
    path = os.path.join(folder, "Auto.csv")
    if not os.path.exists(path):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "ISLP==0.6.0", "-d", folder], check=True)
        wheel = next(f for f in os.listdir(folder) if f.endswith(".whl"))
        with zipfile.ZipFile(os.path.join(folder, wheel)) as archive:
            with open(path, "wb") as out:
                out.write(archive.read("ISLP/data/Auto.csv"))
    return path


def commands(folder):
    """Row name -> (shrinkage argv, scikit-learn script)."""
    shrinkage = os.path.join(os.path.dirname(sys.executable), "shrinkage")
    auto = auto_csv(folder)
    return {
        "compare-diabetes": (
            [shrinkage, "compare", "--out", os.path.join(folder, "report"), "--no-progress"],
            SKLEARN_DIABETES.replace("@RATIOS@", RATIOS).replace("@OUT@", folder)),
        "compare-auto-classes": (
            [shrinkage, "compare", auto, "-t", "origin", "--task", "classification",
             "--out", os.path.join(folder, "report-auto"), "--no-progress"],
            SKLEARN_AUTO.replace("@RATIOS@", RATIOS).replace("@AUTO@", auto)),
    }


def wall(argv):
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed: {done.stderr[-2000:]}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    lines = [f"# User commands, {datetime.date.today()} (median of {args.rounds} rounds "
             "after a warm-up, fresh processes, alternated)", "",
             "| row | shrinkage (s) | scikit-learn (s) | ratio |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        for name, (ours, script) in commands(folder).items():
            if args.only and name not in args.only:
                continue
            theirs = [sys.executable, "-c", script]
            wall(ours), wall(theirs)
            times = {"ours": [], "theirs": []}
            for k in range(args.rounds):
                order = (("ours", ours), ("theirs", theirs))
                for key, command in (order if k % 2 == 0 else order[::-1]):
                    times[key].append(wall(command))
            a, b = (statistics.median(times[k]) for k in ("ours", "theirs"))
            line = f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f} |"
            print(line, "  all:", {k: [round(t, 2) for t in v] for k, v in times.items()},
                  flush=True)
            lines.append(line)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
