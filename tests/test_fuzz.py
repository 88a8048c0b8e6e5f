"""Fuzzing: mutated copies of a valid workbook (byte flips in the zip, edited or deleted XML parts,
truncations, sheets grown far down or right, tags with thousands of attributes) never make
`check` raise; each gives a result with Chinese findings.

`make test` runs a short, derandomized pass; `make fuzz` runs 10,000 random cases
(NIANBAO_FUZZ_EXAMPLES sets the number).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.check.check import check

from .conftest import FORM, SAMPLES

BASE = next((SAMPLES / "returned").glob("QK005-*.xlsx")).read_bytes()
PARTS = zipfile.ZipFile(io.BytesIO(BASE)).namelist()
XML_PARTS = [p for p in PARTS if p.endswith((".xml", ".rels"))]
EXAMPLES = int(os.environ.get("NIANBAO_FUZZ_EXAMPLES", "60"))
RANDOM = "NIANBAO_FUZZ_EXAMPLES" in os.environ  # `make fuzz` explores; `make test` repeats


def _rezip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def _parts() -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(BASE))
    return {name: archive.read(name) for name in archive.namelist()}


# Each strategy draws a small description of a mutation (shown when a case fails), not the bytes.
flips = st.tuples(
    st.just("flip"),
    st.lists(
        st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255)), min_size=1, max_size=30
    ),
)
truncations = st.tuples(st.just("truncate"), st.integers(0, len(BASE) - 1))
deletions = st.tuples(st.just("delete"), st.sampled_from(PARTS))
xml_edits = st.tuples(
    st.just("edit"),
    st.tuples(
        st.sampled_from(XML_PARTS),
        st.floats(0, 1),
        st.integers(0, 300),
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "<",
                    ">",
                    "&",
                    "</c>",
                    '<c r="D7">',
                    "<v>-1</v>",
                    "<f>1/0</f>",
                    "<!DOCTYPE x>",
                    "\x00",
                    "<v>1e309</v>",
                    'r="ZZZ99999999"',
                ]
            ),
        ),
    ),
)


# Growth: one cell far down or far right of a sheet (a grid a reader must not build), and
# thousands of attributes on one tag (a pattern must not backtrack over them).
SHEET_PARTS = [p for p in PARTS if p.startswith("xl/worksheets/") and p.endswith(".xml")]
grows = st.tuples(
    st.just("grow"),
    st.tuples(st.sampled_from(SHEET_PARTS), st.integers(1, 1_048_576), st.integers(0, 16_383)),
)
attributes = st.tuples(
    st.just("attributes"),
    st.tuples(st.sampled_from(XML_PARTS), st.floats(0, 1), st.integers(1_000, 5_000)),
)
_START_TAG = re.compile(r"<[A-Za-z][\w:.-]*")


def _grow(body: str, row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    ref = xl_rowcol_to_cell(row - 1, col)
    body = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{ref}"/>', body, count=1)
    return body.replace(
        "</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>', 1
    )


def _attributes(body: str, where: float, count: int) -> str:
    tags = list(_START_TAG.finditer(body))
    tag = tags[min(len(tags) - 1, int(where * len(tags)))]
    added = "".join(f' a{i}r="A1"' for i in range(count))
    return body[: tag.end()] + added + body[tag.end() :]


def mutate(kind: str, spec: object) -> bytes:
    if kind == "flip":
        data = bytearray(BASE)
        for offset, value in spec:  # type: ignore[union-attr]
            data[offset] = value
        return bytes(data)
    if kind == "truncate":
        return BASE[: int(spec)]  # type: ignore[call-overload]
    if kind == "delete":
        return _rezip({k: v for k, v in _parts().items() if k != spec})
    if kind in ("grow", "attributes"):
        name, first, second = spec  # type: ignore[misc]
        parts = _parts()
        body = parts[name].decode("utf-8")
        grown = _grow(body, first, second) if kind == "grow" else _attributes(body, first, second)
        parts[name] = grown.encode("utf-8")
        return _rezip(parts)
    name, where, length, text = spec  # type: ignore[misc]
    parts = _parts()
    body = parts[name].decode("utf-8", "replace")
    start = int(where * len(body))
    parts[name] = (body[:start] + text + body[start + length :]).encode("utf-8", "surrogatepass")
    return _rezip(parts)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.one_of(flips, truncations, deletions, xml_edits, grows, attributes))
def test_mutated_workbooks_never_crash_the_checker(mutation: tuple[str, object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "变异.xlsx"
        path.write_bytes(mutate(*mutation))
        report = check([path], year=2023, form=FORM)
    (result,) = report.files
    assert result.status in ("passed", "warnings", "failed", "unreadable")
    for finding in result.findings:
        assert finding.message and "{" not in finding.message
