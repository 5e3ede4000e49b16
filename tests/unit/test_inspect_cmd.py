"""`hub inspect`: the live hub's verdict, exit 2 when anything is rejected, errors and warnings
told apart, control characters escaped, JSON printed once."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hub.entrypoints.inspect_cmd import inspect

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RELEASE = (SAMPLES / "demo/01_release.edi").read_bytes()


def _run(tmp_path: Path, body: bytes, *args: str) -> tuple[int, str]:
    path = tmp_path / "in.edi"
    path.write_bytes(body)
    result = CliRunner().invoke(inspect, [str(path), *args], env={"HUB_HUB_ID": "CPUHUB"})
    return result.exit_code, result.output


def test_a_good_file_exits_0(tmp_path: Path) -> None:
    code, out = _run(tmp_path, RELEASE)
    assert code == 0, out
    assert "ACCEPTED" in out


def test_a_truncated_interchange_exits_2(tmp_path: Path) -> None:
    code, out = _run(tmp_path, RELEASE.split(b"UNZ")[0])
    assert code == 2, out
    assert "REJECTED" in out and "no UNZ" in out


def test_a_file_whose_every_message_is_rejected_exits_2(tmp_path: Path) -> None:
    code, out = _run(tmp_path, RELEASE.replace(b"BGM+129+MSCREL20261123+9", b"BGM+129++7"))
    assert code == 2, out


def test_a_file_for_another_recipient_exits_2(tmp_path: Path) -> None:
    code, out = _run(tmp_path, RELEASE.replace(b"+CPUHUB:ZZZ+", b"+OTHERHUB:ZZZ+"))
    assert code == 2 and "OTHERHUB" in out, out


def test_errors_and_warnings_are_told_apart(tmp_path: Path) -> None:
    body = RELEASE.replace(b"UNT+12+1", b"UNT+99+1").replace(b"EQD+CN+FCIU9908030", b"EQD+CN+X")
    code, out = _run(tmp_path, body)
    assert code == 2
    lines = out.splitlines()
    assert any(line.strip().startswith("warning:") and "UNT" in line for line in lines), out
    assert any(line.strip().startswith("ERROR:") and "X" in line for line in lines), out


def test_line_breaks_inside_values_are_escaped(tmp_path: Path) -> None:
    body = RELEASE.replace(b"BGM+129+MSCREL20261123+9", b"BGM+129+MSC\r\nFAKE LINE\x1b[2J+9")
    _, out = _run(tmp_path, body)
    assert not any(line.startswith("FAKE LINE") for line in out.splitlines()), out
    assert "document=MSC\\r\\nFAKE LINE\\x1b[2J" in out and "\x1b" not in out


def test_json_prints_each_file_once(tmp_path: Path) -> None:
    code, out = _run(tmp_path, RELEASE, "--json")
    assert code == 0
    doc = json.loads(out)
    assert out.count('"control_ref": "MSC0000001"') == 1
    assert [f["verdict"] for f in doc["files"]] == ["accepted"]


def test_a_rejected_message_names_its_document_and_containers(tmp_path: Path) -> None:
    body = RELEASE.replace(b"BGM+129+MSCREL20261123+9", b"BGM+129+MSCREL20261123+7")
    code, out = _run(tmp_path, body, "--json")
    assert code == 2
    (message,) = json.loads(out)["files"][0]["interchanges"][0]["messages"]
    assert message["verdict"] == "rejected" and message["document"] == "MSCREL20261123"
    assert message["containers"] == ["MSCU1234566", "FCIU9908030"]
