"""docs/contract.md §5: every common way of writing a file works with its default settings.

Each test changes one field of one record with a real tool and checks the row, the
_trigger_log (exactly one UPDATE, carrying just that column) and the bytes read back.
"""
import json
import os
import shutil
import subprocess
import time

import pytest

import forcefs_harness as ft

ACME = "001000000000001AAA.json"


@pytest.fixture
def acct(pg, sample, mounts):
    m = mounts(pg.url, sample)
    path = m.path("account", ACME)
    with open(path) as f:
        original = f.read()
    mark = ft.trigger_log_mark(pg.url, sample)

    class Ctx:
        pass
    ctx = Ctx()
    ctx.m, ctx.path, ctx.original, ctx.mark, ctx.schema = m, path, original, mark, sample
    ctx.dir = m.path("account")
    return ctx


def changed_text(original, old='"name": "Acme"', new='"name": "Acme Rockets"'):
    assert old in original
    return original.replace(old, new)


def assert_one_field_changed(pg, ctx, column="name", value="Acme Rockets"):
    r = ft.row(pg.url, ctx.schema, "account", "sfid = '001000000000001AAA'")
    assert r[column] == value
    log = ft.trigger_log_since(pg.url, ctx.schema, ctx.mark)
    assert [(a, t, s) for a, t, _, s, _ in log] == [("UPDATE", "account", "NEW")], log
    assert log[0][4] == {column: value}
    assert r["_hc_lastop"] == "PENDING"
    with open(ctx.path) as f:
        data = f.read()
    assert json.loads(data)[column] == value
    assert data == changed_text(ctx.original, f'"{column}": "Acme"', f'"{column}": "{value}"')
    assert os.stat(ctx.path).st_size == len(data.encode())
    assert os.getxattr(ctx.path, "user.forcefs.state") == b"PENDING"
    leftovers = [n for n in os.listdir(ctx.dir) if not n.endswith(".json") and n != ".errors"]
    return leftovers


def test_sed_in_place(pg, acct):
    subprocess.run(["sed", "-i", 's/"name": "Acme"/"name": "Acme Rockets"/', acct.path],
                   check=True)
    assert assert_one_field_changed(pg, acct) == []


def test_perl_in_place(pg, acct):
    subprocess.run(["perl", "-pi", "-e", 's/"name": "Acme"/"name": "Acme Rockets"/',
                    acct.path], check=True)
    assert assert_one_field_changed(pg, acct) == []


def test_vim_ex_mode_with_defaults(pg, acct):
    subprocess.run(["vim", "--clean", "-es", "-c", '%s/"Acme"/"Acme Rockets"/', "-c", "wq",
                    acct.path], check=True, timeout=60)
    assert assert_one_field_changed(pg, acct) == []


def tmux(*args):
    return subprocess.run(["tmux", "-L", "forcefs-test", *args], capture_output=True,
                          text=True, check=True)


def run_in_terminal(command, keys, done, timeout=30):
    """Runs an interactive program in a real terminal (tmux) and types `keys`."""
    session = "t%d" % os.getpid()
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        ft.wait_for(lambda: tmux("capture-pane", "-p", "-t", session).stdout.strip(),
                    timeout=10, what="the program to draw")
        time.sleep(0.5)
        for k in keys:
            tmux("send-keys", "-t", session, *k)
            time.sleep(0.3)
        ft.wait_for(done, timeout=timeout, what="the program to finish")
    finally:
        subprocess.run(["tmux", "-L", "forcefs-test", "kill-server"], capture_output=True)


def test_vim_in_a_terminal_with_swap_backup_and_fsync(pg, acct):
    marker = os.path.join(os.path.dirname(acct.m.mountpoint), "vim-done")
    run_in_terminal(
        f"vim --clean {acct.path}; touch {marker}",
        [[':%s/"Acme"/"Acme Rockets"/', "Enter"], [":wq", "Enter"]],
        lambda: os.path.exists(marker))
    assert assert_one_field_changed(pg, acct) == []


def test_nano_in_a_terminal(pg, acct):
    marker = os.path.join(os.path.dirname(acct.m.mountpoint), "nano-done")
    run_in_terminal(
        f"nano --ignorercfiles {acct.path}; touch {marker}",
        [["C-\\"], ['"Acme"'], ["Enter"], ['"Acme Rockets"'], ["Enter"], ["a"],
         ["C-o"], ["Enter"], ["C-x"]],
        lambda: os.path.exists(marker))
    assert assert_one_field_changed(pg, acct) == []


def test_emacs_batch_with_backup_file(pg, acct):
    subprocess.run(["emacs", "-batch", acct.path, "--eval",
                    '(progn (goto-char (point-min)) (search-forward "\\"Acme\\"")'
                    ' (replace-match "\\"Acme Rockets\\"" t t) (save-buffer))'],
                   check=True, timeout=60, capture_output=True)
    leftovers = assert_one_field_changed(pg, acct)
    assert leftovers in ([], [ACME + "~"])


def prepared(acct, tmpdir, name="prepared.json"):
    p = os.path.join(tmpdir, name)
    with open(p, "w") as f:
        f.write(changed_text(acct.original))
    return p


def test_cp_over_existing_record(pg, acct, workdir):
    subprocess.run(["cp", prepared(acct, workdir), acct.path], check=True)
    assert_one_field_changed(pg, acct)


def test_cp_a_over_existing_record(pg, acct, workdir):
    subprocess.run(["cp", "-a", prepared(acct, workdir), acct.path], check=True)
    assert_one_field_changed(pg, acct)


def test_mv_of_prepared_file_inside_the_mount(pg, acct, workdir):
    tmp = os.path.join(acct.dir, "prepared.tmp")
    shutil.copyfile(prepared(acct, workdir), tmp)
    subprocess.run(["mv", tmp, acct.path], check=True)
    assert assert_one_field_changed(pg, acct) == []


def test_mv_from_another_filesystem_is_refused_without_allow_delete(pg, acct, workdir):
    # Across filesystems mv removes the target first; rm of a record is EPERM (docs/contract.md §5),
    # so mv fails before it changes anything and keeps the source (docs/editing.md).
    src = prepared(acct, workdir)
    r = subprocess.run(["mv", src, acct.path], capture_output=True, text=True)
    assert r.returncode == 1
    assert "Operation not permitted" in r.stderr
    assert os.path.exists(src)
    assert ft.row(pg.url, acct.schema, "account", "sfid = '001000000000001AAA'")["name"] == "Acme"
    assert ft.trigger_log_since(pg.url, acct.schema, acct.mark) == []
    assert ft.psql(pg.url, f"SELECT count(*) FROM {ft.quote_ident(acct.schema)}.account") == ["4"]
    assert os.path.exists(acct.path)


def test_rsync_of_prepared_files(pg, acct, workdir):
    fixes = os.path.join(workdir, "fixes")
    os.mkdir(fixes)
    prepared(acct, fixes, ACME)
    subprocess.run(["rsync", "-a", fixes + "/", acct.dir + "/"], check=True)
    assert assert_one_field_changed(pg, acct) == []


def test_jq_to_tmp_then_mv(pg, acct):
    subprocess.run(f"jq '.name = \"Acme Rockets\"' {ACME} > tmp && mv tmp {ACME}", shell=True,
                   check=True, cwd=acct.dir)
    assert assert_one_field_changed(pg, acct) == []


def test_shell_redirect_over_record(pg, acct, workdir):
    src = prepared(acct, workdir)
    subprocess.run(f"cat {src} > {acct.path}", shell=True, check=True)
    assert_one_field_changed(pg, acct)


def test_truncate_then_append(pg, acct, workdir):
    src = prepared(acct, workdir)
    subprocess.run(["truncate", "-s", "0", acct.path], check=True)
    subprocess.run(f"cat {src} >> {acct.path}", shell=True, check=True)
    assert_one_field_changed(pg, acct)


def test_partial_write_is_refused_at_close_and_changes_nothing(pg, acct):
    text = changed_text(acct.original)
    f = open(acct.path, "r+")
    f.truncate(0)
    f.write(text[:100])
    with pytest.raises(OSError) as e:
        f.close()
    assert e.value.errno == 22  # EINVAL
    assert ft.row(pg.url, acct.schema, "account", "sfid = '001000000000001AAA'")["name"] == "Acme"
    assert ft.trigger_log_since(pg.url, acct.schema, acct.mark) == []
    with open(acct.path) as f:
        assert f.read() == acct.original
    with open(acct.path, "w") as f:
        f.write(text)
    assert_one_field_changed(pg, acct)


def test_python_open_w(pg, acct):
    with open(acct.path, "w") as f:
        f.write(changed_text(acct.original))
    assert_one_field_changed(pg, acct)


def test_unchanged_save_writes_nothing(pg, acct):
    with open(acct.path, "w") as f:
        f.write(acct.original)
    assert ft.trigger_log_since(pg.url, acct.schema, acct.mark) == []


def test_compact_json_is_accepted_and_shown_canonical(pg, acct):
    rec = json.loads(acct.original)
    rec["name"] = "Acme Rockets"
    with open(acct.path, "w") as f:
        json.dump(rec, f)
    assert_one_field_changed(pg, acct)
