"""Run one destination export against `serve` and SIGKILL itself at a chosen point (used by the crash test).

argv: base_url journal_path ids_path log_path mode call
mode `after_response`: die right after Salesforce answered the call-th update (applied, not journaled);
mode `before_send`: die right before sending it (journaled as pending, never sent).
Every update Salesforce confirmed is appended to log_path before anything else happens.
"""
from __future__ import annotations

import json
import os
import signal
import sys

import requests

from connector.destination import ActivationJournal, Destination, SegmentMapping, standard_mapping
from dest_helpers import NO_WAIT, Target, UpdateCounter, profile


class KillingSession(requests.Session):
    def __init__(self, mode: str, call: int) -> None:
        super().__init__()
        self.mode, self.call, self.sends = mode, call, 0

    def send(self, request, **kw):
        if request.method == "PATCH" and request.url.endswith("/composite/sobjects"):
            self.sends += 1
            if self.mode == "before_send" and self.sends == self.call:
                os.kill(os.getpid(), signal.SIGKILL)
        return super().send(request, **kw)


def main() -> None:
    base_url, journal_path, ids_path, log_path, mode, call = sys.argv[1:7]
    session = KillingSession(mode, int(call))
    log = open(log_path, "a", encoding="utf-8")

    def logged(calls: int) -> None:
        log.write(json.dumps(dict(counter.applied)) + "\n")
        log.flush()
        os.fsync(log.fileno())
        counter.applied.clear()
        if mode == "after_response" and calls == int(call):
            os.kill(os.getpid(), signal.SIGKILL)

    counter = UpdateCounter(after_call=logged).install(session)
    target = Target(base_url, session, lambda *a, **k: None, base_url)
    ids = json.load(open(ids_path, encoding="utf-8"))
    destination = Destination.activate(target.client(), target.config(), ActivationJournal(journal_path),
                                       standard_mapping("Contact"), [SegmentMapping("seg-a", "Segment_A__c")])
    destination.client.retry = NO_WAIT
    destination.export([profile(i, rid, {"seg-a": "realized"}) for i, rid in enumerate(ids)])
    raise SystemExit("the export finished: the kill point was never reached")


if __name__ == "__main__":
    main()
