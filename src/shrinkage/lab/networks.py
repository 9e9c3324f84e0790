"""The network claims on real networks: a one-hidden-layer MLP in PyTorch on two bundled
tables, trained with no penalty, L2 in the loss, weight decay (coupled in SGD, decoupled
in AdamW), and L1, elastic net and group lasso by exact proximal steps
(``shrinkage.torch``). Skipped, saying why, when PyTorch is not installed."""

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from . import stats as st
from .figures import bars, outcome_map
from .mechanics import decay_reading
from .registry import ClaimResult, ExperimentResult, experiment

DATASETS = {"digits": load_digits, "breast cancer": load_breast_cancer}
HIDDEN, STEPS = 64, 200
#: learning rates: SGD with momentum 0.9, and Adam / AdamW
SGD_LR, ADAM_LR = 0.1, 0.01
#: each penalty's alpha is chosen once per table from this grid, on a validation split
#: drawn from its own seed (not the repetitions' splits)
ALPHAS = (1e-4, 1e-3, 1e-2)
PENALIZED = ("L2 in the loss (SGD)", "L2 in the loss (Adam)", "AdamW weight decay",
             "L1 prox (SGD)", "elastic net prox (SGD)", "group lasso prox (SGD)")
MODELS = ("no penalty (SGD)",) + PENALIZED
#: L2 (in the loss, SGD) against each alternative: the cells of C28b
RIVALS = ("no penalty (SGD)", "L1 prox (SGD)", "elastic net prox (SGD)",
          "group lasso prox (SGD)")


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _network_reading(decided):
    """What to train a network with, read off the L2-against-alternatives cells."""
    won, lost = (sum(c.outcome == o for c in decided) for o in ("A", "B"))
    if lost == 0:
        return (f"L2 (SGD weight decay or AdamW) lost no comparison and won {won}: a sound "
                "default; for exact zeros or pruning use a proximal L1 or group step "
                "(shrinkage.torch.Proximal with SGD) and accept that cost.")
    return (f"L2 lost {lost} comparisons here: validate the penalty on held-out data; for "
            "exact zeros use a proximal step (shrinkage.torch.Proximal with SGD).")


@experiment("networks", claims=("C08", "C28"),
            title="Weight decay and penalties on real networks (PyTorch)",
            design={"quantifier": {"C08b": "universal", "C28b": "tendency"},
                    "factor": "the training method (optimizer and penalty) of one MLP",
                    "comparison": "C08b: L2 in the loss against weight decay; C28b: L2 "
                                  "against no penalty, L1, elastic net and group lasso, "
                                  "each alpha tuned the same way",
                    "data": "scikit-learn's digits and breast cancer, standardized on a "
                            "stratified 70/30 split drawn per repetition",
                    "regimes": [{"table": name} for name in DATASETS],
                    "models": f"MLP with one hidden layer of {HIDDEN} ReLU units, "
                              f"{STEPS} full-batch steps: " + ", ".join(MODELS)
                              + f"; each penalty's alpha from {list(ALPHAS)} by validation "
                                "log-loss on a split of its own seed",
                    "metric": "test log-loss (paired over repetitions), accuracy, share "
                              "of exactly zero weights, hidden units removable",
                    "repetitions": {"full": 20, "quick": 4},
                    "decision": "C08b: L2 in the loss equals weight decay where the final "
                                "weights agree to 1e-6 (SGD: coupled decay; Adam: AdamW, "
                                "float64); a universal claim: true if for both optimizers, "
                                "false on one that is not. C28b: L2 beats each alternative in a cell when "
                                "its test log-loss is lower by 10% with Holm-corrected "
                                "significance; true if in every cell, false if in none"})
def run_networks(ctx):
    torch = _torch()
    if torch is None:
        return ExperimentResult([], {}, {"skipped": "PyTorch is not installed: pip install "
                                                    "\"shrinkage[torch]\" to run it"})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same sums in the same order: the same verdicts
    try:
        return _run(torch, ctx)
    finally:
        torch.set_num_threads(threads)


def _run(torch, ctx):
    reps = ctx.reps(20, 4)
    rng = np.random.default_rng(ctx.seed)
    equal = _weight_decay_checks(torch, ctx.seed)
    cells, labels, tables = [], [], {}
    for t, (name, load) in enumerate(DATASETS.items()):
        X, y = load(return_X_y=True)
        alphas = {m: _choose_alpha(torch, m, X, y, ctx.seed + 7919 + t) for m in PENALIZED}
        scores = {m: [] for m in MODELS}
        for r in range(reps):
            split = _split(X, y, ctx.seed * 1000 + 100 * t + r)
            for m in MODELS:
                scores[m].append(_fit_and_score(torch, m, alphas.get(m, 0.0), split,
                                                 seed=ctx.seed * 1000 + r))
        for rival in RIVALS:
            cells.append(st.paired_cell([s["log_loss"] for s in scores[MODELS[1]]],
                                        [s["log_loss"] for s in scores[rival]], rng))
            labels.append(f"{name}: L2 vs {rival}")
        tables[name] = {"alphas": alphas, "models": {
            m: {k: float(np.mean([s[k] for s in scores[m]]))
                for k in ("log_loss", "accuracy", "zero_share", "units_removable")}
            for m in MODELS}}
    decided = st.decide_cells(cells)
    outcomes = [c.outcome for c in decided]
    names = list(DATASETS)
    grid = [decided[i * len(RIVALS):(i + 1) * len(RIVALS)] for i in range(len(names))]
    figure = outcome_map(names, [f"L2 vs {r.split(' (')[0]}" for r in RIVALS],
                         [[c.outcome for c in row] for row in grid],
                         [[c.effect for c in row] for row in grid],
                         "MLP test log-loss: L2 in the loss (A) against the alternatives (B)")
    sparse = {name: {m: tables[name]["models"][m]["zero_share"] for m in MODELS}
              for name in names}
    summary_zeros = "; ".join(
        f"{name}: L1 prox {100 * sparse[name]['L1 prox (SGD)']:.0f}% of weights exactly "
        f"zero, L2 {100 * sparse[name][MODELS[1]]:.0f}%, group lasso removes "
        f"{tables[name]['models']['group lasso prox (SGD)']['units_removable']:.0f} of "
        f"{HIDDEN} units" for name in names)
    return ExperimentResult([
        ClaimResult("C08b", st.verdict_by_quantifier("universal", [equal["sgd"] < 1e-6,
                                                    equal["adam"] < 1e-6]),
                    f"On an MLP in PyTorch, L2 in the loss and SGD's weight_decay give "
                    f"the same weights (relative difference {equal['sgd']:.1e}); Adam with "
                    f"L2 in the loss and AdamW differ by {equal['adam']:.1%}: with Adam, "
                    "'weight decay' names a different method.",
                    {"relative_difference": equal}, ["SGD", "Adam"],
                    decay_reading(equal["adam"])),
        ClaimResult("C28b", st.verdict_a_better(outcomes),
                    "What can be measured of 'L2 is what networks use': is it the better "
                    "penalty for them? " + st.tally(decided, "L2", "the alternative")
                    + f" (test log-loss, {reps} splits per table). Sparsity is another "
                    "matter: " + summary_zeros + ".",
                    {"cells": st.cell_records(decided, labels), "tables": tables},
                    labels, _network_reading(decided))],
        {"Networks: L2 against no penalty, L1, elastic net and group lasso": figure,
         "Networks: share of weights exactly zero": bars(
             sparse, xlabel="share of the weights exactly zero (mean over splits)",
             title="Exact zeros by training method")},
        {"tables": tables})


def _split(X, y, seed):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=seed % 2**31)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _choose_alpha(torch, model, X, y, seed):
    X_train, X_valid, y_train, y_valid = _split(X, y, seed)
    losses = [_fit_and_score(torch, model, a, (X_train, X_valid, y_train, y_valid),
                             seed=seed)["log_loss"] for a in ALPHAS]
    return float(ALPHAS[int(np.argmin(losses))])


def _network(torch, n_features, n_classes, seed, dtype):
    torch.manual_seed(seed % 2**31)
    return torch.nn.Sequential(torch.nn.Linear(n_features, HIDDEN, dtype=dtype),
                               torch.nn.ReLU(),
                               torch.nn.Linear(HIDDEN, n_classes, dtype=dtype))


def _optimizer(torch, model, alpha, net):
    """The optimizer of ``model`` (a Proximal wrapper for the proximal penalties) and
    the coefficient of the L2 term it adds to the loss (0 when none)."""
    from ..torch import L1, ElasticNet, GroupLasso, Proximal

    params = net.parameters()
    if model == "AdamW weight decay":
        return torch.optim.AdamW(params, lr=ADAM_LR, weight_decay=alpha), 0.0
    if model == "L2 in the loss (Adam)":
        return torch.optim.Adam(params, lr=ADAM_LR), alpha
    sgd = torch.optim.SGD(params, lr=SGD_LR, momentum=0.9)
    penalty = {"L1 prox (SGD)": L1(alpha), "elastic net prox (SGD)": ElasticNet(alpha, 0.5),
               "group lasso prox (SGD)": GroupLasso(alpha, dim=1)}.get(model)
    if penalty is not None:
        return Proximal(sgd, penalty), 0.0
    return sgd, alpha if model == "L2 in the loss (SGD)" else 0.0


def _train(torch, net, opt, l2, X, y, steps=STEPS):
    """Full-batch steps of ``opt`` on the cross-entropy plus ``l2 / 2 |W|^2`` over the
    weight matrices."""
    weights = [p for p in net.parameters() if p.dim() >= 2]
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(X), y)
        if l2:
            loss = loss + 0.5 * l2 * sum((w ** 2).sum() for w in weights)
        loss.backward()
        opt.step()
    return net


def _fit_and_score(torch, model, alpha, split, seed):
    from ..torch import prune_units

    X_train, X_test, y_train, y_test = split
    classes = np.unique(y_train)
    net = _network(torch, X_train.shape[1], len(classes), seed, torch.float32)
    _train(torch, net, *_optimizer(torch, model, alpha, net),
           torch.tensor(X_train, dtype=torch.float32),
           torch.tensor(np.searchsorted(classes, y_train)))
    with torch.no_grad():
        logits = net(torch.tensor(X_test, dtype=torch.float32))
        target = torch.tensor(np.searchsorted(classes, y_test))
        log_loss = float(torch.nn.functional.cross_entropy(logits, target))
        accuracy = float((logits.argmax(1) == target).float().mean())
        weights = torch.cat([net[0].weight.ravel(), net[2].weight.ravel()])
        zero_share = float((weights == 0).float().mean())
    _, _, report = prune_units(net[0], net[2], torch.relu)
    return {"log_loss": log_loss, "accuracy": accuracy, "zero_share": zero_share,
            "units_removable": float(report.n_removed)}


def _weight_decay_checks(torch, seed, steps=100):
    """Relative difference of the final weights of L2-in-the-loss against weight decay:
    SGD's (coupled) and AdamW's (decoupled), in float64 on the digits."""
    X, y = load_digits(return_X_y=True)
    X = torch.tensor(StandardScaler().fit_transform(X))
    y = torch.tensor(y)
    alpha = 1e-2

    def final(make):
        net = _network(torch, X.shape[1], 10, seed, torch.float64)
        _train(torch, net, *make(net), X, y, steps)
        return torch.cat([p.detach().ravel() for p in net.parameters()])

    def decay_weights_only(net, cls, **kw):
        weights = [p for p in net.parameters() if p.dim() >= 2]
        others = [p for p in net.parameters() if p.dim() < 2]
        return cls([{"params": weights, "weight_decay": alpha},
                    {"params": others, "weight_decay": 0.0}], **kw), 0.0

    def relative(a, b):
        return float(torch.linalg.vector_norm(a - b) / torch.linalg.vector_norm(b))

    sgd_l2 = final(lambda n: (torch.optim.SGD(n.parameters(), lr=SGD_LR, momentum=0.9),
                              alpha))
    sgd_wd = final(lambda n: decay_weights_only(n, torch.optim.SGD, lr=SGD_LR,
                                                momentum=0.9))
    adam_l2 = final(lambda n: (torch.optim.Adam(n.parameters(), lr=ADAM_LR), alpha))
    adamw = final(lambda n: decay_weights_only(n, torch.optim.AdamW, lr=ADAM_LR))
    return {"sgd": relative(sgd_l2, sgd_wd), "adam": relative(adam_l2, adamw)}
