"""Wall time of `shrinkage predict` on 10 rows, beside loading a scikit-learn model.

    python benchmarks/predict_latency.py [--runs 5] [--out FILE.json]

Two models are fitted once by `shrinkage compare` (the embedded diabetes table; iris,
three classes), then each of these runs in a fresh process, --runs times, and the median
wall seconds are reported:

- ``shrinkage predict``: the model file as compare writes it (applied from its recipe);
- ``shrinkage predict, no recipe``: the same file without its recipe member, as files of
  earlier versions are (the pipeline loaded with skops: what predict did before);
- ``joblib + scikit-learn``: an equivalent scikit-learn pipeline (StandardScaler, then
  Ridge or LogisticRegression) loaded with joblib, applied to the table read by pandas,
  written as CSV: what a user of scikit-learn waits for.

``python -X importtime`` of one ``shrinkage predict`` gives the top-level imports that
cost the most (cumulative seconds). The code timed is this checkout's (its src/ first on
PYTHONPATH).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

SOURCE = str(Path(__file__).resolve().parents[1] / "src")
SHRINKAGE = os.path.join(os.path.dirname(sys.executable), "shrinkage")  # the entry point
ENV = dict(os.environ, PYTHONPATH=SOURCE)

SKLEARN_PREDICT = r"""
import sys
import joblib
import pandas as pd

model, data, out = sys.argv[1:]
pipeline = joblib.load(model)
table = pd.read_csv(data)
columns = {"prediction": pipeline.predict(table)}
if hasattr(pipeline, "predict_proba"):
    proba = pipeline.predict_proba(table)
    columns.update({f"probability_{c}": proba[:, k] for k, c in enumerate(pipeline.classes_)})
pd.DataFrame(columns).to_csv(out, index=False)
"""


def _tables(work):
    """``{name: (training CSV or None for the demo, target, 10 new rows CSV)}``."""
    from sklearn.datasets import load_diabetes, load_iris

    diabetes = load_diabetes(as_frame=True).frame
    iris = load_iris(as_frame=True)
    frame = iris.frame.drop(columns="target").assign(
        species=iris.target_names[iris.target])
    frame.to_csv(work / "iris.csv", index=False)
    tables = {"diabetes": (None, "target", diabetes), "iris": (work / "iris.csv",
                                                               "species", frame)}
    for name, (_, target, data) in tables.items():
        data.drop(columns=target).sample(10, random_state=0).to_csv(
            work / f"{name}-new.csv", index=False)
    return tables


def _models(work, tables):
    """Each table's model.skops (from compare), its copy without a recipe and the
    joblib file of its scikit-learn equivalent."""
    import joblib
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    models = {}
    for name, (training, target, data) in tables.items():
        out = work / name
        source = [str(training), "-t", target] if training else []
        subprocess.run([SHRINKAGE, "compare", *source, "--out", str(out), "--no-progress"],
                       env=ENV, check=True, capture_output=True)
        model = out / "model.skops"
        old = work / f"{name}-no-recipe.skops"
        with zipfile.ZipFile(model) as src, zipfile.ZipFile(old, "w") as dst:
            for item in src.namelist():
                if item != "shrinkage-recipe.json":
                    dst.writestr(item, src.read(item))
        estimator = LogisticRegression() if name == "iris" else Ridge()
        pipeline = make_pipeline(StandardScaler(), estimator).fit(data.drop(columns=target),
                                                                  data[target])
        joblib.dump(pipeline, work / f"{name}.joblib")
        models[name] = (model, old, work / f"{name}.joblib")
    return models


def _wall(command):
    t0 = time.perf_counter()
    subprocess.run(command, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - t0


def top_imports(command, count=8):
    """The ``count`` top-level imports of ``command`` (a python script and its
    arguments) that take the most cumulative seconds."""
    done = subprocess.run([sys.executable, "-X", "importtime", *command], env=ENV,
                          check=True, capture_output=True, text=True)
    found = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and line.startswith("import time:") and \
                parts[1].strip().isdigit() and not parts[2].startswith("  "):
            found.append((parts[2].strip(), int(parts[1]) / 1e6))
    return sorted(found, key=lambda item: -item[1])[:count]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="predict-latency-"))
    script = work / "sklearn_predict.py"
    script.write_text(SKLEARN_PREDICT)
    try:
        tables = _tables(work)
        result = {"runs": args.runs, "python": sys.version.split()[0]}
        for name, (model, old, pickled) in _models(work, tables).items():
            data, out = work / f"{name}-new.csv", str(work / "p.csv")
            commands = {
                "shrinkage predict": [SHRINKAGE, "predict", str(model), str(data),
                                      "--out", out, "--force"],
                "shrinkage predict, no recipe": [SHRINKAGE, "predict", str(old), str(data),
                                                 "--out", out, "--force"],
                "joblib + scikit-learn": [sys.executable, str(script), str(pickled),
                                          str(data), out],
            }
            times = {key: [] for key in commands}
            for _ in range(args.runs):  # interleaved: a busy moment hits every command
                for key, command in commands.items():
                    times[key].append(_wall(command))
            result[name] = {key: {"median_s": statistics.median(t),
                                  "runs_s": [round(x, 3) for x in t]}
                            for key, t in times.items()}
            result[name]["top imports of shrinkage predict (cumulative s)"] = top_imports(
                commands["shrinkage predict"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return result


if __name__ == "__main__":
    main()
