"""Apply a model saved by ``shrinkage compare`` to a new table."""

from pathlib import Path

import numpy as np

from .tables import UserError, read_frame


def load_model(path):
    """The saved pipeline (preprocessing + estimator); a clear error if it is not one."""
    import joblib

    path = Path(path)
    if not path.is_file():
        raise UserError(f"model file not found: {path}; give the model.joblib that "
                        "`shrinkage compare` wrote")
    try:
        pipeline = joblib.load(path)
    except Exception as exc:  # joblib / pickle raise many kinds; all mean "not a model"
        raise UserError(f"cannot load {path.name} as a saved model: {exc}") from None
    if not hasattr(pipeline, "named_steps") or "prepare" not in pipeline.named_steps:
        raise UserError(f"{path.name} is not a model written by `shrinkage compare`")
    return pipeline


def predict_table(model_path, data_path):
    """Predictions for every row of ``data_path`` as a polars frame.

    Columns: ``prediction``, and for a classifier ``probability`` (of the second class),
    or with more classes ``probability_<class>`` for each.
    Extra columns (the target, say) are ignored; missing ones are an error that names them.
    """
    import polars as pl

    pipeline = load_model(model_path)
    prepare = pipeline.named_steps["prepare"]
    needed = [str(c) for c in prepare.feature_names_in_]
    frame = read_frame(data_path)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        many = len(missing) > 1
        raise UserError(f"{Path(data_path).name} lacks {len(missing)} feature column"
                        f"{'s' if many else ''} the model needs: "
                        f"{', '.join(map(repr, missing))}; add {'them' if many else 'it'} "
                        "(with the same names as in the table the model was fitted on)")
    frame = frame.select(needed)
    try:
        prediction = pipeline.predict(frame)
    except ValueError as exc:
        raise UserError(f"cannot apply the model to {Path(data_path).name}: {exc}") from None
    columns = {"prediction": prediction}
    if hasattr(pipeline, "predict_proba"):
        proba = np.asarray(pipeline.predict_proba(frame))
        classes = pipeline[-1].classes_
        if len(classes) == 2:
            columns["probability"] = proba[:, 1]
        else:  # one column per class
            columns.update({f"probability_{c}": proba[:, k] for k, c in enumerate(classes)})
    return pl.DataFrame(columns)
