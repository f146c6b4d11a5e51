"""Run the reference worker's aggregate extractors as a black box.

Used by oracle_test.go (only when PEWSTATS_REF points at a checkout of the
reference project). Reads {"events": [...], "tracked": [...]} on stdin and
writes the reference's outputs as JSON on stdout. The worker module imports
a database driver and Prometheus; those are replaced by empty stand-ins,
because none of the functions exercised here touch them.
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
    ftp = importlib.import_module("pewstats_collectors.processors.fight_tracking_processor")
    tpw = importlib.import_module("pewstats_collectors.workers.telemetry_processing_worker")
    return ftp.FightTrackingProcessor, tpw.TelemetryProcessingWorker


def plain(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def main():
    fight_cls, worker_cls = load(os.environ["PEWSTATS_REF"])

    class Patched(fight_cls):
        # The port's one fix to fight tracking: an engagement in which only
        # NPCs/bots took part is not a fight. Unpatched, the reference raises
        # in _determine_fight_outcome (max() of an empty sequence) whenever
        # such an engagement has two casualties, failing the whole match.
        def _is_fight(self, engagement, all_events):
            if not engagement["teams"]:
                return (False, "only NPCs took part")
            return super()._is_fight(engagement, all_events)

    doc = json.load(sys.stdin)
    events, tracked = doc["events"], set(doc.get("tracked") or [])
    out = {}
    try:
        out["fights"] = plain(Patched().process_match_fights(events, "m", {}))
    except Exception as e:
        out["fights_error"] = f"{type(e).__name__}: {e}"
    w = worker_cls.__new__(worker_cls)
    w._get_tracked_players_set = lambda: tracked
    out["items"] = w.extract_item_usage(events, "m", {})
    out["advanced"] = w.extract_advanced_stats(events, "m", {})
    agg, positions = w.extract_circle_tracking(events, "m", {})
    out["circle"] = agg
    out["positions"] = positions
    out["weapons"] = w.extract_weapon_distribution(events, "m", {})
    json.dump(plain(out), sys.stdout)


main()
