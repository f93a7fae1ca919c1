"""Runs inside bench/.venv-mockforce: the selective-lookup workload on simple-mockforce.

Loads N Contacts straight into simple-mockforce's in-memory VirtualSalesforce
(``virtual_salesforce.data["Contact"]``: appending dicts, as its ``create`` does
minus the per-record HTTP mock), then times ``simple_salesforce.Salesforce.query``
under ``@mock_salesforce``. Prints one JSON object on stdout.

    bench/.venv-mockforce/bin/python bench/mockforce_worker.py ROWS REPEAT
"""
import json
import logging
import statistics
import sys
import time

from simple_mockforce import mock_salesforce
from simple_mockforce.virtual import virtual_salesforce
from simple_salesforce import Salesforce

logging.disable(logging.WARNING)  # VirtualSalesforce.query logs a warning per call
LAST_NAMES = ("Johnson", "Smith", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson",
              "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Lee", "Harris", "Clark")


def contact_id(i: int) -> str:
    return f"003Hs{i:013d}"  # 18 characters; simple-mockforce does not validate ids


@mock_salesforce
def run(rows: int, repeat: int) -> dict:
    t0 = time.perf_counter()
    data = virtual_salesforce.data["Contact"]
    for i in range(rows):
        last = LAST_NAMES[i % len(LAST_NAMES)]
        data.append({"Id": contact_id(i), "IsDeleted": False, "FirstName": f"First{i}", "LastName": last,
                     "Name": f"First{i} {last}", "Email": f"person{i}@example.com"})
    load_s = time.perf_counter() - t0
    sf = Salesforce(username="u@example.com", password="p", security_token="t")
    queries = {
        "Email": lambda i: f"SELECT Id, LastName FROM Contact WHERE Email = 'person{i}@example.com'",
        "Id": lambda i: f"SELECT Id, LastName FROM Contact WHERE Id = '{contact_id(i)}'",
    }
    out = {"rows": rows, "repeat": repeat, "load_s": load_s, "median_us": {}}
    for name, make in queries.items():
        samples = []
        for k in range(repeat):
            i = (k * 7919) % rows
            soql = make(i)
            t = time.perf_counter()
            result = sf.query(soql)
            samples.append(time.perf_counter() - t)
            assert result["totalSize"] == 1 and result["records"][0]["Id"] == contact_id(i), result
        out["median_us"][name] = statistics.median(samples) * 1e6
    return out


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]), int(sys.argv[2]))))
