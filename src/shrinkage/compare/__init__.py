"""``shrinkage compare``: L1 vs L2 vs elastic net (and no penalty) on one table.

The package's modules, down the page (each imports only those above it):

- ``losses``: one class per loss (its models, scorer, test metrics, inverse link, Dask
  terms), in a registry keyed by name;
- ``prepare``: the options, the table's rows and columns, the task and loss, the
  preprocessor;
- ``results``: the typed results (JSON only at the edge, ``as_json``); ``checks``:
  answers too good to be true; ``engine``: the engines' protocol;
- ``memory``: the in-memory engine; ``dask_rows``, ``dask_glm``, ``dask``: the Dask
  engine (imported only by ``--engine dask``);
- ``measure``: the results read off the fitted models; ``narrative``: the verdict's
  sentences (read off the results' JSON form); ``run``: ``run_comparison``;
- ``console``: the summary on the terminal.
"""

from .engine import decision_values
from .losses import CompareLoss, compare_loss
from .memory import InMemory
from .prepare import (MAX_CLASSES, Options, TargetSummary, _dummy_name, build_preprocessor,
                      choose_loss, detect_task, integer_code_note, original_columns, prepare,
                      split_columns)
from .measure import LABELS, PENALTIES
from .results import Comparison, Results
from .run import COMPILE_NOTE_SECONDS, _estimators, _fit_inside_grid, run_comparison

__all__ = ["COMPILE_NOTE_SECONDS", "LABELS", "MAX_CLASSES", "PENALTIES", "CompareLoss",
           "Comparison", "InMemory", "Options", "Results", "TargetSummary", "_dummy_name",
           "_estimators", "_fit_inside_grid", "build_preprocessor", "choose_loss",
           "compare_loss", "decision_values", "detect_task", "integer_code_note",
           "original_columns", "prepare", "run_comparison", "split_columns"]
