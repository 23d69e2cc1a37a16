"""The study language (her2cohort.expressions): each construct against a numpy/pandas
reference on data with missing values, Kleene logic, cut at its breaks, hostile
expressions refused with nothing executed, errors naming file and key, and every
study and reconstruction recipe of the project written in the language."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, load_study
from her2cohort.analyses import prepare
from her2cohort.cleaning.inclusion import apply_inclusion
from her2cohort.errors import StudyConfigError
from her2cohort.expressions import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    evaluate,
    filter_rows,
    parse,
    problems,
    select,
    study_expressions,
    study_problems,
)

NAN = float("nan")


@pytest.fixture
def frame() -> pd.DataFrame:
    """Numbers, whole numbers, text and True/False, each with missing values (but the whole numbers)."""
    return pd.DataFrame(
        {
            "x": [1.0, NAN, 5.0, 30.0, -2.5, 0.0],
            "y": [2.0, 3.0, NAN, 30.0, 4.0, 0.0],
            "n": [1, 2, 3, 0, 7, 4],
            "m": [3, 0, 2, 0, -7, 4],
            "s": ["JOSHUA arm", None, "JACOB arm", "b", "a", "JOSHUA"],
            "flag": [True, False, None, True, False, None],
            "ok": [True, False, True, True, False, False],
            "dotted.name": [1, 2, 3, 4, 5, 6],
        }
    )


def cells(series: pd.Series) -> list:
    """Values with None for missing (numpy scalars as Python values)."""
    return [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in series]


def reference(values, missing) -> list:
    return [None if gone else (v.item() if hasattr(v, "item") else v) for v, gone in zip(values, missing)]


# ---------------------------------------------------------------------------
# Constructs against a reference
# ---------------------------------------------------------------------------

COMPARISONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@pytest.mark.parametrize("symbol", sorted(COMPARISONS))
def test_a_comparison_with_a_missing_value_is_missing(frame, symbol):
    missing = (frame["x"].isna() | frame["y"].isna()).to_numpy()
    expected = reference(COMPARISONS[symbol](frame["x"].to_numpy(), frame["y"].to_numpy()), missing)
    assert cells(evaluate(frame, f"x {symbol} y")) == expected
    # a number literal on either side
    expected = reference(COMPARISONS[symbol](frame["x"].to_numpy(), 5.0), frame["x"].isna().to_numpy())
    assert cells(evaluate(frame, f"x {symbol} 5")) == expected


def test_pandas_turned_missing_comparisons_into_false_or_true_and_the_language_does_not(frame):
    # the bugs the former semantics hid: NaN > 30 was False, NaN != 'b' was True
    assert not frame.eval("x > 4", engine="python").tolist()[1]
    assert frame.eval("s != 'b'", engine="python").tolist()[1]
    assert cells(evaluate(frame, "x > 4"))[1] is None
    assert cells(evaluate(frame, "s != 'b'"))[1] is None


def test_text_comparisons_and_chained_comparisons(frame):
    assert cells(evaluate(frame, "s == 'b'")) == [False, None, False, True, False, False]
    assert cells(evaluate(frame, "s < 'b'")) == ["JOSHUA arm" < "b", None, True, False, True, True]
    # 0 < x <= 5 is 0 < x and x <= 5, Kleene's and
    expected = reference((0 < frame["x"].to_numpy()) & (frame["x"].to_numpy() <= 5), frame["x"].isna().to_numpy())
    assert cells(evaluate(frame, "0 < x <= 5")) == expected
    # a missing middle term: missing unless another link is False
    assert cells(evaluate(frame, "y < x < 3")) == [False, None, False, False, False, False]


ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "//": np.floor_divide, "%": np.mod}


@pytest.mark.parametrize("symbol", sorted(ARITHMETIC))
def test_arithmetic_with_a_missing_value_or_by_zero_is_missing(frame, symbol):
    x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
    with np.errstate(all="ignore"):
        values = ARITHMETIC[symbol](x, y)
    missing = np.isnan(x) | np.isnan(y) | ((y == 0) if symbol in ("/", "//", "%") else False)
    got = evaluate(frame, f"x {symbol} y")
    assert got.dtype == float
    np.testing.assert_array_equal(got.isna().to_numpy(), missing)
    np.testing.assert_allclose(got.to_numpy()[~missing], values[~missing])


def test_whole_numbers_stay_whole_and_division_makes_decimals(frame):
    assert evaluate(frame, "n + m * 2 - 1").tolist() == (frame["n"] + frame["m"] * 2 - 1).tolist()
    assert evaluate(frame, "n + m").dtype == np.int64
    assert evaluate(frame, "n // 2").tolist() == (frame["n"] // 2).tolist()
    assert evaluate(frame, "n % 3").tolist() == (frame["n"] % 3).tolist()
    assert evaluate(frame, "n / 2").tolist() == (frame["n"] / 2).tolist()
    # by zero: missing, where pandas gave inf (whole numbers turn decimal to hold the gap)
    assert cells(evaluate(frame, "n / m")) == [1 / 3, None, 1.5, None, -1.0, 1.0]
    assert cells(evaluate(frame, "n // m")) == [0, None, 1, None, -1, 1]
    assert cells(evaluate(frame, "n % m")) == [1, None, 1, None, 0, 0]


def test_powers_signs_and_true_false_as_one_and_zero(frame):
    np.testing.assert_allclose(evaluate(frame, "x ** 2").to_numpy(), frame["x"].to_numpy() ** 2)
    assert evaluate(frame, "n ** 2").tolist() == (frame["n"] ** 2).tolist()
    assert cells(evaluate(frame, "x ** 0.5"))[4] is None  # the root of a negative number: missing
    assert cells(evaluate(frame, "-x")) == [-1.0, None, -5.0, -30.0, 2.5, -0.0]
    assert cells(evaluate(frame, "-x ** 2"))[2] == -25.0  # ** binds tighter than unary minus, as in Python and R
    assert evaluate(frame, "ok * 1 + ok").tolist() == [2, 0, 2, 2, 0, 0]
    assert cells(evaluate(frame, "flag + 0")) == [1, 0, None, 1, 0, None]


def test_in_and_not_in_with_missing_values(frame):
    assert cells(evaluate(frame, "s in ['b', 'a']")) == [False, None, False, True, True, False]
    assert cells(evaluate(frame, "s not in ['b', 'a']")) == [True, None, True, False, False, True]
    assert cells(evaluate(frame, "x in [1, 30.0]")) == [True, None, False, True, False, False]
    assert cells(evaluate(frame, "n in []")) == [False] * 6
    # pandas' isin said False for a missing value; a study that means False says so
    assert frame["s"].isin(["b"]).tolist()[1] is False
    assert cells(evaluate(frame, "not is_missing(s) and s in ['b']"))[1] is False


def test_kleene_truth_table():
    values = [True, False, None]
    pairs = [(a, b) for a in values for b in values]
    data = pd.DataFrame({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}, dtype=object)

    def kleene_and(a, b):
        if a is False or b is False:
            return False
        return None if a is None or b is None else True

    def kleene_or(a, b):
        if a is True or b is True:
            return True
        return None if a is None or b is None else False

    assert cells(evaluate(data, "a and b")) == [kleene_and(a, b) for a, b in pairs]
    assert cells(evaluate(data, "a or b")) == [kleene_or(a, b) for a, b in pairs]
    assert cells(evaluate(data, "not a")) == [None if a is None else not a for a, _ in pairs]
    # the table of docs/study-language.md
    assert kleene_and(False, None) is False and kleene_or(True, None) is True
    # three operands, both orders
    assert cells(evaluate(data, "a and b and True")) == cells(evaluate(data, "True and b and a"))


def test_functions(frame):
    assert set(FUNCTIONS) == {"is_missing", "contains", "startswith", "if_else", "cut", "abs", "min", "max"}
    assert evaluate(frame, "is_missing(x)").tolist() == frame["x"].isna().tolist()
    assert evaluate(frame, "is_missing(s)").dtype == bool
    assert cells(evaluate(frame, "contains(s, 'JOSHUA')")) == [True, None, False, False, False, True]
    assert cells(evaluate(frame, "contains(s, '.')")) == [False, None, False, False, False, False]  # plain text, not a pattern
    assert cells(evaluate(frame, "startswith(s, 'JA')")) == [False, None, True, False, False, False]
    assert cells(evaluate(frame, "abs(x)")) == [1.0, None, 5.0, 30.0, 2.5, 0.0]
    assert evaluate(frame, "abs(m)").tolist() == frame["m"].abs().tolist()
    assert cells(evaluate(frame, "min(x, y)")) == [1.0, None, None, 30.0, -2.5, 0.0]
    assert cells(evaluate(frame, "max(x, y)")) == [2.0, None, None, 30.0, 4.0, 0.0]
    # the former clip(lower=1): whole numbers stay whole
    grouped = evaluate(frame, "max(m, 1)")
    assert grouped.tolist() == frame["m"].clip(lower=1).tolist() and grouped.dtype == frame["m"].clip(lower=1).dtype


def test_if_else(frame):
    assert cells(evaluate(frame, "if_else(x > 4, 'high', 'low')")) == ["low", None, "high", "high", "low", "low"]
    # a missing condition gives missing; a missing chosen value too
    assert cells(evaluate(frame, "if_else(flag, x, 0)")) == [1.0, 0.0, None, 30.0, 0.0, None]
    assert cells(evaluate(frame, "if_else(ok, y, -1)")) == [2.0, -1.0, None, 30.0, -1.0, -1.0]
    # missing fits any kind; True/False and numbers mix as numbers
    assert cells(evaluate(frame, "if_else(s == 'b', missing, s)")) == ["JOSHUA arm", None, "JACOB arm", None, "a", "JOSHUA"]
    assert evaluate(frame, "if_else(ok, 1, 0)").tolist() == [1, 0, 1, 1, 0, 0]
    assert evaluate(frame, "if_else(ok, True, 0)").tolist() == [1, 0, 1, 1, 0, 0]
    # the former pertuzumab_use of gastric_her2_loss
    pandas = frame["s"].str.contains("JOSHUA").where(~frame["s"].fillna("").str.contains("JACOB"))
    language = evaluate(frame, "if_else(contains(s, 'JACOB'), missing, contains(s, 'JOSHUA'))")
    assert cells(language) == cells(pandas)
    with pytest.raises(ExpressionError, match="both must be of one kind"):
        evaluate(frame, "if_else(ok, 'a', 1)")


def test_cut_is_right_closed_at_its_breaks():
    data = pd.DataFrame({"v": [-1e9, 11.999, 12.0, 12.001, 24.0, 24.5, 1e9, NAN]})
    # (-inf, 12] -> 'a', (12, 24] -> 'b', (24, inf) -> 'c': a value equal to a break is in the interval that ends there
    got = evaluate(data, "cut(v, [12, 24], ['a', 'b', 'c'])")
    assert cells(got) == ["a", "a", "a", "b", "b", "c", "c", None]
    # R's cut(v, c(-Inf, 12, 24, Inf), right = TRUE) gives the same intervals
    assert cells(pd.cut(data["v"], [-np.inf, 12, 24, np.inf], right=True, labels=["a", "b", "c"]).astype(object)) == cells(got)
    # without labels: the interval numbers 0, 1, ...
    assert cells(evaluate(data, "cut(v, [12, 24])")) == [0, 0, 0, 1, 1, 2, 2, None]
    assert cells(evaluate(data.dropna(), "cut(v, [12])")) == [0, 0, 0, 1, 1, 1, 1]
    assert evaluate(data.dropna(), "cut(v, [12])").dtype == np.int64
    assert cells(evaluate(data, "cut(v, [30], [0.0, 1.0])")) == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, None]
    for bad, message in (
        ("cut(v, [24, 12])", "increasing order"),
        ("cut(v, [])", "increasing order"),
        ("cut(v, [12], ['a'])", "2 labels"),
        ("cut(v, [12, 'x'])", "numbers written out"),
        ("cut(v, breaks)", "list of values written out"),
        ("cut(v, [12], ['a', 1])", "mix text and numbers"),
    ):
        assert any(message in p for p in problems(bad)), (bad, problems(bad))


def test_backticks_name_any_column(frame):
    assert evaluate(frame, "`dotted.name` * 2").tolist() == [2, 4, 6, 8, 10, 12]
    assert evaluate(frame, "`x` == x").tolist()[0]
    # a backtick inside text is text
    assert cells(evaluate(pd.DataFrame({"t": ["a`b", "c"]}), "t == 'a`b'")) == [True, False]
    assert "no backtick closes" in problems("`x == 1")[0]
    assert parse("`dotted.name` > 2").columns == {"dotted.name"}


def test_results_a_derived_column_can_hold(frame):
    assert evaluate(frame, "ok and True").dtype == bool  # no missing value: plain True/False
    with_missing = evaluate(frame, "x > 4")  # with: objects, the missing one NaN (an empty cell in a CSV)
    assert with_missing.dtype == object and with_missing.isna().tolist() == [False, True, False, False, False, False]
    assert evaluate(frame, "x + 1").dtype == float
    assert evaluate(frame, "missing").isna().all()
    assert evaluate(frame, "3").tolist() == [3] * 6
    assert evaluate(frame, "'a'").tolist() == ["a"] * 6
    assert evaluate(frame, "x > 4").index.equals(frame.index)


def test_a_filter_does_not_select_a_row_where_the_condition_is_missing(frame):
    assert select(frame, "x > 4").tolist() == [False, False, True, True, False, False]
    assert select(frame, "not (x > 4)").tolist() == [True, False, False, False, True, True]
    assert filter_rows(frame, "x > 4").index.tolist() == [2, 3]
    assert filter_rows(frame, None) is frame
    assert select(frame, "missing").tolist() == [False] * 6
    with pytest.raises(ExpressionError, match="a condition must be True or False for each row; this gives a number"):
        select(frame, "x + 1")
    # inclusion: a patient for whom the query is missing does not meet it
    kept, flow, excluded = apply_inclusion(frame.assign(patient_id=range(6)), None, [{"label": "x", "reason": "r", "require": {"query": "x > 0"}}])
    assert kept.tolist() == [True, False, True, True, False, False]
    assert [i for i, _ in excluded] == [1, 4, 5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("s > 1", r"`s > 1`: compares text with a number"),
        ("s + 1", r"`s`: \+ takes numbers; this is text"),
        ("x and ok", r"`x`: and takes True/False values"),
        ("contains(x, 'a')", r"`x`: contains takes text"),
        ("s in [1, 2]", r"compares text with numbers"),
        ("xx > 1", r"no column named 'xx' in the data; did you mean 'x'"),
    ],
)
def test_type_errors_name_the_part(frame, text, message):
    with pytest.raises(ExpressionError, match=message):
        evaluate(frame, text)


def test_pandas_idioms_are_refused_with_what_to_write_instead():
    for text, instead in (
        ("best_response.notna()", "not is_missing(best_response)"),
        ("x.isna()", "is_missing(x)"),
        ("x.isin(['a'])", "x in [...]"),
        ("line1_regimen.str.contains('JOSHUA')", "contains(line1_regimen, 'text')"),
        ("x.clip(lower=1)", "max(x, lower)"),
        ("(a > 1) & (b < 2)", "write and"),
        ("(a > 1) | (b < 2)", "write or"),
        ("~a", "write not"),
        ("a if b else c", "if_else(condition, a, b)"),
        ("x is None", "is_missing(x)"),
        ("None", "write missing"),
    ):
        found = problems(text)
        assert found and instead in found[0], (text, found)


# ---------------------------------------------------------------------------
# Hostile expressions: refused, nothing executed
# ---------------------------------------------------------------------------


def hostile(tmp) -> dict[str, tuple[str, str]]:
    """name -> (expression, the offending part the error must show)."""
    target = tmp / "written"
    return {
        "to_csv": (f"a.to_csv('{target}')", f"a.to_csv('{target}')"),
        "to_pickle": (f"a.to_pickle('{target}')", f"a.to_pickle('{target}')"),
        "to_parquet_in_derive": (f"a + a.to_parquet('{target}')", f"a.to_parquet('{target}')"),
        "frame_method": (f"a.to_frame().to_csv('{target}')", f"a.to_frame().to_csv('{target}')"),
        "dunder_class": ("a.__class__", "a.__class__"),
        "dunder_chain": ("a.__class__.__mro__[-1].__subclasses__()", "a.__class__.__mro__[-1].__subclasses__()"),
        "import": (f"__import__('os').system('touch {target}')", f"__import__('os').system('touch {target}')"),
        "bare_import": ("__import__('os')", "__import__('os')"),
        "open": (f"open('{target}', 'w')", f"open('{target}', 'w')"),
        "eval": (f"eval(\"open('{target}', 'w')\")", "eval("),
        "lambda": ("(lambda: 1)()", "(lambda: 1)()"),
        "list_comprehension": ("[a for a in b]", "[a for a in b]"),
        "generator": ("min(a for a in b)", "a for a in b"),
        "dict_comprehension": ("{a: 1 for a in b}", "{a: 1 for a in b}"),
        "f_string": ("f'{a.to_csv()}'", "f'{a.to_csv()}'"),
        "attribute": ("a.values", "a.values"),
        "subscript": ("a[0]", "a[0]"),
        "walrus": ("(b := a)", "b := a"),
        "huge_exponent": ("10 ** 10 ** 10", "10 ** 10 ** 10"),
        "huge_exponent_of_a_column": ("a ** 1000", "a ** 1000"),
        "column_exponent": ("a ** b", "a ** b"),
        "text_repeated": ("'x' * 10**9", "'x' * 10**9"),
        "text_repeated_right": ("10**9 * 'x'", "10**9 * 'x'"),
        "huge_integer": ("a + " + "9" * 40, "9" * 30),
        "long": ("a + " * 400 + "a", "a + a + a"),
        "deep": ("(" * 60 + "a" + " + 1)" * 60, "((((("),
        "deep_not": ("not " * 100 + "a", "not not not"),
    }


@pytest.mark.parametrize("case", sorted(hostile(__import__("pathlib").Path("/nowhere"))))
def test_a_hostile_expression_is_refused_naming_its_part_and_nothing_runs(case, tmp_path, monkeypatch):
    text, part = hostile(tmp_path)[case]
    # nothing in the evaluator may hand the text to pandas' eval/query
    for owner, name in ((pd, "eval"), (pd.DataFrame, "eval"), (pd.DataFrame, "query")):
        monkeypatch.setattr(owner, name, lambda *a, **k: pytest.fail("pandas eval reached"))
    data = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    found = problems(text, "config/studies/s.yaml", "analyses[3].derive.flag")
    assert found, text
    assert part[:40] in found[0], (part, found[0])
    assert found[0].startswith("config/studies/s.yaml: at key 'analyses[3].derive.flag': ")
    for run in (
        lambda: evaluate(data, text, "s.yaml", "k"),
        lambda: select(data, text, "s.yaml", "k"),
        lambda: filter_rows(data, text, "s.yaml", "k"),
        lambda: prepare(data, {"flag": text}, None, "analyses[3]", "s.yaml"),
        lambda: prepare(data, None, text, "analyses[3]", "s.yaml"),
        lambda: apply_inclusion(data.assign(patient_id=[1, 2]), None, [{"label": "l", "reason": "r", "require": {"query": text}}], source="s.yaml"),
    ):
        with pytest.raises(StudyConfigError):
            run()
    assert list(tmp_path.iterdir()) == []  # no file written, no command run


def test_a_hostile_study_file_is_refused_when_it_loads_and_nothing_runs(tmp_path):
    study = yaml.safe_load((ROOT / "config/studies/example.yaml").read_text())
    target = tmp_path / "written.csv"
    study["derive"]["leak"] = f"baseline_h_score.to_csv('{target}')"
    study["analyses"][1]["where"] = "__import__('os').system('id')"
    study["inclusion"].append({"label": "x", "reason": "y", "require": {"query": "age_years.__class__"}})
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    with pytest.raises(ValueError) as caught:
        load_study(path)
    message = str(caught.value)
    # every problem at once, each with the file and its key
    assert f"{path}: at key 'derive.leak'" in message and ".to_csv(" in message
    assert f"{path}: at key 'analyses[1].where'" in message and "__import__('os').system('id')" in message
    assert f"{path}: at key 'inclusion[3].require.query'" in message and "(.__class__)" in message
    assert not target.exists()


def test_limits_are_stated():
    assert f"at most {MAX_LENGTH}" in problems("a + " * MAX_LENGTH)[0]
    assert f"more than {MAX_DEPTH} levels deep" in problems("-" * (MAX_DEPTH + 5) + "a")[0]
    assert "from -100 to 100" in problems("a ** 101")[0]
    assert problems("a ** 100") == [] and problems("a ** -0.5") == []
    assert "empty" in problems("  ")[0]
    assert "must be text" in problems(5, "f.yaml", "where")[0]


# ---------------------------------------------------------------------------
# Errors name the file and the key; every expression of the project is in the language
# ---------------------------------------------------------------------------


def test_every_expression_of_a_study_is_found_with_its_key():
    study = {
        "derive": {"a": "x > 1"},
        "inclusion": [{"require": {"query": "y > 2"}}],
        "analyses": [{"id": "p"}, {"id": "q", "where": "z", "derive": {"b": "x + 1"}}],
        "figures": [{"where": "w", "panels": [{"where": "v1"}, {"where": "v2"}]}],
    }
    assert list(study_expressions(study)) == [
        ("derive.a", "x > 1"),
        ("inclusion[0].require.query", "y > 2"),
        ("analyses[1].where", "z"),
        ("analyses[1].derive.b", "x + 1"),
        ("figures[0].where", "w"),
        ("figures[0].panels[0].where", "v1"),
        ("figures[0].panels[1].where", "v2"),
    ]
    bad = {"derive": {"a": "x.notna()"}, "analyses": [{}, {}, {}, {"derive": {"h_score_le_170": "h.le(170)"}}], "figures": [{"panels": [{}, {"where": "a & b"}]}]}
    found = study_problems(bad, "config/studies/mine.yaml")
    assert [line.split("': ")[0] for line in found] == [
        "config/studies/mine.yaml: at key 'derive.a",
        "config/studies/mine.yaml: at key 'analyses[3].derive.h_score_le_170",
        "config/studies/mine.yaml: at key 'figures[0].panels[1].where",
    ]


STUDIES = sorted((ROOT / "config" / "studies").glob("*.yaml"))


@pytest.mark.parametrize("path", STUDIES, ids=[p.stem for p in STUDIES])
def test_every_study_is_written_in_the_language_and_loads(path):
    study = load_study(path)
    assert study_problems(study, str(path)) == []
    assert list(study_expressions(study))  # each study has expressions to check


RECIPES = sorted((ROOT / "data" / "reconstruction").glob("*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_every_reconstruction_recipe_is_written_in_the_language(path):
    from her2cohort.reconstruct.engine import recipe_expressions

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [p for key, text in recipe_expressions(spec) for p in problems(text, str(path), key)] == []


def test_a_recipe_outside_the_language_is_refused_before_any_step_runs():
    from her2cohort.reconstruct.engine import ReconstructionError, build_cohort

    spec = {"study": "mine", "seed": 1, "groups": {"a": 2}, "steps": [{"kind": "where", "where": "(_group == 'a') & x.isna()", "values": {"y": 1}}], "checks": [{"where": "index >= 0", "equals": 2}, {"where": "_row.__class__", "equals": 1}]}
    with pytest.raises(ReconstructionError) as caught:
        build_cohort(spec, {})
    message = str(caught.value)
    assert "data/reconstruction/mine.yaml: at key 'steps[0].where'" in message and "write and" in message
    assert "data/reconstruction/mine.yaml: at key 'checks[1].where'" in message
