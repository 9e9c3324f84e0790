"""lab.json and lab.html: the verdict table first, then each experiment with its figures
and, per claim, the essay's words, the numbers and the verdict."""

import json
from pathlib import Path

from ..output_set import OutputSet

VERDICT_COLORS = {"true": "#4c9a55", "false": "#c8553d", "depends": "#d9a13b",
                  "not-testable": "#888888", "undecided": "#6f7fa8"}


def to_json(results):
    """The results without the SVG text of the figures (their titles stay)."""
    light = dict(results)
    light["experiments"] = {
        name: {k: (list(v) if k == "figures" else v) for k, v in exp.items()}
        for name, exp in results["experiments"].items()}
    return json.dumps(light, indent=1, default=_plain)


def _plain(value):
    try:
        return value.item()  # numpy scalars
    except AttributeError:
        return str(value)


def render_html(results):
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("shrinkage", "lab"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined)
    env.filters["pretty"] = lambda v: json.dumps(v, indent=1, default=_plain)
    by_experiment = {}
    for claim in results["claims"]:
        by_experiment.setdefault(claim["experiment"], []).append(claim)
    return env.get_template("lab.html.j2").render(
        results=results, by_experiment=by_experiment, colors=VERDICT_COLORS)


#: the files of a lab run
LAB_FILES = ("lab.json", "lab.html")


def write_lab(results, output):
    """Write lab.json and lab.html as one set into ``output`` (a claimed
    ``OutputSet``, or a folder's path, claimed here); returns their paths."""
    if not isinstance(output, OutputSet):
        with OutputSet(output, LAB_FILES) as claimed:
            return write_lab(results, claimed)
    with output.writing() as folder:
        (folder / "lab.json").write_text(to_json(results), encoding="utf-8")
        (folder / "lab.html").write_text(render_html(results), encoding="utf-8")
    return output.commit()


def read_previous(path):
    """A previous run's lab.json (for ``verdict_changes``); a ValueError that says what
    is wrong with the file."""
    try:
        previous = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"--previous {path}: cannot read it ({exc.strerror})") from None
    except json.JSONDecodeError:
        raise ValueError(f"--previous {path}: not JSON; give a lab.json") from None
    if not isinstance(previous, dict) or not isinstance(previous.get("claims"), list):
        raise ValueError(f"--previous {path}: no 'claims' list; give a lab.json")
    if not all(isinstance(c, dict) and isinstance(c.get("id"), str)
               for c in previous["claims"]):
        raise ValueError(f"--previous {path}: its claims are not a lab's (each an object "
                         "with an 'id'); give a lab.json")
    if not isinstance(previous.get("experiments", {}), dict):
        raise ValueError(f"--previous {path}: its 'experiments' is not an object; give a "
                         "lab.json")
    return previous


def verdict_changes(results, previous):
    """The claims (and parts) whose verdict differs from ``previous``'s, or that it did
    not have: each with its old and new framing (the experiment's declared decision) and
    summary, side by side."""
    def framing(run, claim):
        design = run.get("experiments", {}).get(claim.get("experiment"), {}).get(
            "design", {})
        return {"verdict": claim.get("verdict"), "summary": claim.get("summary", ""),
                "decision": design.get("decision", ""),
                "quantifier": claim.get("quantifier", "not declared"),
                "factor": design.get("factor", "not declared"),
                "comparison": design.get("comparison", "not declared")}

    before = {c["id"]: c for c in previous["claims"] if "id" in c}
    changes = []
    for claim in results["claims"]:
        old = before.get(claim["id"])
        if old is not None and old.get("verdict") == claim["verdict"]:
            continue
        changes.append({"id": claim["id"],
                        "before": None if old is None else framing(previous, old),
                        "now": framing(results, claim)})
    return changes
