"""A second, different form file (tests/forms/city-brief.toml) through every command with --form:
generate, a clerk's fill, check (clean and with planted errors), feedback, rollup, render, import
and compare; files of another form are a finding, and a bad form file is a Chinese message with
exit code 2."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.form.contract import file_name, identity_for
from toolkit.form.fill import Fill
from toolkit.form.form import Form
from toolkit.form.form_file import load_form
from toolkit.form.identity import read_key
from toolkit.inputs.roster import Agency
from toolkit.template.workbook import write_workbook

from .conftest import FORM, ROOT, SAMPLES

CITY_FILE = Path(__file__).resolve().parent / "forms" / "city-brief.toml"
CITY = load_form(CITY_FILE)
YEAR, DISTRICT, PASSWORD, ISSUED_AT = 2025, "示例市", "city-pw", "2025-12-01T09:00:00"
AGENCIES = (
    Agency(code="SZ001", name="市发展和改革委员会"),
    Agency(code="SZ002", name="市教育局"),
    Agency(code="SZ003", name="市民政局"),
)
runner = CliRunner()


def _run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], terminal_width=200)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _requests(**rows: tuple[int, int]) -> dict[str, float]:
    """The 依申请公开 inputs, (公民, 法人或其他组织) per row; rows not named are 0."""
    keys = ("received", "carried_in", "granted", "refused", "other", "carried_out")
    out: dict[str, float] = {}
    for row in keys:
        citizens, organisations = rows.get(row, (0, 0))
        out[f"requests.{row}.citizens"] = citizens
        out[f"requests.{row}.organisations"] = organisations
    return out


# What three clerks type. SZ001 and SZ002 are right; SZ003 breaks the balance of the 公民 column
# (7 + 1 received, 3 + 1 + 1 handled, 2 carried out: 8 against 7), leaves 总体情况 blank (only a
# full-width space), reports a refusal without saying so, and quotes another figure.
FILLS = {
    "SZ001": Fill(
        values={
            "active.policies.count": 12,
            "active.interpretations.count": 5,
            "active.decisions.count": 2,
        }
        | _requests(
            received=(5, 2),
            carried_in=(1, 0),
            granted=(3, 1),
            refused=(1, 0),
            other=(1, 1),
            carried_out=(1, 0),
        ),
        texts={
            "a.summary": "本年通过门户网站主动公开政策文件12件。",
            "a.requests": "本年收到申请7件，其中不予公开1件（属于国家秘密）。",
            "d.issues": "公开及时性有待提高，将建立周调度机制。",
        },
    ),
    "SZ002": Fill(
        values={"active.policies.count": 3},
        texts={
            "a.summary": "本年主动公开政策文件3件。",
            "a.requests": "本年收到申请0件。",
            "d.issues": "政策解读偏少，明年增加图解。",
        },
    ),
    "SZ003": Fill(
        values=_requests(
            received=(7, 0),
            carried_in=(1, 0),
            granted=(3, 0),
            refused=(1, 0),
            other=(1, 0),
            carried_out=(2, 0),
        ),
        texts={"a.summary": "\u3000", "a.requests": "本年收到申请9件。", "d.issues": "无。"},
    ),
}
PLANTED = {"city-balance", "city-summary-required", "city-refusal-note", "city-text-figure"}


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The templates of the city form, as `nianbao generate --form` writes them."""
    folder = tmp_path_factory.mktemp("city")
    roster = folder / "roster.csv"
    lines = ["单位代码,单位名称,联系人,电子邮箱", *(f"{a.code},{a.name},张敏," for a in AGENCIES)]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = _run("generate", "--form", CITY_FILE, "--roster", roster, "--year", YEAR,
                     "--district", DISTRICT, "--password", PASSWORD, "--generated-at", ISSUED_AT,
                     "--out", folder / "issued")  # fmt: skip
    assert code == 0, out
    assert "已生成 3 个模板" in out
    return folder / "issued"


@pytest.fixture(scope="module")
def returned(issued: Path) -> Path:
    """The three reports as the clerks send them back: each template filled in with its agency's
    figures and texts (the same template, same identity and token, the clerk's values)."""
    folder = issued.parent / "returned"
    folder.mkdir()
    key = read_key(issued)
    stamp = datetime.fromisoformat(ISSUED_AT)
    for agency in AGENCIES:
        name = file_name(CITY, agency, YEAR)
        assert (issued / name).is_file()  # the file the office sent
        write_workbook(
            folder / name,
            form=CITY,
            identity=identity_for(CITY, agency, YEAR, DISTRICT, stamp, key),
            password=PASSWORD,
            fill=FILLS[agency.code],
        )
    return folder


def _findings(report: Path) -> dict[str, list[dict[str, str]]]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return {Path(f["path"]).name.split("-")[0]: f["findings"] for f in data["files"]} | {
        "": data["batch_findings"]
    }


def test_templates_follow_the_city_form(issued: Path) -> None:
    files = sorted(issued.glob("*.xlsx"))
    assert [p.name for p in files] == [
        f"{a.code}-{a.name}-2025年市直部门政府信息公开工作简报.xlsx" for a in AGENCIES
    ]
    book = openpyxl.load_workbook(files[0])
    assert [n for n in book.sheetnames if n != "填报说明"] == [
        "概况", "主动公开数据", "申请办理数据", "问题改进", "_meta"
    ]  # fmt: skip
    labels = {c.value for row in book["申请办理数据"].iter_rows() for c in row if c.value}
    assert {"一、本年收到申请", "（二）不予公开", "四、结转下年", "法人或其他组织"} <= labels
    assert "一、本年新收政府信息公开申请数量" not in labels
    meta = dict(book["_meta"].iter_rows(max_col=2, values_only=True))
    assert (meta["form_id"], meta["form_version"]) == ("city-gov-info-brief", "2024")


def test_clean_reports_pass(issued: Path, returned: Path, tmp_path: Path) -> None:
    clean = [p for p in returned.glob("*.xlsx") if not p.name.startswith("SZ003")]
    code, out = _run("check", *clean, "--form", CITY_FILE, "--year", YEAR, "--district", DISTRICT,
                     "--issued", issued, "--json", tmp_path / "check.json")  # fmt: skip
    assert code == 0, out
    assert "已用单位校验密钥核验" in out
    found = _findings(tmp_path / "check.json")
    assert found == {"SZ001": [], "SZ002": [], "": []}


def test_planted_errors_are_found_with_feedback(
    issued: Path, returned: Path, tmp_path: Path
) -> None:
    code, out = _run("check", returned, "--form", CITY_FILE, "--year", YEAR, "--district", DISTRICT,
                     "--issued", issued, "--json", tmp_path / "check.json",
                     "--xlsx", tmp_path / "审核结果.xlsx", "--feedback", tmp_path / "意见",
                     "--password", PASSWORD)  # fmt: skip
    assert code == 1, out
    found = _findings(tmp_path / "check.json")
    assert found["SZ001"] == found["SZ002"] == []
    assert {f["code"] for f in found["SZ003"]} == PLANTED
    balance = [f for f in found["SZ003"] if f["code"] == "city-balance"]
    assert {f["sheet"] for f in balance} == {"申请办理数据"}
    assert sorted(f["message"].split("”")[0] for f in balance) == ["“公民", "“合计"]
    assert all("相差1" in f["message"] for f in balance)
    # The findings workbook's rulebook is the city form's.
    rules = openpyxl.load_workbook(tmp_path / "审核结果.xlsx")["规则说明"]
    listed = {c.value for row in rules.iter_rows() for c in row}
    assert {r.id for r in CITY.rules} <= listed and "t3-balance" not in listed
    # The feedback copy is rebuilt from the city template, with the clerk's figures.
    (copy,) = (tmp_path / "意见").glob("*.xlsx")
    assert copy.name.startswith("SZ003-市民政局-2025年市直部门政府信息公开工作简报")
    book = openpyxl.load_workbook(copy)
    assert {"审核意见", "概况", "申请办理数据"} <= set(book.sheetnames)
    email = (tmp_path / "意见" / "SZ003.txt").read_text(encoding="utf-8")
    assert "收到加结转等于办结加结转下年" in email or "相差1" in email
    # The corrected copy, sent straight back, is checked like any report of the city form.
    code, out = _run("check", copy, "--form", CITY_FILE, "--year", YEAR, "--json",
                     tmp_path / "again.json")  # fmt: skip
    again = next(iter(_findings(tmp_path / "again.json").values()))
    assert "unknown-form" not in {f["code"] for f in again}
    assert "city-balance" in {f["code"] for f in again}  # not corrected yet


def test_rollup_sums_the_city_tables(issued: Path, returned: Path, tmp_path: Path) -> None:
    out = tmp_path / "示例市汇总.xlsx"
    code, text = _run("rollup", returned, "--form", CITY_FILE, "--year", YEAR, "--district",
                      DISTRICT, "--issued", issued, "--out", out, "--csv", tmp_path / "long.csv",
                      "--generated-at", "2026-02-01T09:00:00")  # fmt: skip
    assert code == 0, text
    assert "计入 2 个单位" in text and "未计入 1 份文件" in text
    with (tmp_path / "long.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert {r["table"] for r in rows} == {"active", "requests"}
    total = sum(
        float(r["value"]) for r in rows if (r["row_key"], r["col_key"]) == ("received", "total")
    )
    assert total == 7  # SZ001's 7 and SZ002's 0; SZ003 (errors) is left out
    book = openpyxl.load_workbook(out)
    meta = dict(book["_meta"].iter_rows(max_col=2, values_only=True))
    assert meta["form_id"] == "city-gov-info-brief"
    # Last year's rollup of the city form cannot stand in for the national form's last year.
    code, text = _run("check", next(SAMPLES.joinpath("returned").glob("QK005-*.xlsx")),
                      "--year", 2023, "--previous", out)  # fmt: skip
    assert code == 2
    assert "上年汇总表" in text and "city-gov-info-brief" in text
    assert "Traceback" not in text


def test_render_writes_the_city_reports_and_the_draft_from_its_own_form(
    issued: Path, returned: Path, tmp_path: Path
) -> None:
    """`render --form`: an agency's report in the city form's sections and labels, and the draft
    from the city rollup with the one sentence the city form declares (its figure family `new`)."""
    rolled = tmp_path / "示例市汇总.xlsx"
    code, text = _run("rollup", returned, "--form", CITY_FILE, "--year", YEAR, "--district",
                      DISTRICT, "--issued", issued, "--out", rolled)  # fmt: skip
    assert code == 0, text
    first = next(returned.glob("SZ001-*.xlsx"))
    code, text = _run("render", first, rolled, "--form", CITY_FILE, "--issued", issued,
                      "--out", tmp_path / "out", "--format", "html")  # fmt: skip
    assert code == 0, text
    report = next((tmp_path / "out").glob("SZ001-*.html")).read_text(encoding="utf-8")
    assert "市直部门政府信息公开工作简报" in report and "三、依申请公开情况" in report
    draft = next((tmp_path / "out").glob("示例市*.html")).read_text(encoding="utf-8")
    assert f"{YEAR}年，全区共收到申请7件。" in draft
    assert "本报告根据全区2个单位报送" in draft
    assert "另有1个单位报送的年度报告未计入汇总" in draft and "市民政局" in draft


def test_import_and_compare_read_the_city_reports_by_their_own_title(
    issued: Path, returned: Path, tmp_path: Path
) -> None:
    """The city reports as published (rendered, one figure changed after the check) come back in
    with `import --form` (their title is the city form's, not 年度报告) and `compare --form` finds
    the changed figure and nothing else."""
    roster = issued.parent / "roster.csv"
    code, text = _run("render", returned, "--form", CITY_FILE, "--issued", issued,
                      "--out", tmp_path / "out", "--format", "html,docx")  # fmt: skip
    assert code == 1, text  # SZ003 has errors: no report for it
    first = next((tmp_path / "out").glob("SZ001-*.html"))
    page = first.read_text(encoding="utf-8")
    assert page.count(">12</td>") == 1  # 政策文件 12 件, as checked
    first.write_text(page.replace(">12</td>", ">13</td>"), encoding="utf-8")
    code, text = _run("import", *sorted((tmp_path / "out").glob("SZ*.html")), "--form", CITY_FILE,
                      "--roster", roster, "--district", DISTRICT, "--out", tmp_path / "imported")  # fmt: skip
    assert code == 0, text
    assert "已导入 2 个" in text and "市发展和改革委员会（SZ001）2025年" in text
    code, text = _run("compare", "--published", tmp_path / "imported", "--submitted", returned,
                      "--form", CITY_FILE, "--issued", issued, "--xlsx", tmp_path / "d.xlsx")  # fmt: skip
    assert code == 1, text
    assert "一致：市教育局（SZ002）" in text
    assert "比对 2 个单位，1 个有差异" in text
    rows = list(openpyxl.load_workbook(tmp_path / "d.xlsx").worksheets[0].values)
    changed = [r for r in rows if "13" in [str(v) for v in r]]
    assert len(changed) == 1 and "12" in [str(v) for v in changed[0]], rows
    # The Word reports (unchanged) need no import first: compare reads them as published.
    word = tmp_path / "word"
    word.mkdir()
    for report in (tmp_path / "out").glob("SZ*.docx"):
        shutil.copy(report, word)
    code, text = _run("compare", "--published", word, "--submitted", returned,
                      "--form", CITY_FILE, "--issued", issued)  # fmt: skip
    assert "一致：市发展和改革委员会（SZ001）" in text and "一致：市教育局（SZ002）" in text
    assert "比对 2 个单位，0 个有差异" in text and "只有报送 1 个" in text, text
    assert code == 1  # SZ003 has no published report yet


def test_a_file_of_the_other_form_is_a_finding(returned: Path, tmp_path: Path) -> None:
    national = next(SAMPLES.joinpath("returned").glob("QK005-*.xlsx"))
    city = next(returned.glob("SZ001-*.xlsx"))
    code, out = _run("check", national, "--form", CITY_FILE, "--json", tmp_path / "a.json")
    assert code == 1, out
    (findings,) = [v for k, v in _findings(tmp_path / "a.json").items() if k]
    assert [f["code"] for f in findings] == ["unknown-form"]
    assert "city-gov-info-brief" in findings[0]["message"]
    code, out = _run("check", city, "--json", tmp_path / "b.json")  # the bundled form
    assert code == 1, out
    (findings,) = [v for k, v in _findings(tmp_path / "b.json").items() if k]
    assert [f["code"] for f in findings] == ["unknown-form"]
    assert FORM.id in findings[0]["message"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "无法读取表式定义文件"),
        ("[form\nid = 1", "格式错误"),
        ('[form]\nid = "x"', "缺少键"),
        ("form = 1\nsections = 2\ntables = {}\nrules = 3", "表式定义文件"),
        (CITY_FILE.read_text(encoding="utf-8").replace("first_year = 2024", 'first_year = "二〇二四"'),
         "内容有误"),
        (CITY_FILE.read_text(encoding="utf-8").replace('rules]]\nid = "city-balance"',
                                                       'rules]]\nid = 7'), "id 7"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["generate", "check", "rollup", "send", "collect"])
def test_a_bad_form_file_is_a_chinese_message_and_exit_2(
    tmp_path: Path, command: str, text: str | None, message: str
) -> None:
    bad = tmp_path / "bad.toml"
    if text is not None:
        bad.write_text(text, encoding="utf-8")
        figures = CITY_FILE.with_name("city-brief-figures.toml")  # the families file it names
        (tmp_path / figures.name).write_bytes(figures.read_bytes())
    args: list[str | Path] = {
        "generate": ["generate", "--agency-code", "A1", "--agency-name", "某局", "--year", YEAR,
                     "--out", tmp_path / "out"],
        "check": ["check", SAMPLES / "returned"],
        "rollup": ["rollup", SAMPLES / "returned", "--out", tmp_path / "r.xlsx"],
        "send": ["send", tmp_path, "--dry-run", tmp_path / "out", "--sender", "a@example.org"],
        "collect": ["collect", "--imap", "localhost:1", "--user", "u", "--out", tmp_path / "out"],
    }[command]  # fmt: skip
    code, out = _run(*args, "--form", bad)
    assert code == 2, out
    assert out.startswith("错误：") and message in out, out
    assert "Traceback" not in out
    assert not (tmp_path / "out").exists() and not (tmp_path / "r.xlsx").exists()


def test_every_command_offers_form() -> None:
    """Every command, those added later included (declare it with cli_support.FormOption)."""
    import typer.main

    commands = sorted(typer.main.get_command(app).commands)
    assert {"generate", "check", "rollup"} <= set(commands)
    # These work on a workspace only, whose form is the one `init --form` recorded.
    for command in set(commands) - WORKSPACE_ONLY:
        code, out = _run(command, "--help")
        assert code == 0 and "--form" in out and "表式定义文件" in out, command
    for command in WORKSPACE_ONLY:
        code, out = _run(command, "--help")
        assert code == 0 and "--workspace" in out and "nianbao init" in out, command


WORKSPACE_ONLY = {"status", "choose", "outbox"}


def test_the_second_form_differs_where_it_should(form: Form) -> None:
    """The proof is only worth something if the city form is really another form."""
    assert CITY.id != form.id and CITY.version != form.version
    assert not {s.sheet for s in CITY.sections} & {s.sheet for s in form.sections}
    assert len(CITY.cells) < len(form.cells) / 5
    assert not {r.id for r in CITY.rules} & {r.id for r in form.rules}


def test_no_library_module_picks_the_standard_form() -> None:
    """Only the command line (cli_support._form) and form_file itself name the bundled form: every
    other module is given the form it works with."""
    allowed = {"form_file.py", "cli_support.py"}
    # toolkit/__init__.py names it for a script to call (the public API), and picks nothing.
    for path in sorted((ROOT / "toolkit").rglob("*.py")):
        if path == ROOT / "toolkit" / "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert path.name in allowed or "standard_form" not in text, (
            f"{path.relative_to(ROOT)} picks the standard form itself; take a `form` parameter instead"
        )
