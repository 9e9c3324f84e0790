"""Figures of the lab: the map of outcomes over a regime grid, and small line plots."""

import io

import numpy as np

COLORS = {"A": "#4c9a55", "B": "#c8553d", "tie": "#d9d9d9", True: "#4c9a55",
          False: "#c8553d"}


def svg_text(fig):
    """``fig`` as SVG text to inline in lab.html (the XML prolog dropped), then closed."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def outcome_map(rows, columns, outcomes, effects, title, legend=None, label=None):
    """Rows = regimes, columns = comparisons ("A vs B"); each cell coloured by who won
    (A green, B red, tie grey) and labelled with the effect in percent. For checks, give
    outcomes True / False (green / red), ``label`` to format the values and ``legend``."""
    label = label or (lambda v: f"{100 * v:+.0f}%")
    legend = legend or ("(green: A wins, red: B wins, grey: tie; "
                        "number: mean loss of B / A - 1)")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2.2 + 1.9 * len(columns), 0.9 + 0.34 * len(rows)))
    for i in range(len(rows)):
        for j in range(len(columns)):
            outcome = outcomes[i][j]
            ax.add_patch(plt.Rectangle((j, i), 1, 1, color=COLORS.get(outcome, "#ffffff"),
                                       ec="white"))
            text = "n/a" if effects[i][j] is None else label(effects[i][j])
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=8)
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(columns)) + 0.5)
    ax.set_xticklabels(columns, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(len(rows)) + 0.5)
    ax.set_yticklabels(rows, fontsize=7)
    ax.set_title(f"{title}\n{legend}", fontsize=9, pad=24)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.tight_layout()
    return svg_text(fig)


def lines(series, *, xlabel, ylabel, title, logx=False, logy=False):
    """Simple line plot: ``series`` maps a label to (x, y)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for label, (x, y) in series.items():
        ax.plot(x, y, label=label, marker=".", markersize=4)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return svg_text(fig)


def bars(groups, *, xlabel, title):
    """Horizontal grouped bars: ``groups`` maps a group label to ``{bar label: value}``
    (the same bar labels in every group)."""
    import matplotlib.pyplot as plt

    names = list(groups)
    labels = list(next(iter(groups.values())))
    height = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(6.5, 0.8 + 0.32 * len(labels) * len(names)))
    for g, name in enumerate(names):
        positions = np.arange(len(labels)) + g * height
        ax.barh(positions, [groups[name][k] for k in labels], height=height, label=name)
    ax.set_yticks(np.arange(len(labels)) + 0.4 - height / 2)
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return svg_text(fig)
