"""The scoring-rule engine: every kind and edge by hand-computed cases, the refusals of ``clean_rule`` and
``clean_grades``, explanations in both languages, and properties (bounds, monotony, ties, the grade quota)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.rules import (
    DEFAULT_GRADES,
    EVENT_KINDS,
    EXPLANATIONS,
    KINDS,
    LEVELS,
    PARAMETERS,
    PEER_KINDS,
    SCORED,
    Inputs,
    Outcome,
    RuleError,
    assign_grades,
    clean_grades,
    clean_rule,
    explain,
    rank_positions,
    score,
    subtotal,
)

D = Decimal


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The portal speaks Chinese by default; tests that read messages choose their language themselves.
    with translation.override("en"):
        yield


def decimals(values: Any) -> tuple[Decimal | None, ...]:
    return tuple(None if value is None else D(str(value)) for value in values)


def line(rule: dict[str, Any], max_points: Any, **given_inputs: Any) -> Outcome:
    """Score a rule the way callers do: cleaned when saved, then scored with plain values."""
    m = D(str(max_points))
    inputs: dict[str, Any] = {}
    for name, value in given_inputs.items():
        if name in ("actual", "target"):
            inputs[name] = None if value is None else D(str(value))
        elif name in ("peers", "marks"):
            inputs[name] = decimals(value)
        else:
            inputs[name] = tuple(value)
    return score(clean_rule(rule, m), m, Inputs(**inputs))


# ---------------------------------------------------------------------------------------------------------------
# Every kind, by hand
# ---------------------------------------------------------------------------------------------------------------

THRESHOLD = {"kind": "threshold"}
AT_MOST = {"kind": "threshold", "lower_better": True}
PROPORTIONAL = {"kind": "proportional"}
FLOORED = {"kind": "proportional", "floor": "0.6"}
CONTROL = {"kind": "control"}
STEP = {"kind": "step", "base": 2, "per_unit": "0.5"}
DEDUCT = {"kind": "deduct", "per_unit": 0.5}
BANDS = {"kind": "bands", "points": [[0, 0], [10, 2], [20, 3]]}
RAISED_BANDS = {"kind": "bands", "points": [[10, 1], [20, 3]]}
RANK_POINTS = {"kind": "rank", "points": [5, 3, 1]}
RANK_STEP = {"kind": "rank", "step": 1}
RANK_STEP_LOWER = {"kind": "rank", "step": 1, "lower_better": True}
BEST = {"kind": "relative_to_best"}
BEST_LOWER = {"kind": "relative_to_best", "lower_better": True}
MANUAL = {"kind": "manual"}
TRIMMED = {"kind": "manual", "drop_extremes": True}
BONUS = {"kind": "bonus", "levels": {"national": 3, "provincial": 2, "municipal": 1}}
NATIONAL_ONLY = {"kind": "bonus", "levels": {"national": 3}}
PENALTY = {"kind": "penalty", "per_event": "0.5"}
VETO = {"kind": "veto", "grade": "不合格"}

PEERS = (8, 6, 6, 2, None)
# (rule, max points, inputs, expected points, expected note)
CASES = [
    # threshold
    (THRESHOLD, 3, {"actual": 10, "target": 10}, "3.00", "target_met"),
    (THRESHOLD, 3, {"actual": "9.99", "target": 10}, "0.00", "target_missed"),
    (AT_MOST, 3, {"actual": 5, "target": 5}, "3.00", "within_limit"),
    (AT_MOST, 3, {"actual": 6, "target": 5}, "0.00", "over_limit"),
    (THRESHOLD, 3, {"actual": None, "target": 10}, "0.00", "no_actual"),
    (THRESHOLD, 3, {"actual": 10, "target": None}, "0.00", "no_target"),
    # proportional: M·min(r, 1)
    (PROPORTIONAL, 3, {"actual": 7, "target": 10}, "2.10", "proportional"),
    (PROPORTIONAL, 3, {"actual": 12, "target": 10}, "3.00", "proportional"),
    (PROPORTIONAL, 3, {"actual": -1, "target": 10}, "0.00", "negative_actual"),
    (PROPORTIONAL, 3, {"actual": 0, "target": 0}, "3.00", "target_zero"),
    (PROPORTIONAL, 3, {"actual": 5, "target": 0}, "3.00", "target_zero"),
    (FLOORED, 3, {"actual": "5.99", "target": 10}, "0.00", "below_floor"),
    (FLOORED, 3, {"actual": 6, "target": 10}, "1.80", "proportional"),
    (PROPORTIONAL, 3, {"actual": None, "target": 10}, "0.00", "no_actual"),
    (PROPORTIONAL, 3, {"actual": 7}, "0.00", "no_target"),
    # control: M·clamp(2 − r, 0, 1)
    (CONTROL, 4, {"actual": 5, "target": 10}, "4.00", "control"),
    (CONTROL, 4, {"actual": 15, "target": 10}, "2.00", "control"),
    (CONTROL, 4, {"actual": 20, "target": 10}, "0.00", "control"),
    (CONTROL, 4, {"actual": 25, "target": 10}, "0.00", "control"),
    (CONTROL, 4, {"actual": 0, "target": 0}, "4.00", "target_zero"),
    (CONTROL, 4, {"actual": 1, "target": 0}, "0.00", "target_zero"),
    # step: base + per_unit·(A − T), clamped
    (STEP, 5, {"actual": 10, "target": 10}, "2.00", "step"),
    (STEP, 5, {"actual": 14, "target": 10}, "4.00", "step"),
    (STEP, 5, {"actual": 20, "target": 10}, "5.00", "step"),
    (STEP, 5, {"actual": 7, "target": 10}, "0.50", "step"),
    (STEP, 5, {"actual": 5, "target": 10}, "0.00", "step"),
    # deduct: M − per_unit·max(0, T − A)
    (DEDUCT, 3, {"actual": 10, "target": 10}, "3.00", "deduct"),
    (DEDUCT, 3, {"actual": 12, "target": 10}, "3.00", "deduct"),
    (DEDUCT, 3, {"actual": 8, "target": 10}, "2.00", "deduct"),
    (DEDUCT, 3, {"actual": 2, "target": 10}, "0.00", "deduct"),
    # bands: the first points below, linear between, the last above
    (BANDS, 3, {"actual": -5}, "0.00", "bands"),
    (BANDS, 3, {"actual": 5}, "1.00", "bands"),
    (BANDS, 3, {"actual": 10}, "2.00", "bands"),
    (BANDS, 3, {"actual": 15}, "2.50", "bands"),
    (BANDS, 3, {"actual": 30}, "3.00", "bands"),
    (RAISED_BANDS, 3, {"actual": 0}, "1.00", "bands"),
    (BANDS, 3, {"actual": None}, "0.00", "no_actual"),
    # rank: ties share the better rank (1, 2, 2, 4); points by rank, 0 past the list, or M − (rank − 1)·step
    (RANK_POINTS, 5, {"actual": 8, "peers": PEERS}, "5.00", "rank"),
    (RANK_POINTS, 5, {"actual": 6, "peers": PEERS}, "3.00", "rank"),
    (RANK_POINTS, 5, {"actual": 2, "peers": PEERS}, "0.00", "rank"),
    (RANK_POINTS, 5, {"actual": None, "peers": PEERS}, "0.00", "no_actual"),
    (RANK_STEP, 5, {"actual": 6, "peers": PEERS}, "4.00", "rank"),
    (RANK_STEP, 5, {"actual": 2, "peers": PEERS}, "2.00", "rank"),
    (RANK_STEP_LOWER, 5, {"actual": 2, "peers": PEERS}, "5.00", "rank"),
    (RANK_STEP_LOWER, 5, {"actual": 8, "peers": PEERS}, "2.00", "rank"),
    # relative_to_best: M·A/best, or M·best/A when lower is better
    (BEST, 4, {"actual": 6, "peers": (8, 6, 0, None)}, "3.00", "relative_to_best"),
    (BEST, 4, {"actual": 8, "peers": (8, 6, 0, None)}, "4.00", "relative_to_best"),
    (BEST, 4, {"actual": 0, "peers": (0, 0, None)}, "0.00", "best_zero"),
    (BEST_LOWER, 4, {"actual": 4, "peers": (2, 4, None)}, "2.00", "relative_to_best"),
    (BEST_LOWER, 4, {"actual": 0, "peers": (0, 4)}, "4.00", "relative_to_best"),
    (BEST, 4, {"actual": None, "peers": (8, None)}, "0.00", "no_actual"),
    # manual: the mean; drop_extremes only from 3 marks
    (MANUAL, 10, {"marks": (8, 9)}, "8.50", "manual"),
    (MANUAL, 10, {"marks": (5, 8, 10)}, "7.67", "manual"),
    (TRIMMED, 10, {"marks": (8, 9)}, "8.50", "manual"),
    (TRIMMED, 10, {"marks": (5, 8, 10)}, "8.00", "manual_trimmed"),
    (TRIMMED, 10, {"marks": (5, 7, 8, 10)}, "7.50", "manual_trimmed"),
    (MANUAL, 10, {"marks": ()}, "0.00", "no_marks"),
    # bonus: a key counts once, at its highest level; a missing level is worth 0; M caps the sum
    (BONUS, 5, {"events": [("provincial", "a"), ("national", "a")]}, "3.00", "bonus"),
    (BONUS, 5, {"events": [("municipal", "a"), ("municipal", "b")]}, "2.00", "bonus"),
    (BONUS, 5, {"events": [("national", "a"), ("national", "b")]}, "5.00", "bonus"),
    (NATIONAL_ONLY, 5, {"events": [("municipal", "x")]}, "0.00", "bonus"),
    (BONUS, 5, {"events": []}, "0.00", "no_events"),
    # penalty: events × per_event, capped at M
    (PENALTY, 2, {"events": [("municipal", "a"), ("municipal", "a"), ("provincial", "b")]}, "1.50", "penalty"),
    (PENALTY, 2, {"events": [("municipal", str(n)) for n in range(5)]}, "2.00", "penalty"),
    (PENALTY, 2, {"events": []}, "0.00", "no_events"),
    # veto
    (VETO, 0, {"events": [("municipal", "accident")]}, "0.00", "vetoed"),
    (VETO, 0, {"events": []}, "0.00", "no_events"),
]


def case_id(case: tuple[Any, ...]) -> str:
    rule, _m, inputs, points, _note = case
    return f"{rule['kind']}-{'-'.join(f'{k}={v}' for k, v in inputs.items())}->{points}"


@pytest.mark.parametrize(("rule", "max_points", "inputs", "points", "note"), CASES, ids=map(case_id, CASES))
def test_every_kind_scores_as_computed_by_hand(
    rule: dict[str, Any], max_points: int, inputs: dict[str, Any], points: str, note: str
) -> None:
    outcome = line(rule, max_points, **inputs)
    assert (str(outcome.points), outcome.note) == (points, note)
    assert outcome.facts["points"] == points


@pytest.mark.parametrize(
    ("max_points", "actual", "target", "points"),
    [
        ("4.69", 1, 2, "2.35"),  # 2.345: half-up, where half-even would give 2.34
        (1, 1, 8, "0.13"),  # 0.125
        (1, 3, 8, "0.38"),  # 0.375
        (3, 1, 3, "1.00"),  # 0.999…: rounded once, at the end
        (2, 1, 3, "0.67"),
    ],
)
def test_lines_round_half_up_to_two_places(max_points: Any, actual: int, target: int, points: str) -> None:
    assert str(line(PROPORTIONAL, max_points, actual=actual, target=target).points) == points


@pytest.mark.parametrize(
    ("rule", "max_points", "inputs", "effect", "vetoed"),
    [
        (PROPORTIONAL, 3, {"actual": 1, "target": 1}, "score", False),
        (MANUAL, 3, {"marks": (1,)}, "score", False),
        (BONUS, 3, {"events": [("national", "a")]}, "bonus", False),
        (PENALTY, 3, {"events": [("national", "a")]}, "penalty", False),
        (VETO, 0, {"events": [("national", "a")]}, "veto", True),
        (VETO, 0, {}, "veto", False),
    ],
)
def test_effects_tell_the_caller_how_a_line_counts(
    rule: dict[str, Any], max_points: int, inputs: dict[str, Any], effect: str, vetoed: bool
) -> None:
    outcome = line(rule, max_points, **inputs)
    assert (outcome.effect, outcome.vetoed) == (effect, vetoed)


def test_a_veto_names_its_grade_in_its_facts() -> None:
    assert line(VETO, 0, events=[("national", "a")]).facts["grade"] == "不合格"
    assert line({"kind": "veto"}, 0, events=[("national", "a")]).facts["grade"] == ""  # the lowest band


@pytest.mark.parametrize(
    ("rule", "inputs"),
    [
        (MANUAL, {"marks": (4,)}),  # above M = 3
        (MANUAL, {"marks": (-1,)}),
        (BONUS, {"events": [("county", "a")]}),
    ],
)
def test_inputs_the_caller_should_have_refused_raise(rule: dict[str, Any], inputs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"outside|level"):
        line(rule, 3, **inputs)


def test_kinds_and_their_families_agree() -> None:
    assert set(PARAMETERS) == set(KINDS)
    assert SCORED | EVENT_KINDS == set(KINDS)
    assert not SCORED & EVENT_KINDS
    assert PEER_KINDS <= SCORED


def test_the_same_peers_rank_each_scheme_on_its_own() -> None:
    # The sorted peers are cached per tuple of peers: another scheme's peers must not leak in.
    assert line(RANK_POINTS, 5, actual=6, peers=(6, 9)).points == D(3)
    assert line(RANK_POINTS, 5, actual=6, peers=(6, 1)).points == D(5)


# ---------------------------------------------------------------------------------------------------------------
# clean_rule
# ---------------------------------------------------------------------------------------------------------------

REFUSALS = [
    ({}, 3, {"kind"}),
    ("proportional", 3, {"kind"}),
    ({"kind": "median"}, 3, {"kind"}),
    ({"kind": ["threshold"]}, 3, {"kind"}),
    ({"kind": "threshold", "lower_better": 1}, 3, {"lower_better"}),
    ({"kind": "control", "target": 5}, 3, {"target"}),
    ({"kind": "proportional", "floor": -0.1}, 3, {"floor"}),
    ({"kind": "proportional", "floor": "1.5"}, 3, {"floor"}),
    ({"kind": "proportional", "floor": "half"}, 3, {"floor"}),
    ({"kind": "proportional", "floor": True}, 3, {"floor"}),
    ({"kind": "proportional", "floor": float("nan")}, 3, {"floor"}),
    ({"kind": "proportional", "floor": "Infinity"}, 3, {"floor"}),
    ({"kind": "proportional", "floor": "NaN"}, 3, {"floor"}),
    ({"kind": "proportional", "floor": [0.5]}, 3, {"floor"}),
    ({"kind": "proportional"}, -1, {"max_points"}),
    ({"kind": "proportional"}, "1.005", {"max_points"}),
    ({"kind": "step", "base": 1}, 3, {"per_unit"}),
    ({"kind": "step"}, 3, {"base", "per_unit"}),
    ({"kind": "step", "base": -1, "per_unit": "x", "extra": 1}, 3, {"base", "per_unit", "extra"}),
    ({"kind": "step", "base": 1, "per_unit": 10**10}, 3, {"per_unit"}),
    ({"kind": "step", "base": 1, "per_unit": 10**5000}, 3, {"per_unit"}),
    ({"kind": "deduct", "per_unit": "1e12"}, 3, {"per_unit"}),
    ({"kind": "deduct", "per_unit": float("inf")}, 3, {"per_unit"}),
    ({"kind": "deduct"}, 3, {"per_unit"}),
    ({"kind": "bands", "points": [[10, 1], [5, 2]]}, 3, {"points"}),
    ({"kind": "bands", "points": [[5, 1], [5, 2]]}, 3, {"points"}),
    ({"kind": "bands", "points": []}, 3, {"points"}),
    ({"kind": "bands", "points": "0:1"}, 3, {"points"}),
    ({"kind": "bands", "points": [[1, 2, 3]]}, 3, {"points"}),
    ({"kind": "bands", "points": [[0, -1]]}, 3, {"points"}),
    ({"kind": "bands", "points": [[0, True]]}, 3, {"points"}),
    ({"kind": "bands", "points": [[n, 1] for n in range(101)]}, 3, {"points"}),
    ({"kind": "bands"}, 3, {"points"}),
    ({"kind": "rank", "points": [3, 2], "step": 1}, 3, {"points"}),
    ({"kind": "rank"}, 3, {"points"}),
    ({"kind": "rank", "points": [1] * 101}, 3, {"points"}),
    ({"kind": "rank", "points": [3, -2]}, 3, {"points"}),
    ({"kind": "rank", "step": True}, 3, {"step"}),
    ({"kind": "relative_to_best", "lower_better": "yes"}, 3, {"lower_better"}),
    ({"kind": "manual", "drop_extremes": "yes"}, 3, {"drop_extremes"}),
    ({"kind": "bonus"}, 3, {"levels"}),
    ({"kind": "bonus", "levels": [3, 2, 1]}, 3, {"levels"}),
    ({"kind": "bonus", "levels": {"county": 1}}, 3, {"levels"}),
    ({"kind": "bonus", "levels": {"national": -1}}, 3, {"levels"}),
    ({"kind": "penalty"}, 3, {"per_event"}),
    ({"kind": "penalty", "per_event": "-0.5"}, 3, {"per_event"}),
    ({"kind": "veto"}, 1, {"max_points"}),
    ({"kind": "veto", "grade": ""}, 0, {"grade"}),
    ({"kind": "veto", "grade": "很" * 21}, 0, {"grade"}),
    ({"kind": "veto", "grade": 5}, 0, {"grade"}),
]


@pytest.mark.parametrize(
    ("rule", "max_points", "keys"), REFUSALS, ids=[f"{n}-{'+'.join(sorted(r[2]))}" for n, r in enumerate(REFUSALS)]
)
def test_clean_rule_names_each_faulty_parameter(rule: Any, max_points: Any, keys: set[str]) -> None:
    with pytest.raises(RuleError) as refused:
        clean_rule(rule, D(str(max_points)))
    assert set(refused.value.errors) == keys
    assert all(message.strip() for message in refused.value.errors.values())


def test_clean_rule_messages_speak_the_users_language() -> None:
    rule = {"kind": "bands", "points": [[10, 1], [5, 2]]}
    with pytest.raises(RuleError) as refused:
        clean_rule(rule, D(3))
    assert refused.value.errors["points"] == "Item 2: The values must rise from band to band: 5 follows 10."
    with translation.override("zh-hans"), pytest.raises(RuleError) as refused:
        clean_rule(rule, D(3))
    assert refused.value.errors["points"] == "第 2 项：各档数值必须逐档递增：5 排在 10 之后。"


@pytest.mark.parametrize(
    ("rule", "max_points", "cleaned"),
    [
        ({"kind": "threshold"}, 3, {"kind": "threshold", "lower_better": False}),
        ({"kind": "proportional"}, 3, {"kind": "proportional", "floor": None}),
        ({"kind": "proportional", "floor": 0.6}, 3, {"kind": "proportional", "floor": "0.6"}),
        ({"kind": "step", "base": 1.50, "per_unit": " 0.50 "}, 3, {"kind": "step", "base": "1.5", "per_unit": "0.5"}),
        ({"kind": "deduct", "per_unit": D("2.00")}, 3, {"kind": "deduct", "per_unit": 2}),
        ({"kind": "bands", "points": [(0, 0), ("10.5", 2)]}, 3, {"kind": "bands", "points": [[0, 0], ["10.5", 2]]}),
        ({"kind": "rank", "step": 1}, 3, {"kind": "rank", "lower_better": False, "points": None, "step": 1}),
        ({"kind": "manual"}, 3, {"kind": "manual", "drop_extremes": False}),
        (
            {"kind": "bonus", "levels": {"provincial": 2}},
            3,
            {"kind": "bonus", "levels": {"national": 0, "provincial": 2, "municipal": 0}},
        ),
        ({"kind": "veto"}, 0, {"kind": "veto", "grade": None}),
        ({"kind": "veto", "grade": " 基本合格 "}, 0, {"kind": "veto", "grade": "基本合格"}),
    ],
)
def test_clean_rule_fills_defaults_and_keeps_numbers_exact(
    rule: dict[str, Any], max_points: int, cleaned: dict[str, Any]
) -> None:
    assert clean_rule(rule, D(max_points)) == cleaned
    assert clean_rule(cleaned, D(max_points)) == cleaned  # saving a saved rule changes nothing


# ---------------------------------------------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------------------------------------------


def test_the_proportional_explanation_in_chinese_and_english() -> None:
    outcome = line(PROPORTIONAL, 3, actual=7, target=10)
    with translation.override("zh-hans"):
        assert explain(outcome.note, outcome.facts, "人") == "目标 10 人，完成 7 人，按完成比例得 2.10 分（满分 3 分）"
    with translation.override("en"):
        assert explain(outcome.note, outcome.facts, "people") == (
            "Target 10 people, actual 7 people: 2.10 points in proportion to completion (of 3)."
        )


@pytest.mark.parametrize(("rule", "max_points", "inputs", "points", "note"), CASES, ids=map(case_id, CASES))
def test_every_outcome_explains_itself_with_its_numbers_in_both_languages(
    rule: dict[str, Any], max_points: int, inputs: dict[str, Any], points: str, note: str
) -> None:
    outcome = line(rule, max_points, **inputs)
    texts = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts[language] = explain(outcome.note, outcome.facts)
    assert texts["zh-hans"] != texts["en"], "the explanation is not translated"
    for text in texts.values():
        assert text != outcome.note
        assert "%(" not in text
        assert "?" not in text  # every number the message quotes is among the facts
        assert points in text or note == "vetoed"  # a veto carries no points; it overrides the grade


def test_the_hand_computed_cases_reach_every_explanation() -> None:
    # ``no_growth_base`` is the scorer's: a growth metric without last year's figure (tests/assessments/test_scoring.py).
    assert {case[-1] for case in CASES} | {"no_growth_base"} == set(EXPLANATIONS)


def test_explanations_survive_notes_and_facts_of_another_version() -> None:
    assert explain("retired_note", {"points": "1.00", "max_points": "2"}) == "1.00 points (of 2)."
    assert explain("proportional", {"points": "1.00"}) == (
        "Target ?, actual ?: 1.00 points in proportion to completion (of ?)."
    )


def test_a_percent_unit_sits_against_its_number() -> None:
    outcome = line(THRESHOLD, 2, actual=95, target=90)
    with translation.override("zh-hans"):
        assert explain(outcome.note, outcome.facts, "%") == "目标 90%，完成 95%，达到目标，得 2.00 分（满分 2 分）"


# ---------------------------------------------------------------------------------------------------------------
# Ranks and subtotals
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "lower_better", "ranks"),
    [
        ((5, 3, 3, 1), False, [1, 2, 2, 4]),
        ((5, 3, 3, 1), True, [4, 2, 2, 1]),
        ((None, 2, 2, None, 7), False, [None, 2, 2, None, 1]),
        ((4, 4, 4), False, [1, 1, 1]),
        ((), False, []),
    ],
)
def test_rank_positions_share_ties(values: tuple[Any, ...], lower_better: bool, ranks: list[int | None]) -> None:
    assert rank_positions(decimals(values), lower_better) == ranks


@pytest.mark.parametrize(
    ("points", "cap", "total"),
    [
        (("1.5", 2, "0.75"), 4, "4"),
        (("1.5", 2, "0.75"), 5, "4.25"),
        ((), 3, "0"),
        (("-1.5", "-3"), 4, "-4"),
        (("-1.5", 1), 4, "-0.5"),
    ],
)
def test_subtotals_are_capped_at_their_own_max(points: tuple[Any, ...], cap: int, total: str) -> None:
    assert subtotal((D(str(p)) for p in points), D(cap)) == D(total)


# ---------------------------------------------------------------------------------------------------------------
# Grades
# ---------------------------------------------------------------------------------------------------------------


def test_the_default_grades_are_clean() -> None:
    assert clean_grades(DEFAULT_GRADES) == DEFAULT_GRADES
    assert clean_grades([{"min": "89.50", "label": " 优秀 "}, {"min": 0, "label": "其他"}]) == [
        {"min": "89.5", "label": "优秀"},
        {"min": 0, "label": "其他"},
    ]


GRADE_REFUSALS = [
    [],
    "优秀",
    [{"min": 60, "label": "合格"}, {"min": 90, "label": "优秀"}],
    [{"min": 60, "label": "合格"}, {"min": 60, "label": "基本合格"}],
    [{"min": 1001, "label": "优秀"}],
    [{"min": -1, "label": "优秀"}],
    [{"min": True, "label": "优秀"}],
    [{"min": "ninety", "label": "优秀"}],
    [{"min": 90, "label": ""}],
    [{"min": 90, "label": "很" * 21}],
    [{"min": 90, "label": "优秀"}, {"min": 0, "label": "优秀"}],
    [{"min": 90, "label": "优秀", "colour": "red"}],
    [{"min": 90}],
    [[90, "优秀"]],
]


@pytest.mark.parametrize("grades", GRADE_REFUSALS, ids=[repr(g)[:50] for g in GRADE_REFUSALS])
def test_clean_grades_refuses_bad_bands(grades: Any) -> None:
    with pytest.raises(RuleError) as refused:
        clean_grades(grades)
    assert list(refused.value.errors) == ["grades"]


def test_clean_grades_says_which_band_is_wrong_in_the_users_language() -> None:
    grades = [{"min": 90, "label": "优秀"}, {"min": 0, "label": "优秀"}]
    with translation.override("zh-hans"), pytest.raises(RuleError) as refused:
        clean_grades(grades)
    assert refused.value.errors["grades"] == "第 2 项：等次名称“优秀”已被其他等次使用。"


A, B, C, F = "优秀", "良好", "合格", "不合格"


@pytest.mark.parametrize(
    ("totals", "share", "forced", "grades"),
    [
        ((95, 90, "89.99", 75, 60, "59.99", 0), None, (), [A, A, B, B, C, F, F]),
        ((95, 93, 91, 70, 70, 70, 70), "0.3", (), [A, A, B, C, C, C, C]),  # ⌊2.1⌋ = 2 places
        ((95, 92, 92, 50, 50, 50, 50), "0.3", (), [A, B, B, F, F, F, F]),  # the tie at the cut falls whole
        ((92, 92, 92, 50, 50, 50, 50), "0.3", (), [B, B, B, F, F, F, F]),
        ((95, 93, 91, 91, 50, 50, 50, 50, 50, 50), "0.30", (), [A, A, B, B, F, F, F, F, F, F]),  # 3 places, 4 ≥ 90
        ((99, 95, 93, 50, 50, 50, 50), "0.3", ("", None, None, None, None, None, None), [F, A, A, F, F, F, F]),
        ((99, 95, 93, 50), None, (None, "合格", None, ""), [A, C, A, F]),
        ((99, 95), "0", (), [B, B]),
        ((), "0.3", (), []),
    ],
)
def test_assign_grades(
    totals: tuple[Any, ...], share: str | None, forced: tuple[str | None, ...], grades: list[str]
) -> None:
    given_totals = [D(str(total)) for total in totals]
    assert assign_grades(given_totals, DEFAULT_GRADES, None if share is None else D(share), forced) == grades


def test_assign_grades_wants_one_forced_entry_per_total() -> None:
    with pytest.raises(ValueError, match="forced"):
        assign_grades([D(1), D(2)], DEFAULT_GRADES, None, [None])


# ---------------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------------

# Django's first gettext in a process loads the catalogues; that once may outlast Hypothesis's deadline.
property_settings = settings(deadline=None)

values = st.decimals(min_value=-1000, max_value=1000, places=2)
amounts = st.decimals(min_value=0, max_value=1000, places=2)
maxima = st.decimals(min_value=0, max_value=100, places=2)
shares = st.decimals(min_value=0, max_value=1, places=2)
labels = st.text(st.characters(categories=["Lo"]), min_size=1, max_size=5)


def band_points(ascending_points: bool) -> st.SearchStrategy[list[list[Decimal]]]:
    pairs = st.lists(st.tuples(values, amounts), min_size=1, max_size=6, unique_by=lambda pair: pair[0])

    def ordered(given: list[tuple[Decimal, Decimal]]) -> list[list[Decimal]]:
        at = sorted(value for value, _points in given)
        points = [points for _value, points in given]
        return [[value, p] for value, p in zip(at, sorted(points) if ascending_points else points, strict=True)]

    return pairs.map(ordered)


RULES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "threshold": st.fixed_dictionaries({"kind": st.just("threshold"), "lower_better": st.booleans()}),
    "proportional": st.fixed_dictionaries({"kind": st.just("proportional"), "floor": st.none() | shares}),
    "control": st.just({"kind": "control"}),
    "step": st.fixed_dictionaries({"kind": st.just("step"), "base": amounts, "per_unit": amounts}),
    "deduct": st.fixed_dictionaries({"kind": st.just("deduct"), "per_unit": amounts}),
    "bands": st.fixed_dictionaries({"kind": st.just("bands"), "points": band_points(ascending_points=False)}),
    "rank": st.fixed_dictionaries({"kind": st.just("rank"), "lower_better": st.booleans()}).flatmap(
        lambda rule: st.one_of(
            st.fixed_dictionaries({"points": st.lists(amounts, min_size=1, max_size=10)}),
            st.fixed_dictionaries({"step": amounts}),
        ).map(lambda points: rule | points)
    ),
    "relative_to_best": st.fixed_dictionaries({"kind": st.just("relative_to_best"), "lower_better": st.booleans()}),
    "manual": st.fixed_dictionaries({"kind": st.just("manual"), "drop_extremes": st.booleans()}),
    "bonus": st.fixed_dictionaries(
        {"kind": st.just("bonus"), "levels": st.dictionaries(st.sampled_from(LEVELS), amounts)}
    ),
    "penalty": st.fixed_dictionaries({"kind": st.just("penalty"), "per_event": amounts}),
    "veto": st.fixed_dictionaries({"kind": st.just("veto"), "grade": st.none() | labels}),
}
events = st.lists(st.tuples(st.sampled_from(LEVELS), st.sampled_from("abcd")), max_size=8).map(tuple)
optional_values = st.none() | values


@st.composite
def any_line(draw: st.DrawFn) -> tuple[dict[str, Any], Decimal, Inputs]:
    kind = draw(st.sampled_from(KINDS))
    max_points = D(0) if kind == "veto" else draw(maxima)
    actual = draw(optional_values)
    inputs = Inputs(
        actual=actual,
        target=draw(optional_values),
        peers=(actual, *draw(st.lists(optional_values, max_size=8))),
        marks=tuple(draw(st.lists(st.decimals(min_value=0, max_value=max_points, places=2), max_size=6))),
        events=draw(events),
    )
    return clean_rule(draw(RULES[kind]), max_points), max_points, inputs


@property_settings
@given(any_line())
def test_every_line_stays_within_zero_and_its_max(drawn: tuple[dict[str, Any], Decimal, Inputs]) -> None:
    rule, max_points, inputs = drawn
    outcome = score(rule, max_points, inputs)
    assert D(0) <= outcome.points <= max_points
    assert outcome.points == outcome.points.quantize(D("0.01"))
    assert outcome.note in EXPLANATIONS


HIGHER_IS_BETTER = {
    "threshold": st.just({"kind": "threshold"}),
    "proportional": RULES["proportional"],
    "step": RULES["step"],
    "deduct": RULES["deduct"],
    "bands": st.fixed_dictionaries({"kind": st.just("bands"), "points": band_points(ascending_points=True)}),
    "relative_to_best": st.just({"kind": "relative_to_best"}),
}


@property_settings
@given(
    rule=st.sampled_from(sorted(HIGHER_IS_BETTER)).flatmap(HIGHER_IS_BETTER.__getitem__),
    max_points=maxima,
    target=amounts,
    others=st.lists(optional_values, max_size=8),
    actuals=st.lists(values, min_size=2, max_size=2).map(sorted),
)
def test_more_never_scores_less_when_higher_is_better(
    rule: dict[str, Any], max_points: Decimal, target: Decimal, others: list[Decimal | None], actuals: list[Decimal]
) -> None:
    cleaned = clean_rule(rule, max_points)
    lower, higher = (
        score(cleaned, max_points, Inputs(actual=actual, target=target, peers=(*others, actual))).points
        for actual in actuals
    )
    assert lower <= higher


@property_settings
@given(st.lists(st.none() | st.integers(0, 5).map(D), max_size=12), st.booleans())
def test_ranks_count_the_strictly_better_and_ties_share(ranked: list[Decimal | None], lower_better: bool) -> None:
    ranks = rank_positions(ranked, lower_better)
    known = [value for value in ranked if value is not None]
    for value, rank in zip(ranked, ranks, strict=True):
        if value is None:
            assert rank is None
        else:
            better = [other for other in known if (other < value if lower_better else other > value)]
            assert rank == len(better) + 1
    rule = clean_rule({"kind": "rank", "step": 1, "lower_better": lower_better}, D(20))
    peers = tuple(ranked)
    points = {value: score(rule, D(20), Inputs(actual=value, peers=peers)).points for value in known}
    for value, rank in zip(ranked, ranks, strict=True):
        if value is not None:
            assert points[value] == D(20) - (rank or 0) + 1


@property_settings
@given(
    st.lists(
        st.tuples(
            st.sampled_from([D(50), D(60), D(75), D(90), D(92), D(95), D(100)]), st.sampled_from([None, None, ""])
        ),
        max_size=30,
    ),
    shares,
)
def test_the_top_grade_quota_holds_and_never_splits_a_tie(
    assessees: list[tuple[Decimal, str | None]], share: Decimal
) -> None:
    totals = [total for total, _forced in assessees]
    forced = [veto for _total, veto in assessees]
    graded = assign_grades(totals, DEFAULT_GRADES, share, forced)
    quota = int((share * len(totals)).to_integral_value(rounding=ROUND_FLOOR))
    free = [i for i, veto in enumerate(forced) if veto is None]
    top = [i for i in free if graded[i] == A]
    assert len(top) <= quota
    assert all(graded[i] == F for i, veto in enumerate(forced) if veto == "")
    for i in free:
        for j in free:
            if totals[i] == totals[j]:
                assert graded[i] == graded[j]
    demoted = sorted((totals[i] for i in free if totals[i] >= 90 and graded[i] != A), reverse=True)
    if demoted:  # only as many fell as had to: the best of them, with its whole tie, would overflow the quota
        assert all(totals[i] > demoted[0] for i in top)
        assert len(top) + demoted.count(demoted[0]) > quota
