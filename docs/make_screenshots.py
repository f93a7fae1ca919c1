"""Screenshots of the dashboard's main pages, from a real `crm-harness serve --demo` and a real Chromium.

    python3 docs/make_screenshots.py [--out docs/screenshots]

Starts `serve --demo` on a free loopback port, makes a few API calls a demo would (a Salesforce login,
a query, a Contact created and changed; where the demo org has none yet: a custom field, a segment with
profiles, and the seed-004 source flow through the connector; then a day of emulator time so scheduled
runs fire, and a fault rule), logs in to the dashboard with
the admin token through its form, and saves one PNG per page. Needs Debian's chromium and chromium-driver.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connector.flowservice import AepClient, SourcePipeline, SourcePipelineConfig  # noqa: E402
from emulator.dashboard.browser import chromium, missing  # noqa: E402
from emulator.testing import serve_subprocess  # noqa: E402

DEMO = {"client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123", "token": "TOKEN123"}
AEP = {"client_id": "harness-aep-client", "client_secret": "harness-aep-secret", "org": "HARNESS@AdobeOrg"}


def demo_traffic(base: str, admin: dict[str, str]) -> str:
    """Calls a demo would make; returns the id of a Contact to show."""
    with requests.Session() as http:
        login = http.post(f"{base}/services/oauth2/token", data={
            "grant_type": "password", "client_id": DEMO["client_id"], "client_secret": DEMO["client_secret"],
            "username": DEMO["username"], "password": DEMO["password"] + DEMO["token"]})
        login.raise_for_status()
        rest = f"{base}/services/data/v59.0"
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        http.get(f"{rest}/query", params={"q": "SELECT Id, Name, Email FROM Contact ORDER BY CreatedDate DESC LIMIT 5"},
                 headers=auth).raise_for_status()
        created = http.post(f"{rest}/sobjects/Contact", headers=auth, json={
            "FirstName": "Grace", "LastName": "Hopper", "Email": "grace.hopper@example.com", "Title": "Rear Admiral",
            "Phone": "(415) 555-0142", "Department": "Engineering"})
        created.raise_for_status()
        contact_id = created.json()["id"]
        changed = http.patch(f"{rest}/sobjects/Contact/{contact_id}", headers=auth, json={"Title": "Commodore"})
        changed.raise_for_status()
        http.get(f"{rest}/sobjects/Contact/{contact_id}", headers=auth).raise_for_status()
        http.get(f"{rest}/limits", headers=auth).raise_for_status()
        http.get(f"{rest}/sobjects/Contact/003000000000000AAA", headers=auth)  # a 404 in the journal
        fields = http.get(f"{rest}/sobjects/Contact/describe", headers=auth).json()["fields"]
        if not any(f["custom"] for f in fields):  # the gauge of the custom fields page, with one in use
            http.post(f"{rest}/tooling/sobjects/CustomField", headers=auth, json={
                "FullName": "Contact.VIP_Status__c",
                "Metadata": {"type": "Text", "length": 40, "label": "VIP Status"}}).raise_for_status()
        admin_aep = f"{base}/__emulator/aep"
        if not http.get(f"{admin_aep}/segments", headers=admin).json().get("segments"):
            http.post(f"{admin_aep}/segments", headers=admin, json={
                "id": "seg-vip", "name": "VIP customers", "description": "Bought twice this quarter"})
            found = http.get(f"{rest}/query", headers=auth, params={
                "q": "SELECT Id, FirstName, LastName, Email FROM Contact ORDER BY CreatedDate LIMIT 8"}).json()
            http.post(f"{admin_aep}/profiles", headers=admin, json={"profiles": [
                {"id": f"profile-{n}", "identityMap": {"crmID": [{"id": r["Id"]}]},
                 "person": {"name": {"firstName": r["FirstName"], "lastName": r["LastName"]}},
                 "personalEmail": {"address": r["Email"]},
                 "segments": {"seg-vip": "realized" if n % 3 else "existing"}}
                for n, r in enumerate(found["records"])]})

        aep = AepClient(AEP["client_id"], AEP["client_secret"], AEP["org"], "prod", ims_url=base, platform_url=base,
                        session=http)
        if not aep.get("flowservice/flows").get("items"):
            now = http.get(f"{base}/__emulator/clock", headers=admin).json()["now"]
            from emulator.core.clock import parse_instant
            start = int(parse_instant(now).timestamp()) + 60
            SourcePipeline(aep, SourcePipelineConfig(DEMO["username"], DEMO["password"], DEMO["token"],
                                                     frequency="hour", interval=6)).run(start)
        http.post(f"{base}/__emulator/clock", headers=admin, json={"advance": "1d"}).raise_for_status()
        http.get(f"{base}/__emulator/ui/aep/prod/flows", headers=admin).raise_for_status()  # a tick: the runs fire
        http.post(f"{base}/__emulator/faults", headers=admin,
                  json={"path": "/services/data/*/limits", "status": 503, "times": 1}).raise_for_status()
        http.get(f"{rest}/limits", headers=auth)
        http.post(f"{base}/__emulator/faults", headers=admin,  # one rule left active for the controls page
                  json={"path": "/services/data/*/composite*", "status": 503, "drop": 3}).raise_for_status()
        return contact_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    reason = missing()
    if reason:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with serve_subprocess("--demo") as server:
        base, admin = server.base_url, {"X-Admin-Token": server.admin_token}
        contact_id = demo_traffic(base, admin)
        aep = AepClient(AEP["client_id"], AEP["client_secret"], AEP["org"], "prod", ims_url=base, platform_url=base)
        dataset_id = next(iter(aep.get("catalog/dataSets")), None)
        ui = f"{base}/__emulator/ui"
        pages = [("overview", ui), ("objects", f"{ui}/objects"), ("records", f"{ui}/objects/Contact"),
                 ("search", f"{ui}/objects/Contact?q={quote('hopper')}"),
                 ("record", f"{ui}/objects/Contact/{contact_id}"), ("custom_fields", f"{ui}/fields"),
                 ("contact_fields", f"{ui}/objects/Contact/fields"),
                 ("limits", f"{ui}/limits"), ("journal", f"{ui}/journal"), ("flows", f"{ui}/aep/prod/flows"),
                 ("profiles", f"{ui}/aep/prod/profiles"), ("controls", f"{ui}/controls")]
        if dataset_id:
            pages.insert(-2, ("dataset", f"{ui}/aep/prod/datasets/{dataset_id}"))
        with chromium(1360, 900) as driver:
            from selenium.webdriver.common.by import By
            driver.get(ui)
            driver.find_element(By.ID, "token").send_keys(server.admin_token)
            driver.save_screenshot(str(out / "login.png"))
            driver.find_element(By.ID, "login-form").submit()
            time.sleep(0.3)
            for name, url in pages:
                driver.set_window_size(1360, 700)
                driver.get(url)
                height, chrome = driver.execute_script(
                    "return [document.body.scrollHeight, window.outerHeight - window.innerHeight]")
                driver.set_window_size(1360, min(int(height) + int(chrome), 1600))
                path = out / f"{name}.png"
                driver.save_screenshot(str(path))
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
