"""Fixtures: a running scripts/sf-emulator and logged-in clients."""

import tempfile

import pytest

from emutestlib import Client, Emulator


@pytest.fixture(scope="session")
def emulator():
    emu = Emulator("--seed", "demo", "--fault-seed", "42")
    yield emu
    rc = emu.stop()
    err = emu.stderr_text()
    assert rc == 0, err
    assert "Traceback" not in err, err


@pytest.fixture(scope="session")
def session_client(emulator):
    c = Client(emulator.url)
    c.login()
    return c


@pytest.fixture
def client(emulator, session_client):
    """A logged-in client; faults, limits, rules, clock are reset after use."""
    c = Client(emulator.url)
    c.login()
    yield c
    r = c.control("POST", "reset", {"keep_records": True})
    assert r.status == 200, r


@pytest.fixture
def fresh(client):
    """Like client, but the demo org is re-seeded first."""
    r = client.control("POST", "reset", {})
    assert r.status == 200
    client.login()
    return client


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="sfemu-test-") as d:
        yield d

