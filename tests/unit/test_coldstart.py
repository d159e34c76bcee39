"""openclaw.coldstart: nothing happens unless the console script paused the collector; resume freezes and
turns it back on once. Each case runs in a fresh interpreter so the test process's collector is untouched."""

from __future__ import annotations

import json
import subprocess
import sys

CASES = {
    "untouched": "coldstart.resume()",
    "paused": "coldstart.pause()",
    "resumed": "coldstart.pause(); objs = [object() for _ in range(10)]; coldstart.resume(); coldstart.resume()",
    "already_off": "gc.disable(); coldstart.pause(); coldstart.resume()",
}


def _state(code: str) -> dict:
    script = ("import gc, json; from openclaw import coldstart\n" + code +
              "\nprint(json.dumps({'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count() > 0,"
              " 'paused': coldstart.paused()}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_resume_without_pause_changes_nothing():
    assert _state(CASES["untouched"]) == {"enabled": True, "frozen": False, "paused": False}


def test_pause_turns_the_collector_off():
    assert _state(CASES["paused"]) == {"enabled": False, "frozen": False, "paused": True}


def test_resume_freezes_and_turns_it_back_on_once():
    assert _state(CASES["resumed"]) == {"enabled": True, "frozen": True, "paused": False}


def test_a_collector_someone_else_turned_off_stays_off():
    assert _state(CASES["already_off"]) == {"enabled": False, "frozen": False, "paused": False}
