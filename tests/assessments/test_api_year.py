"""A whole assessment year through the API: the office writes the scheme and its tree, opens it, sets targets;
the counties enter values, claim events and submit; a reviewer returns one, marks, verifies and rejects events
and accepts; the office finalises and publishes. The totals are worked out by hand below, and the published
year does not move when the registry changes afterwards."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Assessee, Result, Scheme
from assessments.scoring import score_scheme

from ..talents import factories as tf

pytestmark = pytest.mark.django_db

A, B = "330402", "330411"
LANDED = datetime.date(2026, 3, 1)


def post(api: Any, user: Any, url: str, data: dict[str, Any], expected: int = 200, **kwargs: Any) -> Any:
    api.force_authenticate(user)
    response = api.post(url, data, **({"format": "json"} | kwargs))
    assert response.status_code == expected, response.content.decode()
    return response.json()


def patch(api: Any, user: Any, url: str, data: dict[str, Any], expected: int = 200) -> Any:
    api.force_authenticate(user)
    response = api.patch(url, data, format="json")
    assert response.status_code == expected, response.content.decode()
    return response.json()


def url(basename: str, pk: Any = None, action: str = "detail") -> str:
    return reverse(f"assessment{basename}-list") if pk is None else reverse(f"assessment{basename}-{action}", args=[pk])


def test_a_whole_year_through_the_api(api_client, people, units) -> None:
    office, reviewer = people["city_admin"], people["reviewer"]
    a_editor, b_editor = people["a_editor"], people["b_editor"]
    # Two talents landed in county A this year (a town of it counts), none in B.
    for _n in range(2):
        tf.talent(units["330402001"], landed_on=LANDED)
    tf.talent(units[B], landed_on=datetime.date(2025, 5, 1))  # last year's: not counted

    # --- the office writes the scheme and its tree ------------------------------------------------------------
    due = (datetime.date.today() + datetime.timedelta(days=20)).isoformat()
    scheme = post(api_client, office, url("scheme"), {
        "year": 2026, "name": "2026年度人才工作考核", "group": "county", "org_unit": "330400", "due_on": due,
        "grades": [{"min": 12, "label": "优秀"}, {"min": 0, "label": "合格"}], "description": "",
    }, 201)  # fmt: skip
    assert scheme["status"] == "draft" and scheme["grades"][0] == {"min": 12, "label": "优秀"}
    sid = scheme["id"]
    tree = [
        {"code": "1", "name": "人才引育", "max_points": "10"},
        {"code": "1.1", "name": "新引进人才", "parent": "1", "max_points": "6", "rule": {"kind": "proportional"},
         "source": "entered"},
        {"code": "1.2", "name": "工作机制", "parent": "1", "max_points": "4", "rule": {"kind": "manual"}},
        {"code": "2", "name": "人才落地", "max_points": "4", "rule": {"kind": "threshold"},
         "metric": {"code": "talents.landed"}, "source": "metric"},
        {"code": "B", "name": "加分项", "max_points": "3",
         "rule": {"kind": "bonus", "levels": {"national": 3, "provincial": 2, "municipal": 1}}},
        {"code": "P", "name": "扣分项", "max_points": "2", "rule": {"kind": "penalty", "per_event": 1},
         "evidence_required": True},
    ]  # fmt: skip
    made = {row["code"]: post(api_client, office, url("indicator"), {"scheme": sid, **row}, 201) for row in tree}
    assert made["1.1"]["level"] == 2 and made["1.1"]["parent"] == "1"
    assert made["1.2"]["source"] == "reviewed" and made["B"]["source"] == "events"
    assert made["2"]["metric"] == {"code": "talents.landed", "growth": False}
    ids = {code: row["id"] for code, row in made.items()}

    # --- open: every county is an assessee with its submission; the office keeps two of them -------------------
    assert post(api_client, office, url("scheme", sid, "transition"), {"to": "open"})["status"] == "open"
    api_client.force_authenticate(office)
    assessees = api_client.get(url("assessee"), {"scheme": sid, "page_size": 100}).json()["results"]
    assert len(assessees) == Assessee.objects.filter(scheme_id=sid).count() >= 3
    by_key = {row["key"]: row["id"] for row in assessees}
    for row in assessees:
        if row["key"] not in (A, B):
            patch(
                api_client,
                office,
                url("assessee", row["id"]),
                {"excluded": True, "exclusion_reason": "不参加本年度考核"},
            )
    for key, target in ((A, "10"), (B, "10")):
        post(
            api_client, office, url("target"), {"indicator": ids["1.1"], "assessee": by_key[key], "value": target}, 201
        )
        post(api_client, office, url("target"), {"indicator": ids["2"], "assessee": by_key[key], "value": "1"}, 201)
    # Setting a pair again changes it.
    changed = post(api_client, office, url("target"), {"indicator": ids["2"], "assessee": by_key[A], "value": "2"}, 200)
    assert changed["value"] == "2.0000"

    # --- the counties fill in and submit -------------------------------------------------------------------------
    api_client.force_authenticate(a_editor)
    subs = {row["assessee"]: row["id"] for row in api_client.get(url("submission")).json()["results"]}
    assert set(subs) == {by_key[A]}  # A's users see A's submission only
    sub_a = subs[by_key[A]]
    api_client.force_authenticate(b_editor)
    sub_b = api_client.get(url("submission")).json()["results"][0]["id"]
    entry = patch(
        api_client, a_editor, url("submission", sub_a), {"entries": [{"indicator": ids["1.1"], "value": "7"}]}
    )
    assert entry["entries"] == [{"indicator": ids["1.1"], "value": "7.0000", "note": ""}]
    patch(
        api_client,
        b_editor,
        url("submission", sub_b),
        {"entries": [{"indicator": ids["1.1"], "value": "12", "note": "含柔性引进"}]},
    )
    # A claims a provincial achievement twice (once as national, rejected) and B a penalty with its evidence.
    bonus = post(api_client, a_editor, url("event"), {"assessee": by_key[A], "indicator": ids["B"], "level": "provincial",
                 "key": "省领军-张三", "occurred_on": "2026-04-01", "description": "入选省级领军人才"}, 201)  # fmt: skip
    wrong = post(api_client, a_editor, url("event"), {"assessee": by_key[A], "indicator": ids["B"], "level": "national",
                 "key": "国家级-李四", "occurred_on": "2026-05-01", "description": "入选国家级人才计划"}, 201)  # fmt: skip
    evidence = SimpleUploadedFile("通报.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    penalty = post(api_client, b_editor, url("event"), {"assessee": by_key[B], "indicator": ids["P"],
                   "occurred_on": "2026-06-01", "description": "人才项目资金使用违规", "evidence": [evidence]},
                   201, format="multipart")  # fmt: skip
    for user, sub in ((a_editor, sub_a), (b_editor, sub_b)):
        assert post(api_client, user, url("submission", sub, "submit"), {})["status"] == "submitted"

    # --- review: A is returned, corrected and submitted again ---------------------------------------------------
    returned = post(api_client, reviewer, url("submission", sub_a, "return"), {"comment": "请核实引进人数"})
    assert returned["status"] == "returned" and returned["comment"] == "请核实引进人数"
    patch(api_client, a_editor, url("submission", sub_a), {"entries": [{"indicator": ids["1.1"], "value": "8"}]})
    post(api_client, a_editor, url("submission", sub_a, "submit"), {})
    for sub, points in ((sub_a, "3"), (sub_b, "3.5")):
        post(api_client, reviewer, url("mark"), {"submission": sub, "indicator": ids["1.2"], "points": points}, 201)
    post(api_client, reviewer, url("event", bonus["id"], "verify"), {"comment": "属实"})
    post(api_client, reviewer, url("event", wrong["id"], "reject"), {"comment": "未入选"})
    post(api_client, reviewer, url("event", penalty["id"], "verify"), {})
    post(api_client, office, url("scheme", sid, "transition"), {"to": "review"})
    for sub in (sub_a, sub_b):
        assert post(api_client, reviewer, url("submission", sub, "accept"), {})["status"] == "accepted"

    # A before publication: its own row, provisional, without a rank; the office sees both, ranked.
    api_client.force_authenticate(a_editor)
    own = api_client.get(url("scheme", sid, "results")).json()
    assert [row["assessee"]["key"] for row in own] == [A] and own[0]["rank"] is None and own[0]["provisional"]

    post(api_client, office, url("scheme", sid, "transition"), {"to": "final"})
    assert post(api_client, office, url("scheme", sid, "transition"), {"to": "published"})["status"] == "published"

    # --- the published results, by hand -------------------------------------------------------------------------
    # A: 1.1 6 × 8/10 = 4.80; 1.2 mark 3; subtotal 1 = 7.80; 2: 2 landed ≥ target 2 → 4; bonus provincial 2
    #    (the national claim was rejected): 7.80 + 4 + 2 = 13.80 → 优秀 (≥ 12), rank 1.
    # B: 1.1 12 ≥ 10 → 6; 1.2 3.5; subtotal 9.50; 2: 0 landed < 1 → 0; penalty 1 event × 1 = −1: 8.50 → 合格.
    api_client.force_authenticate(b_editor)
    results = api_client.get(url("scheme", sid, "results")).json()
    rows = {row["assessee"]["key"]: row for row in results}
    assert set(rows) == {A, B}  # published: every county sees the ranking
    assert (rows[A]["total"], rows[A]["rank"], rows[A]["grade"]) == ("13.80", 1, "优秀")
    assert (rows[B]["total"], rows[B]["rank"], rows[B]["grade"]) == ("8.50", 2, "合格")
    assert rows[A]["subtotals"]["1"] == "7.80" and rows[B]["subtotals"]["1"] == "9.50"
    lines = {line["indicator"]: line for line in rows[A]["lines"]}
    assert (lines["1.1"]["actual"], lines["1.1"]["target"], lines["1.1"]["points"]) == ("8.0000", "10.0000", "4.80")
    assert lines["2"]["points"] == "4.00" and "landed_year=2026" in lines["2"]["records_url"]
    assert all(not row["provisional"] for row in results)
    assert Result.objects.filter(assessee__scheme_id=sid).count() == 2

    # --- the registry moves on; the published year does not ------------------------------------------------------
    tf.talent(units["330411001"], landed_on=LANDED)
    again = {row["assessee"]["key"]: row for row in api_client.get(url("scheme", sid, "results")).json()}
    assert again[B]["total"] == "8.50"
    live = {r.assessee.key: r.total for r in score_scheme(Scheme.objects.get(pk=sid))}
    assert live[B] == Decimal("12.50")  # B now reaches its landing target: 9.50 + 4 − 1
