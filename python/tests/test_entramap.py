"""The wheel, installed in a fresh virtualenv (python/ci.sh): the command it brings, and the
Python API giving what the command gives on the repository's fixtures."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

import entramap

ROOT = Path(__file__).resolve().parents[2]
USERS = ROOT / "fixtures/users/sample.ndjson"
GROUPS = ROOT / "fixtures/groups/sample.ndjson"
CLOUD_SYNC = ROOT / "fixtures/schemas/cloud-sync-user.graph.json"


def command(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The `entramap` console script the wheel installed (next to this interpreter)."""
    exe = Path(sys.executable).parent / "entramap"
    return subprocess.run(
        [str(exe), *args], input=stdin, capture_output=True, text=True, cwd=ROOT
    )


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ---- the command ----------------------------------------------------------------------------


def test_the_command_from_the_wheel_runs_every_subcommand_with_the_same_exit_codes() -> None:
    version = command("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("entramap ")
    assert command("check", "-", stdin="ToLower([mail])").returncode == 0
    bad = command("check", "-", stdin="ToLower([mail]")
    assert bad.returncode == 1
    assert "error[" in bad.stdout
    assert command("map", "-m", "no-such-set", str(USERS)).returncode == 2
    ran = command("map", "-m", "code42", str(USERS), "-q")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.count("\n") > 9


def test_python_m_entramap_is_the_command_too() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "entramap", "functions"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert "SingleAppRoleAssignment" in out.stdout


# ---- evaluate, check, Expression ------------------------------------------------------------


def test_evaluate_gives_what_eval_gives() -> None:
    user = {"givenName": "Zoë", "surname": "Müller", "mail": "Zoe@Contoso.com"}
    for expression in [
        'NormalizeDiacritics(Join(".", [givenName], [surname]))',
        "ToLower([mail])",
        "Len([mail])",
        "IsPresent([mail])",
        'Split([mail], "@")',
    ]:
        out = command("eval", expression, "--input", json.dumps(user))
        assert out.returncode == 0, out.stderr
        value = entramap.evaluate(expression, user)
        shown = {True: "True", False: "False"}.get(value, value) if isinstance(value, bool) else value
        if isinstance(shown, list):
            assert json.loads(out.stdout) == shown
        else:
            assert out.stdout.strip() == str(shown), expression


def test_values_in_python_terms() -> None:
    assert entramap.evaluate("IsPresent([mail])", {"mail": "a@b.c"}) is True
    assert entramap.evaluate("Len([mail])", {"mail": "a@b.c"}) == 5
    assert entramap.evaluate("[mail]", {}) is None
    assert entramap.evaluate('Split("a,b", ",")', {}) == ["a", "b"]
    assert entramap.evaluate("Now()", {}, now="2021-08-25T17:41:18Z") == "8/25/2021 5:41:18 PM"
    lazy = entramap.evaluate(
        'IIF(IsPresent([a]), "yes", [missing])', {"a": "1"}, options={"iif_null": "lazy"}
    )
    assert lazy == "yes"


def test_check_gives_what_check_gives() -> None:
    text = "Join(\",\", [givenName], [surnme])"
    report = json.loads(command("check", "-", "--format", "json", stdin=text).stdout)
    found = entramap.check(text)
    assert [d.code for d in found] == [d["code"] for d in report["diagnostics"]]
    first = found[0]
    assert first.severity == "warning"
    assert (first.line, first.column) == (1, 24)
    assert first.help == "did you mean [surname]?"
    assert "^" in str(first) and first.code in str(first)


def test_expression_compiles_once_and_writes_the_service_tree() -> None:
    expression = entramap.Expression('IIF([country]="US", "USA", [country])')
    assert expression.evaluate({"country": "US"}) == "USA"
    assert str(expression) == 'IIF([country]="US", "USA", [country])'
    tree = expression.to_graph()
    assert [p["key"] for p in tree["parameters"]] == ["one", "two", "three", "four", "five"]
    graph = json.loads(
        command("parse", "--format", "graph", 'IIF([country]="US", "USA", [country])').stdout
    )
    assert tree == graph


def test_expression_error_lists_its_diagnostics() -> None:
    with pytest.raises(entramap.ExpressionError) as raised:
        entramap.Expression("ToLower([mail]")
    diagnostics = raised.value.diagnostics
    assert diagnostics and diagnostics[0].severity == "error"
    assert isinstance(raised.value, entramap.Error)


def test_evaluation_error() -> None:
    with pytest.raises(entramap.EvaluationError, match="index"):
        entramap.evaluate("Item([p], 3)", {"p": ["a", "b"]})


# ---- Mapping ---------------------------------------------------------------------------------


def test_map_gives_the_commands_requests_line_for_line() -> None:
    ran = command("map", "-m", "code42", str(USERS), "--groups", str(GROUPS), "-q")
    assert ran.returncode == 0, ran.stderr
    expected = [json.loads(line) for line in ran.stdout.splitlines()]
    run = entramap.Mapping("code42").map(lines(USERS), groups=lines(GROUPS))
    assert run.requests == expected
    assert "body" not in run.requests[0]
    assert run.summary["records"] == len(lines(USERS)) + len(lines(GROUPS))
    assert run.summary["failed"] == 0
    assert run.errors == []


def test_map_converts_only_the_attributes_the_mapping_reads() -> None:
    # An attribute no mapping reads is not converted (a datetime there is no error) and
    # changes nothing; one it reads, in any spelling the engine matches, is converted.
    users = lines(USERS)
    extra = [dict(u, lastSignIn=datetime.datetime(2026, 1, 1), Photo=b"\x89PNG") for u in users]
    code42 = entramap.Mapping("code42")
    assert code42.map(extra).requests == code42.map(users).requests
    renamed = [{("DEPARTMENT" if k == "department" else k): v for k, v in u.items()} for u in users]
    assert code42.map(renamed).requests == code42.map(users).requests
    with pytest.raises(entramap.InputError, match=r"users\[0\]\[\"department\"\]"):
        code42.map([dict(users[0], department=datetime.datetime(2026, 1, 1))])


def test_values_are_what_map_sends() -> None:
    code42 = entramap.Mapping("code42")
    run = code42.map(lines(USERS))
    posts = {r["body"]["userName"]: r["body"] for r in run.requests if r["method"] == "POST"}
    assert posts
    compared = 0
    for user in lines(USERS):
        values = code42.values(user)
        body = posts.get(values["userName"])
        if body is None:
            continue  # not created (out of scope, soft-deleted): nothing to compare
        for target in ["userName", "externalId", "active", "title"]:
            assert values[target] == body.get(target), target
        compared += 1
    assert compared == len(posts)


def test_map_pulls_any_iterable_and_keeps_state_across_runs() -> None:
    def users() -> Iterator[dict[str, Any]]:
        yield from lines(USERS)

    code42 = entramap.Mapping("code42")
    first = code42.map(users())
    assert first.state and {"kind", "sourceId", "targetId"} <= set(first.state[0])
    # The app now holds what the first run created: a second run against it updates nothing.
    current = []
    for request in first.requests:
        if request["method"] == "POST":
            body = dict(request["body"])
            link = next(s for s in first.state if s["sourceId"] == body.get("externalId"))
            body["id"] = link["targetId"]
            current.append(body)
    second = code42.map(users(), current=current, state=first.state)
    assert second.summary["created"] == 0
    assert second.summary["records"] == first.summary["records"]


def test_mapping_from_graph_reads_a_cloud_sync_schema_without_a_flag() -> None:
    schema = json.loads(CLOUD_SYNC.read_text())
    mapping = entramap.Mapping.from_graph(schema)
    values = mapping.values(
        {"pwdLastSet": "132772253564048004", "userAccountControl": "66048", "sAMAccountName": "adele"}
    )
    assert values["LastPasswordChangeTimestamp"] == "20210927140916.0Z"
    assert values["AccountEnabled"] is True
    assert values["onPremisesUserPrincipalName"] == "adele@contoso.com"
    with pytest.raises(entramap.EvaluationError, match="onPremisesUserPrincipalName"):
        mapping.values({"userAccountControl": "66048"})  # Error("AccountName is not present")
    assert entramap.Mapping(CLOUD_SYNC).name == "cloud-sync-user.graph"


def test_a_failing_record_is_an_error_record_and_counts_add_up() -> None:
    users = lines(USERS) + [{"objectId": "x", "userPrincipalName": ["a", "b"], "accountEnabled": "maybe"}]
    run = entramap.Mapping("code42").map(users)
    assert run.summary["records"] == len(users)
    assert sum(v for k, v in run.summary.items() if k != "records") == len(users)


# ---- bad input ---------------------------------------------------------------------------------


def test_bad_input_names_what_and_where() -> None:
    code42 = entramap.Mapping("code42")
    with pytest.raises(entramap.InputError, match=r"users\[1\] is a list, not a dict"):
        code42.map([{"objectId": "1"}, ["not", "a", "dict"]])

    def broken() -> Iterator[dict[str, Any]]:
        yield {"objectId": "1", "userPrincipalName": "a@b.c"}
        raise RuntimeError("the HR feed went away")

    with pytest.raises(entramap.InputError, match=r"users\[1\]: the iterable raised") as raised:
        code42.map(broken())
    assert isinstance(raised.value.__cause__, RuntimeError)
    with pytest.raises(entramap.InputError, match="user is a str"):
        entramap.evaluate("[mail]", "mail")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        entramap.evaluate(42, {})  # type: ignore[arg-type]
    with pytest.raises(entramap.InputError, match="options"):
        entramap.evaluate("[mail]", {}, options={"no_such_option": 1})
    with pytest.raises(entramap.MappingError, match="no mapping set or file"):
        entramap.Mapping("no-such-set")
    with pytest.raises(entramap.InputError, match="state"):
        code42.map([], state=[{"kind": "users"}])


def test_ctrl_c_interrupts_a_long_map() -> None:
    def endless() -> Iterator[dict[str, Any]]:
        n = 0
        while True:
            n += 1
            yield {"objectId": str(n), "userPrincipalName": f"u{n}@contoso.com"}

    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        entramap.Mapping("code42").map(endless())
    assert time.monotonic() - started < 30
