"""Rosters as counties write them: other headers, other spellings of choices, org units without their suffix,
fields the ID number gives, a 联系电话 that may be a landline. Each roster is built here and imported through
``import_roster --apply``, as in the corpus of hostile rosters."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from talentportal.orgs.models import Membership, OrgUnit, Role, User
from talents.models import Enterprise, Talent
from talents.validators import make_resident_id

from .test_import_corpus import applied, cast, credit, csv_text, import_roster, rid, snapshot, write, xls, xlsx

pytestmark = pytest.mark.django_db
__all__ = ["cast"]

# -- a roster written the way county offices write them ------------------------------------------------------
HEADER = [
    "姓名",
    "身份证号码",
    "证件类型",
    "性别",
    "出生年月",
    "学历",
    "人才类别",
    "人才层次",
    "区县",
    "单位名称",
    "是否海归",
]
DEGREES = [
    ("博士研究生", "doctorate"),
    ("博士", "doctorate"),
    ("硕士研究生", "master"),
    ("研究生", "master"),
    ("大学本科", "bachelor"),
    ("本科", "bachelor"),
    ("大学专科", "college"),
    ("大专", "college"),
    ("专科", "college"),
    ("高职", "college"),
    ("中专", "other"),
    ("高中", "other"),
    ("高中及以下", "other"),
    ("初中", "other"),
]
GENDERS = [("男性", "male"), ("女性", "female"), ("M", "male"), ("F", "female"), ("男", "male"), ("", None)]
YES_NO = [
    ("是", True),
    ("否", False),
    ("Y", True),
    ("N", False),
    ("√", True),
    ("×", False),
    ("有", True),
    ("无", False),
    ("1", True),
    ("0", False),
]
ID_TYPES = [
    ("身份证", "resident_id"),
    ("港澳通行证", "hk_macau_permit"),
    ("台胞证", "taiwan_permit"),
    ("外国人永久居留证", "foreign_permanent_id"),
    ("", "resident_id"),
]
CATEGORIES = [
    ("专技人才", "professional"),
    ("高技能", "skilled"),
    ("社工人才", "social_work"),
    ("党政", "party_gov"),
    ("经管", "management"),
]
TIERS = [
    ("国家级领军", "national_leading"),
    ("省领军", "provincial_leading"),
    ("市领军", "municipal_leading"),
    ("顶尖", "top"),
    ("青年", "youth"),
]
# Within 南湖区's scope: by name without its suffix, by name, by code, a town without its suffix.
REGIONS = [("南湖", "330402"), ("南湖区", "330402"), ("330402", "330402"), ("凤桥", "330402101")]
MONTHS = ["1985.06", "1985年6月", "1985-06", "198506", ""]


def pick(values: list[Any], n: int) -> Any:
    return values[n % len(values)]


def roster_row(n: int) -> tuple[list[Any], dict[str, Any]]:
    """Row ``n`` of the county roster, and what it must store."""
    id_type, id_code = pick(ID_TYPES, n)
    gender, gender_code = pick(GENDERS, n)
    born = datetime.date(1985, 6, n + 1)
    if id_code == "resident_id":
        # An odd order code for a man; a row that leaves gender blank gets it from the number.
        number = make_resident_id("330402", born, 2 * n + (0 if gender_code == "female" else 1))
        birth = pick(MONTHS, n)
        gender_code = gender_code or "male"
    else:
        number = {"hk_macau_permit": f"H{10000000 + n}", "taiwan_permit": f"{20000000 + n}"}.get(
            id_code, f"ABC{n:012d}"
        )
        birth = born.isoformat()
    degree, degree_code = pick(DEGREES, n)
    category, category_code = pick(CATEGORIES, n)
    tier, tier_code = pick(TIERS, n)
    region, region_code = pick(REGIONS, n)
    returnee, returnee_value = pick(YES_NO, n)
    row = [f"人才{n}", number, id_type, gender, birth, degree, category, tier, region, "嘉兴学院", returnee]
    stored = {
        "id_type": id_code,
        "gender": gender_code or "",
        "birth_date": born,
        "highest_degree": degree_code,
        "category": category_code,
        "tier": tier_code,
        "org_unit__code": region_code,
        "employer_name": "嘉兴学院",
        "is_returnee": returnee_value,
    }
    return row, {"id_number": number, **stored}


ROWS = [roster_row(n) for n in range(len(DEGREES))]


def stored_talents() -> dict[str, dict[str, Any]]:
    fields = list(ROWS[0][1])
    return {t["id_number"]: t for t in Talent.objects.values(*fields)}


def csv_gbk(path: Path, rows: list[list[Any]]) -> Path:
    return write(path.with_suffix(".csv"), csv_text(rows).encode("gbk"))


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(xlsx, id="xlsx"),
        pytest.param(csv_gbk, id="gbk-csv"),
        pytest.param(xls, id="xls"),
    ],
)
def test_a_county_roster_is_imported_with_every_value_as_its_code(
    build: Callable[[Path, list[list[Any]]], Path], cast: dict[str, Any], tmp_path: Path
) -> None:
    path = build(
        tmp_path / "roster.xlsx" if build is xlsx else tmp_path / "roster.xls", [HEADER, *(r for r, _s in ROWS)]
    )
    imp = applied(path, created=len(ROWS))
    assert imp.counts["errors"] == 0
    assert imp.columns["unknown"] == []
    assert stored_talents() == {s["id_number"]: s for _r, s in ROWS}


# -- headers -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("id_header", "region_header"),
    [
        ("身份证号码", "区县"),
        ("公民身份号码", "所在县（市、区）"),
        ("身份证号", "所在县(市、区)*"),
        ("身份证\n号码", "所属区域（必填）"),
        (" 身份证号码 *", "县（市、区）"),
        ("身份证号码（必填）", "所属区域\n(必填)"),
        ("证件号码＊", "所在区县"),
    ],
)
def test_headers_as_counties_write_them(
    id_header: str, region_header: str, cast: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        [
            "姓 名",
            id_header,
            "人才类别*",
            "人才层次",
            region_header,
            "学 历",
            "手机",
            "联系\n电话",
            "出生年月",
            "是否海归",
        ],
        ["张伟", rid(1), "专技人才", "市级领军", "南湖", "硕士研究生", "13800000001", "0573-82345678", "1985.06", "是"],
    ]
    imp = applied(xlsx(tmp_path / "headers.xlsx", rows))
    assert imp.columns["unknown"] == []
    talent = Talent.objects.get()
    assert (talent.id_number, talent.org_unit.code, talent.highest_degree, talent.is_returnee) == (
        rid(1),
        "330402",
        "master",
        True,
    )
    assert (talent.phone, talent.birth_date) == ("13800000001", datetime.date(1985, 6, 1))


def test_a_header_closing_with_a_note(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        ["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "落地日期（yyyy-mm-dd）"],
        ["张伟", rid(1), "专技人才", "市领军", "南湖", "2024-03-01"],
    ]
    applied(xlsx(tmp_path / "note.xlsx", rows))
    assert Talent.objects.get().landed_on == datetime.date(2024, 3, 1)


# -- org units by name without their suffix --------------------------------------------------------------------
SHORT = ["姓名", "证件号码", "人才类别", "人才层次", "区县"]


def city_admin(units: dict[str, Any]) -> str:
    user = User.objects.create_user(username="jiaxing_admin", password="x")
    Membership.objects.create(user=user, org_unit=units["330400"], role=Role.ADMIN)
    return user.username


def test_a_county_named_without_its_suffix(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [SHORT, ["张伟", rid(1), "专技人才", "市领军", "嘉善"], ["李娜", rid(2), "专技人才", "市领军", "嘉兴"]]
    outcome = import_roster(xlsx(tmp_path / "city.xlsx", rows), user=city_admin(cast))
    assert outcome.error is None, outcome.output
    assert dict(Talent.objects.values_list("id_number", "org_unit__name")) == {rid(1): "嘉善县", rid(2): "嘉兴市"}


def test_a_short_name_outside_the_scope_is_refused(cast: dict[str, Any], tmp_path: Path) -> None:
    before = snapshot()
    outcome = import_roster(xlsx(tmp_path / "other.xlsx", [SHORT, ["张伟", rid(1), "专技人才", "市领军", "嘉善"]]))
    message = "“嘉善” is outside your scope; you can import rows of your own units only."
    assert f"row 2 · region · 嘉善: {message}" in outcome.output
    assert snapshot() == before


def test_an_ambiguous_short_name_names_its_candidates(cast: dict[str, Any], tmp_path: Path) -> None:
    OrgUnit.objects.create(code="330402003", name="南湖街道", kind=OrgUnit.Kind.TOWN, parent=cast["330402"])
    before = snapshot()
    outcome = import_roster(xlsx(tmp_path / "ambiguous.xlsx", [SHORT, ["张伟", rid(1), "专技人才", "市领军", "南湖"]]))
    message = "“南湖” may be 南湖区、南湖街道; write the unit's full name or code."
    assert f"row 2 · region · 南湖: {message}" in outcome.output
    assert snapshot() == before
    # The full name is not ambiguous.
    applied(xlsx(tmp_path / "full.xlsx", [SHORT, ["张伟", rid(1), "专技人才", "市领军", "南湖区"]]))


# -- what the ID number gives ----------------------------------------------------------------------------------
def test_birth_date_and_gender_come_from_the_id_number(cast: dict[str, Any], tmp_path: Path) -> None:
    woman = make_resident_id("330402", datetime.date(1990, 2, 3), 12)
    rows = [
        [*SHORT, "性别", "出生日期"],
        ["张伟", rid(1), "专技人才", "市领军", "南湖区", "", ""],
        ["李娜", woman, "专技人才", "市领军", "南湖区", None, None],
    ]
    applied(xlsx(tmp_path / "blank.xlsx", rows), created=2)
    assert {t.id_number: (t.gender, t.birth_date) for t in Talent.objects.all()} == {
        rid(1): ("male", datetime.date(1985, 6, 1)),
        woman: ("female", datetime.date(1990, 2, 3)),
    }


def test_without_the_columns_the_id_number_gives_them(cast: dict[str, Any], tmp_path: Path) -> None:
    applied(xlsx(tmp_path / "absent.xlsx", [SHORT, ["张伟", rid(1), "专技人才", "市领军", "南湖区"]]))
    talent = Talent.objects.get()
    assert (talent.gender, talent.birth_date) == ("male", datetime.date(1985, 6, 1))


@pytest.mark.parametrize("month", ["1985.06", "1985年6月", "1985-06", "198506", 1985.06, 198506])
def test_a_birth_month_agreeing_with_the_id_number(month: Any, cast: dict[str, Any], tmp_path: Path) -> None:
    applied(
        xlsx(tmp_path / "month.xlsx", [[*SHORT, "出生年月"], ["张伟", rid(1), "专技人才", "市领军", "南湖", month]])
    )
    assert Talent.objects.get().birth_date == datetime.date(1985, 6, 1)


def test_a_birth_month_disagreeing_with_the_id_number(cast: dict[str, Any], tmp_path: Path) -> None:
    before = snapshot()
    rows = [[*SHORT, "出生年月"], ["张伟", rid(1), "专技人才", "市领军", "南湖", "1985.07"]]
    outcome = import_roster(xlsx(tmp_path / "wrong.xlsx", rows))
    message = "The ID number gives the date of birth as 1985-06-01, but 1985-07 was entered."
    assert f"row 2 · date of birth · 1985.07: {message}" in outcome.output
    assert snapshot() == before


def test_a_birth_month_without_a_resident_id_asks_for_the_date(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [[*SHORT, "证件类型", "出生年月"], ["John", "P1234567", "专技人才", "市领军", "南湖", "护照", "1985.06"]]
    outcome = import_roster(xlsx(tmp_path / "passport.xlsx", rows))
    message = "“1985-06” gives the year and month only; enter the full date of birth, e.g. 1985-06-15."
    assert f"row 2 · date of birth · 1985.06: {message}" in outcome.output
    assert not Talent.objects.exists()


# -- phone numbers ---------------------------------------------------------------------------------------------
def test_contact_phone_takes_a_mobile_or_a_landline(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        [*SHORT, "联系电话"],
        ["张伟", rid(1), "专技人才", "市领军", "南湖", "138 0000 0001"],
        ["李娜", rid(2), "专技人才", "市领军", "南湖", "0573-82345678"],
    ]
    applied(xlsx(tmp_path / "phones.xlsx", rows), created=2)
    stored = {t.id_number: (t.phone, t.notes) for t in Talent.objects.all()}
    assert stored == {rid(1): ("13800000001", ""), rid(2): ("", "联系电话：057382345678")}
    # Imported again, nothing changes: the landline is in the notes once.
    outcome = import_roster(xlsx(tmp_path / "again.xlsx", rows))
    assert outcome.imp is not None and outcome.imp.counts["unchanged"] == 2


def test_a_landline_beside_a_mobile_is_kept_in_the_notes(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        [*SHORT, "手机", "联系电话", "备注"],
        ["张伟", rid(1), "专技人才", "市领军", "南湖", "13800000001", "0573-82345678", "博导"],
    ]
    applied(xlsx(tmp_path / "both.xlsx", rows))
    talent = Talent.objects.get()
    assert (talent.phone, talent.notes) == ("13800000001", "博导\n联系电话：057382345678")


def test_a_mobile_column_keeps_refusing_a_landline(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [[*SHORT, "手机号码"], ["张伟", rid(1), "专技人才", "市领军", "南湖", "0573-82345678"]]
    outcome = import_roster(xlsx(tmp_path / "mobile.xlsx", rows))
    message = "057382345678 is a landline number; enter a mobile number (11 digits starting with 13–19)."
    assert f"row 2 · mobile phone · 0573-82345678: {message}" in outcome.output
    assert not Talent.objects.exists()


def test_an_enterprise_contact_phone_may_be_a_landline(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        ["单位名称", "统一社会信用代码", "区县", "联系电话"],
        ["嘉兴甲科技有限公司", credit(1), "南湖", "0573-82345678"],
    ]
    applied(xlsx(tmp_path / "ent.xlsx", rows), kind="enterprises")
    assert Enterprise.objects.get().contact_phone == "057382345678"
