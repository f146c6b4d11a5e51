"""Run the reference worker's per-event extractors as a black box.

Used by tables_oracle_test.go (only when PEWSTATS_REF points at a checkout
of the reference project). Reads {"events": [...], "tracked": [...]} on
stdin and writes, for landings, kill positions, weapon kills, damage events,
knock events and finishing summaries, the reference's rows (or the name of
the exception it raised) as JSON on stdout. The worker module's database,
metrics and fight-tracking imports are replaced by empty stand-ins: none of
the functions run here touch them.
"""

import importlib
import json
import os
import sys
import types


def load(ref):
    src = os.path.join(ref, "src", "pewstats_collectors")
    for name, sub in [
        ("pewstats_collectors", ""),
        ("pewstats_collectors.core", "core"),
        ("pewstats_collectors.config", "config"),
        ("pewstats_collectors.processors", "processors"),
        ("pewstats_collectors.workers", "workers"),
    ]:
        pkg = types.ModuleType(name)
        pkg.__path__ = [os.path.join(src, sub)]
        sys.modules[name] = pkg
    dbm = types.ModuleType("pewstats_collectors.core.database_manager")
    dbm.DatabaseManager = object
    sys.modules[dbm.__name__] = dbm

    class Anything:
        def __getattr__(self, _):
            return lambda *a, **k: self

    metrics = types.ModuleType("pewstats_collectors.metrics")
    metrics.__getattr__ = lambda name: Anything()
    sys.modules[metrics.__name__] = metrics
    return importlib.import_module("pewstats_collectors.workers.telemetry_processing_worker").TelemetryProcessingWorker


def main():
    worker_cls = load(os.environ["PEWSTATS_REF"])
    doc = json.load(sys.stdin)
    events, tracked = doc["events"], set(doc.get("tracked") or [])
    w = worker_cls.__new__(worker_cls)
    w._get_tracked_players_set = lambda: tracked
    md = {"map_name": "Baltic_Main", "game_mode": "squad-fpp", "match_datetime": "2025-10-07T12:00:00Z"}
    out = {}
    for key, fn in [
        ("landings", w.extract_landings),
        ("kills", w.extract_kill_positions),
        ("weapons", w.extract_weapon_kill_events),
        ("damage", w.extract_damage_events),
        ("finishing", w.extract_finishing_metrics),
    ]:
        try:
            out[key] = fn(events, "m", md)
        except Exception as e:  # the reference fails the whole match on these
            out[key + "_error"] = type(e).__name__
    if "finishing" in out:
        out["knocks"], out["summaries"] = out.pop("finishing")
    json.dump(out, sys.stdout)


main()
