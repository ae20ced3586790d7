import os
import shutil
import tempfile
import uuid

import pytest

import forcefs_harness as ft


@pytest.fixture(scope="session", autouse=True)
def no_stored_logins():
    """The machine's own `forcefs login` logins never reach a test: an empty config home."""
    home = tempfile.mkdtemp(prefix="forcefs-xdg-")
    os.environ["XDG_CONFIG_HOME"] = home
    yield
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg():
    """One throwaway PostgreSQL cluster for the whole session."""
    root = tempfile.mkdtemp(prefix="forcefs-pg-")
    os.chmod(root, 0o755)
    cluster = ft.pgtmp.Cluster(os.path.join(root, "cluster"))
    cluster.create()
    yield cluster
    cluster.stop("immediate")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def logged(pg):
    """A database URL whose sessions log every statement to pg.log."""
    return pg.url + "?options=-c%20log_statement%3Dall"


@pytest.fixture
def schema_name():
    return "t_" + uuid.uuid4().hex[:10]


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="forcefs-test-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def mounts(workdir):
    """Starts mounts on demand and always tears them down, checking clean exits."""
    started = []

    def start(url, schema, options=(), name="mnt", **kw):
        m = ft.Mount(os.path.join(workdir, name), url, schema, options, **kw)
        started.append(m)
        return m

    yield start
    errors = []
    for m in started:
        if m.proc.poll() is None:
            try:
                m.unmount()
            except AssertionError as e:
                errors.append(str(e))
                m.kill()
        else:
            m.kill()
    if errors:
        pytest.fail("\n".join(errors))


@pytest.fixture(scope="module")
def emulator():
    """One Salesforce emulator per test module."""
    emu = ft.Emulator()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator):
    """The module's emulator, with no faults before and after the test."""
    emulator.control("faults", method="DELETE")
    yield emulator
    emulator.control("faults", method="DELETE")


ACCOUNT_COLUMNS = [
    ("name", "varchar(255)"), ("industry", "varchar(255)"),
    ("annualrevenue", "double precision"), ("numberofemployees", "integer"),
    ("description", "text"), ("active__c", "boolean"), ("lastmodifieddate", "timestamp"),
]


@pytest.fixture
def sample(pg, schema_name):
    """A schema with a small account table in the Heroku Connect layout."""
    ft.create_schema(pg.url, schema_name, {"account": ACCOUNT_COLUMNS,
                                            "contact": [("lastname", "varchar(80)")]})
    s = ft.quote_ident(schema_name)
    ft.psql(pg.url, f"""
        SET xmlbinary = 'hex';
        INSERT INTO {s}.account (sfid, name, industry, annualrevenue, numberofemployees,
            description, active__c, systemmodstamp, isdeleted, createddate)
        VALUES ('001000000000001AAA', 'Acme', 'Energy', 1500000.5, 120, 'First "quoted"',
                true, '2023-10-01 12:34:56', false, '2023-01-01 00:00:00'),
               ('001000000000002AAA', 'Globex', 'Retail', NULL, 5, NULL, false,
                '2024-02-03 04:05:06.789', false, '2023-01-02 00:00:00'),
               ('001000000000003AAA', 'Gone Inc', 'Retail', NULL, 1, NULL, false,
                '2024-02-03 04:05:06', true, '2023-01-02 00:00:00'),
               (NULL, 'Not Synced Yet', NULL, NULL, NULL, NULL, NULL, NULL, false, NULL);
        INSERT INTO {s}.contact (sfid, lastname, systemmodstamp, isdeleted)
        VALUES ('003000000000001AAA', 'Doe', '2023-05-05 05:05:05', false);
    """)
    return schema_name
