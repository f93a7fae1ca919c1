"""The ``crm-harness serve`` set-up: fixture files merge over the demo org. Covers SF-OAUTH-1."""
from __future__ import annotations

from emulator.server import build_emulator


def test_fixture_file_merges_over_the_demo(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text("org:\n  name: Other Org\n  daily_api_limit: 50\n")
    emulator = build_emulator(str(path), demo=False, seed=1, count=0)
    org = emulator.salesforce.default_org().org
    assert org.name == "Other Org" and org.config.daily_api_limit == 50
    assert org.user_by_username("admin@example.com") is not None
    assert "harness-client-id" in org.apps


def test_demo_data_and_explicit_data(tmp_path):
    generated = build_emulator(None, demo=True, seed=3, count=5)
    assert len(generated.salesforce.default_org().store("Contact")) == 5
    path = tmp_path / "data.yaml"
    path.write_text("data:\n  Account:\n    - Name: Acme\n  Contact:\n    - LastName: A\n      AccountId: '@Account:0'\n")
    explicit = build_emulator(str(path), demo=False, seed=1, count=0).salesforce.default_org()
    contact = next(iter(explicit.store("Contact").scan()))
    assert contact["AccountId"] == next(iter(explicit.store("Account").scan()))["Id"]
