"""Hostile actions in the kernel sandbox: each attack an action could make on hsrun, its
secrets, the machine or the network fails (``isolation="namespaces"``, as on Linux by
default). Skipped only where the kernel offers no user namespaces."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from runtime.invoke import Runner, RunOptions
from runtime.invoke.sandbox import ENTER, probe, wrap_command
from runtime.secrets import _crypto

SUPPORT = probe()
pytestmark = pytest.mark.skipif(
    not SUPPORT.namespaces, reason=f"no kernel sandbox here: {SUPPORT.reason}"
)
BOXED = RunOptions(timeout_s=5, isolation="namespaces")


@pytest.fixture(scope="module")
def boxed() -> Iterator[Runner]:
    with Runner(BOXED) as runner:
        yield runner


def marked_processes(marker: str) -> list[int]:
    """Live processes anywhere on the machine whose command line holds ``marker``."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                cmdline = fh.read()
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[-1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != b"Z":
            found.append(int(entry.name))
    return found


def gone(marker: str, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while marked_processes(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def outputs(result: object) -> dict[str, object]:
    assert getattr(result, "status", None) == "SUCCESS", result
    return json.loads(getattr(result, "outputs")["report"])  # noqa: B009


# -- secrets and state --------------------------------------------------------------------

SNOOP = """\
import glob, json, os, sqlite3

def _read(path):
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    except OSError as exc:
        return "ERR " + type(exc).__name__

def main(event):
    paths = json.loads(event["inputFields"]["paths"])
    report = {"environs": "", "ppid": os.getppid(), "pids": sorted(
        int(p) for p in os.listdir("/proc") if p.isdigit())}
    for environ in glob.glob("/proc/*/environ"):
        report["environs"] += _read(environ)
    for name, path in paths.items():
        report[name] = _read(path)
    try:
        db = sqlite3.connect(paths["journal"])
        db.execute("insert into runs(run_id) values ('forged')")
        db.commit()
        report["forged"] = "yes"
    except Exception as exc:
        report["forged"] = "ERR " + type(exc).__name__
    report["home"] = sorted(os.listdir(os.path.expanduser("~"))) if os.path.isdir(
        os.path.expanduser("~")) else []
    return {"outputFields": {"report": json.dumps(report)}}
"""


def test_the_store_key_unselected_secrets_and_state_are_out_of_reach(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "actions").mkdir(parents=True)
    (project / "actions" / "snoop.py").write_text(SNOOP)
    (project / "actions" / "snoop.toml").write_text(
        'secrets = ["TEST_SECRET"]\n[outputs]\nreport = "string"\n'
    )
    (project / "secrets.env").write_text("OTHER=plain-text-OTHER-value\n")
    key = _crypto.encode_key(_crypto.new_key())
    env = {
        **os.environ,
        "HSRUN_HOME": str(project / ".hsrun"),
        "HSRUN_CONFIG_DIR": str(tmp_path / "config"),
        "HSRUN_SECRETS_KEY": key,
    }

    def hsrun(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "runtime", *args],
            cwd=project,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    for name, value in (("TEST_SECRET", "selected-VALUE-1"), ("OTHER", "unselected-VALUE-2")):
        assert hsrun("secrets", "set", name, "--from-stdin", stdin=value).returncode == 0
    hsrun("invoke", "actions/snoop.py", "--input", "paths={}")  # a first run: the journal
    state = project / ".hsrun"
    assert (state / "journal.db").exists() and (state / "secrets.json").exists()
    paths = {
        "store": str(state / "secrets.json"),
        "journal": str(state / "journal.db"),
        "plain": str(project / "secrets.env"),
        "parent_environ": f"/proc/{os.getpid()}/environ",
    }
    done = hsrun("invoke", "actions/snoop.py", "--input", f"paths={json.dumps(paths)}", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["isolation"] == "namespaces"
    report = json.loads(record["outputs"]["report"])
    assert key not in done.stdout and "unselected-VALUE-2" not in done.stdout
    assert "HSRUN_" not in report["environs"]
    # hsrun and this test are not in the action's PID namespace: init is its parent.
    assert report["ppid"] == 1
    assert max(report["pids"]) < 10
    for name in ("store", "journal", "plain", "parent_environ"):
        assert report[name].startswith("ERR") or report[name] == "", (name, report[name])
    assert report["forged"].startswith("ERR")
    # The home folder shows only the way to the interpreter, when it lives there (pyenv).
    home = Path.home()
    needed = {
        Path(p).relative_to(home).parts[0]
        for p in (sys.prefix, sys.base_prefix, os.path.realpath(sys.executable))
        if Path(p).is_relative_to(home)
    }
    assert set(report["home"]) <= needed


# -- processes ----------------------------------------------------------------------------


ESCAPES = """\
import os, subprocess, time

def main(event):
    marker = event["inputFields"]["marker"]
    if os.fork() == 0:  # a new session and a fork
        os.setsid()
        if os.fork() == 0:  # a double fork
            os.execvp("sleep", ["sleep", "601." + marker])
        os._exit(0)
    subprocess.Popen(["sleep", "602." + marker], start_new_session=True)
    subprocess.run(["setsid", "sh", "-c", "sleep 603.%s &" % marker])
    time.sleep(0.3)
    seen = sum(1 for p in os.listdir("/proc") if p.isdigit()
               and marker.encode() in open("/proc/%s/cmdline" % p, "rb").read())
    print("running:", seen)
    if event["inputFields"].get("hang"):
        while True:
            pass
    return {"outputFields": {}}
"""


@pytest.mark.parametrize("hang", ["", "yes"], ids=["returns", "times-out"])
def test_sessions_and_double_forks_die_with_the_run(
    boxed: Runner, write_action: Callable[..., Path], hang: str
) -> None:
    marker = str(uuid.uuid4().int)[:9]  # digits: "sleep 601.<marker>" is a valid duration
    action = write_action(ESCAPES)
    options = RunOptions(timeout_s=1.5, isolation="namespaces")
    result = boxed.run(action, inputs={"marker": marker, "hang": hang}, options=options)
    assert result.status == ("TIMEOUT" if hang else "SUCCESS"), (result.error, result.logs)
    assert result.isolation == "namespaces"
    assert result.logs[0].text == "running: 3"
    assert gone(marker)


def test_escaped_processes_die_when_hsrun_exits(tmp_path: Path) -> None:
    marker = str(uuid.uuid4().int)[:9]  # digits: "sleep 601.<marker>" is a valid duration
    (tmp_path / "escape.py").write_text(ESCAPES)
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "invoke", "escape.py", "--input", f"marker={marker}"],
        cwd=tmp_path,
        env={**os.environ, "HSRUN_ISOLATION": "namespaces"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "running: 3" in done.stdout
    assert gone(marker)


def test_150_sessions_do_not_pass_the_process_cap(
    boxed: Runner, write_action: Callable[..., Path]
) -> None:
    marker = str(uuid.uuid4().int)[:9]  # digits: "sleep 601.<marker>" is a valid duration
    action = write_action(
        """
        import subprocess, time
        def main(event):
            for _ in range(150):
                try:
                    subprocess.Popen(["setsid", "sleep", "604." + event["inputFields"]["m"]])
                except OSError:
                    pass
            time.sleep(2)
            return {"outputFields": {}}
        """
    )
    result = boxed.run(action, inputs={"m": marker})
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.type == "Runtime.ProcessLimitExceeded"
    assert len(marked_processes(marker)) <= 64
    assert gone(marker)


def test_stopping_hsrun_cannot_switch_the_clock_off(
    boxed: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        """
        import os, signal
        def main(event):
            for pid in [os.getppid(), -1] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
                try:
                    os.kill(pid, signal.SIGSTOP) if pid != os.getpid() else None
                except OSError:
                    pass
            while True:
                pass
        """
    )
    started = time.monotonic()
    result = boxed.run(action, options=RunOptions(timeout_s=0.5, isolation="namespaces"))
    assert result.status == "TIMEOUT", (result.error, result.logs)
    assert time.monotonic() - started < 5


# -- network ------------------------------------------------------------------------------


@pytest.fixture
def listeners() -> Iterator[tuple[int, int, list[bytes]]]:
    """A TCP and a UDP socket on this machine's loopback; what reached them."""
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    got: list[bytes] = []
    stop = threading.Event()

    def watch() -> None:
        tcp.settimeout(0.05)
        udp.settimeout(0.05)
        while not stop.is_set():
            for sock in (tcp, udp):
                try:
                    if sock is tcp:
                        conn, _ = tcp.accept()
                        got.append(b"tcp")
                        conn.close()
                    else:
                        got.append(udp.recv(100))
                except OSError:
                    pass

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield tcp.getsockname()[1], udp.getsockname()[1], got
    stop.set()
    thread.join()
    tcp.close()
    udp.close()


NET = """\
import ctypes, importlib, json, socket, struct, subprocess

def _try(fn):
    try:
        return "reached: " + repr(fn())
    except Exception as exc:
        return "ERR " + type(exc).__name__ + ": " + str(exc)

def main(event):
    tcp, udp = int(event["inputFields"]["tcp"]), int(event["inputFields"]["udp"])
    report = {}
    import _socket
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    report["raw"] = _try(lambda: raw.connect(("127.0.0.1", tcp)))
    u = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    report["udp"] = _try(lambda: u.sendto(b"leak", ("127.0.0.1", udp)))
    report["curl"] = _try(lambda: subprocess.run(
        ["curl", "-sS", "--noproxy", "*", "-m", "2", "http://127.0.0.1:%d/" % tcp],
        capture_output=True, check=True))
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(2, 1, 0)
    addr = struct.pack("!HH4s8x", 2, tcp, bytes([127, 0, 0, 1]))
    addr = addr[:2][::-1] + addr[2:] if struct.pack("=H", 1) == b"\\x01\\x00" else addr
    report["ctypes"] = "rc %d" % libc.connect(fd, addr, len(addr))
    report["dns"] = _try(lambda: _socket.gethostbyname("example.com"))
    report["prefix"] = _try(lambda: socket.getaddrinfo("127.attacker.test", 80))
    importlib.reload(socket)
    report["restored"] = _try(lambda: socket.create_connection(("127.0.0.1", tcp), 1))
    return {"outputFields": {"report": json.dumps(report)}}
"""


def test_no_client_reaches_a_host_the_policy_denies(
    boxed: Runner, write_action: Callable[..., Path], listeners: tuple[int, int, list[bytes]]
) -> None:
    tcp, udp, got = listeners
    action = write_action(NET, '[outputs]\nreport = "string"\n')
    result = boxed.run(action, inputs={"tcp": str(tcp), "udp": str(udp)})
    report = outputs(result)
    time.sleep(0.2)
    assert got == []
    for name in ("raw", "curl", "dns", "restored", "prefix"):
        assert report[name].startswith("ERR"), (name, report[name])
    assert report["ctypes"] == "rc -1"
    assert "hsrun blocked an outbound connection to 127.attacker.test" in report["prefix"]


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from the allowed host"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_allow_hosts_go_through_the_egress_proxy_by_exact_host(
    boxed: Runner, write_action: Callable[..., Path]
) -> None:
    host = socket.gethostname()
    server = ThreadingHTTPServer(("0.0.0.0", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    action = write_action(
        """
        import json, subprocess, requests
        def main(event):
            host, port = event["inputFields"]["host"], event["inputFields"]["port"]
            ok = requests.get(f"http://{host}:{port}/", timeout=5).text
            refused = subprocess.run(
                ["curl", "-sS", "-m", "5", f"http://{host}.attacker.test:{port}/"],
                capture_output=True, text=True).stdout
            return {"outputFields": {"report": json.dumps({"ok": ok, "refused": refused})}}
        """,
        f'allow_hosts = ["{host}"]\n[outputs]\nreport = "string"\n',
    )
    try:
        result = boxed.run(action, inputs={"host": host, "port": str(port)})
    finally:
        server.shutdown()
        server.server_close()
    report = outputs(result)
    assert report["ok"] == "hello from the allowed host"
    assert f"hsrun blocked an outbound connection to {host}.attacker.test" in report["refused"]


# -- memory and files ---------------------------------------------------------------------


def test_shared_memory_counts_against_the_limit(
    boxed: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        """
        def main(event):
            block = b"x" * (1 << 20)
            written = 0
            try:
                with open("/dev/shm/hoard", "wb") as fh:
                    for _ in range(400):
                        fh.write(block)
                        written += 1
            except OSError as exc:
                return {"outputFields": {"written_mb": written, "error": str(exc)}}
            return {"outputFields": {"written_mb": written}}
        """
    )
    result = boxed.run(action)
    if result.status == "SUCCESS":  # no cgroup here: /dev/shm is as big as the limit
        assert result.outputs["written_mb"] < 128
        assert "No space left" in result.outputs["error"]
    else:
        assert result.status == "MEMORY_EXCEEDED"
        assert result.enforcement["memory"].startswith("cgroup")


def test_the_project_is_read_only_and_tmp_is_private(
    boxed: Runner, write_action: Callable[..., Path], tmp_path: Path
) -> None:
    (tmp_path / "outside.txt").write_text("not for the action")
    action = write_action(
        """
        import os
        def main(event):
            here = os.path.dirname(os.path.abspath(__file__))
            try:
                open(os.path.join(here, "planted.py"), "w").write("x")
                planted = "yes"
            except OSError as exc:
                planted = type(exc).__name__
            open("/tmp/scratch", "w").write("mine")
            return {"outputFields": {"planted": planted, "tmp": sorted(os.listdir("/tmp"))}}
        """
    )
    result = boxed.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs["planted"] == "OSError"
    assert not (tmp_path / "planted.py").exists()
    assert "scratch" not in os.listdir("/tmp")


# -- any command, and a user that is not root ---------------------------------------------


def _nobody_python() -> list[str] | None:
    python = shutil.which("python3", path="/usr/bin:/bin")
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or python is None or setpriv is None:
        return None
    probe_run = subprocess.run(
        # 'nobody' must be able to read the sandbox's entry script: a checkout inside a
        # private (0700) folder cannot run as another user at all.
        [
            setpriv,
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            python,
            str(ENTER),
            "--probe",
        ],
        capture_output=True,
        check=False,
    )
    if probe_run.returncode != 0:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", python]


def test_any_command_runs_sandboxed_as_a_user_that_is_not_root(tmp_path: Path) -> None:
    nobody = _nobody_python()
    if nobody is None:
        pytest.skip(
            "needs root, setpriv, a system python3 to become 'nobody', and a checkout 'nobody'"
            " can read"
        )
    secret = tmp_path / "secret"
    secret.write_text("hidden")
    spec = {"keep": [], "hide": [], "net": "none", "tmp_mb": 16}
    command = wrap_command(
        ["/bin/sh", "-c", f"id -u; cat /proc/1/status | head -1; ls /proc | wc -l; cat {secret}"],
        spec,
        python=nobody[-1],
    )
    done = subprocess.run(
        [*nobody[:-1], *command], capture_output=True, text=True, timeout=30, check=False
    )
    lines = done.stdout.split("\n")
    assert lines[0] == "0"  # root of its own user namespace only
    assert lines[1].split() == ["Name:", "python3"]  # its init, not the machine's
    assert "hidden" not in done.stdout
    assert str(ENTER).endswith("_enter.py")


# -- the control channel --------------------------------------------------------------------

FORGE = """\
import os, socket, stat

def main(event):
    payload = eval(event["inputFields"]["payload"])
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                sock = socket.socket(fileno=os.dup(fd))
                sock.sendall(payload)
        except OSError:
            pass
    return {"outputFields": {}}
"""


@pytest.mark.parametrize(
    "payload",
    [
        'b"{not json\\n"',
        'b"[1, 2]\\n"',
        'b\'{"type": "result", "v": 99}\\n\'',
        'b\'{"type": "result", "v": 1, "value_json": 5, "value_type": "int"}\\n\'',
        'b\'{"type": "start", "v": 1, "peak_kb": "lots"}\\n\'',
        'b\'{"type": "result", "v": 1, "value_json": "\' + b"[" * 100000 + b\'", '
        '"value_type": "list"}\\n\'',
        'b"x" * (20 * 1024 * 1024)',
    ],
    ids=["not-json", "not-object", "version", "field-type", "start-field", "deep", "oversized"],
)
@pytest.mark.parametrize("isolation", ["namespaces", "process"])
def test_garbage_on_the_control_channel_fails_the_run_not_hsrun(
    boxed: Runner, write_action: Callable[..., Path], payload: str, isolation: str
) -> None:
    action = write_action(FORGE)
    options = RunOptions(timeout_s=5, isolation=isolation)
    result = boxed.run(action, inputs={"payload": payload}, options=options)
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.type == "Runtime.InvalidMessage"
    assert "invalid message" in result.error.message
    # The runner is still fine.
    ok = write_action("def main(event):\n    return {'outputFields': {'x': 1}}\n", name="ok")
    assert boxed.run(ok, options=options).outputs == {"x": 1}


def test_the_cli_reports_an_invalid_message_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "forge.py").write_text(FORGE)
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "invoke", "forge.py", "--input", 'payload=b"{bad\\n"'],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Runtime.InvalidMessage" in done.stdout
    assert "Traceback" not in done.stderr


# -- where the kernel refuses -----------------------------------------------------------------


def _without_user_namespaces(
    args: list[str], cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """``args`` run where creating a user namespace fails, as in a locked-down container."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare(1) to take user namespaces away")
    script = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"'
    return subprocess.run(
        [unshare, "--user", "--map-root-user", "sh", "-c", script, "sh", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_namespaces_runs_are_plain_processes_and_say_so(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("def main(event):\n    return {'outputFields': {'x': 1}}\n")
    hsrun = [sys.executable, "-m", "runtime"]
    done = _without_user_namespaces([*hsrun, "invoke", "ok.py", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["isolation"] == "process"
    assert "No space left" in record["isolation_reason"]
    assert record["enforcement"]["network"] == "in-process guard"
    assert done.stderr.count("hsrun: runs are plain processes, not kernel-isolated") == 1

    required = _without_user_namespaces(
        [*hsrun, "invoke", "ok.py", "--json"], tmp_path, HSRUN_ISOLATION="namespaces"
    )
    assert required.returncode == 1
    assert json.loads(required.stdout)["error"]["type"] == "Sandbox.SetupError"

    doctor = _without_user_namespaces([*hsrun, "doctor", "--json"], tmp_path)
    assert json.loads(doctor.stdout)["runs_get"] == "process (the kernel refuses namespaces)"


def test_without_namespaces_a_runner_that_keeps_slots_runs_plain_processes(
    tmp_path: Path,
) -> None:
    # A batch, a workflow or the pytest fixtures keep slots: the first one cannot be built,
    # and every run falls back as a one-shot run does (or fails, when namespaces are required).
    # Enough runs that a spare which failed to enter its sandbox has often exited before its
    # job is sent: the run still reports why.
    (tmp_path / "ok.py").write_text("def main(event):\n    return {'outputFields': {'x': 1}}\n")
    code = (
        "import json, sys\n"
        "from runtime.invoke import Runner, RunOptions\n"
        "with Runner(RunOptions(timeout_s=10)) as runner:\n"
        "    results = [runner.run('ok.py') for _ in range(40)]\n"
        "print(json.dumps([[r.status, r.isolation, r.error.type if r.error else None]"
        " for r in results]))\n"
    )
    for mode, expected in (
        ("auto", ["SUCCESS", "process", None]),
        ("namespaces", ["FAILED", "process", "Sandbox.SetupError"]),
    ):
        done = _without_user_namespaces(
            [sys.executable, "-c", code], tmp_path, HSRUN_ISOLATION=mode
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [expected] * 40, mode


def test_doctor_says_what_runs_get_here(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "doctor", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    found = json.loads(done.stdout)
    assert found["namespaces"] is True
    assert found["runs_get"] == "namespaces"


@pytest.mark.skipif(not SUPPORT.cgroup, reason="no cgroup can be made here")
def test_a_one_shot_run_has_a_cgroup_of_its_own_gone_with_the_command(tmp_path: Path) -> None:
    # The launcher puts the action's process in a new cgroup as it starts (moving it later
    # would wait for the kernel on the run's path) and the run's sandbox adopts it: the
    # kernel caps the run there, and the cgroup goes with the command.
    (tmp_path / "where.py").write_text(
        "def main(event):\n"
        "    lines = open('/proc/self/cgroup').read().splitlines()\n"
        "    mine = [line for line in lines if 'hsrun-' in line]\n"
        "    return {'outputFields': {'cgroup': mine[0] if mine else ''}}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "invoke", "where.py", "--json"],
        cwd=tmp_path,
        env={**os.environ, "HSRUN_ISOLATION": "namespaces", "HSRUN_DAEMON": "0"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["enforcement"]["memory"].startswith("cgroup")
    name = record["outputs"]["cgroup"].rsplit("/", 1)[-1]
    assert name.startswith("hsrun-")
    left = subprocess.run(
        ["find", "/sys/fs/cgroup", "-maxdepth", "6", "-name", name],
        capture_output=True,
        text=True,
        check=False,
    )
    assert left.stdout.strip() == ""


@pytest.mark.skipif(not SUPPORT.cgroup, reason="no cgroup can be made here")
def test_an_adopted_cgroup_is_a_cap_only_if_the_kernel_took_the_limit(tmp_path: Path) -> None:
    # A one-shot run's process is in its cgroup before its limit is set. Where the kernel
    # refuses a cap below what the process already uses (cgroup v1), the run must not be
    # said to be capped there; where it takes it (v2 reclaims, then kills), the cap holds.
    from runtime.invoke import _cgroup_fs
    from runtime.invoke.sandbox import cgroup as cgroups

    made = _cgroup_fs.create("test-" + uuid.uuid4().hex[:8])
    assert made is not None
    # It allocates once it is in the cgroup (v1 leaves what it charged before behind).
    hog = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; sys.stdin.readline(); b = bytearray(48 << 20); print('ready', flush=True);"
            " sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert hog.stdin is not None and hog.stdout is not None
    try:
        assert _cgroup_fs.join(_cgroup_fs.folders(made), hog.pid)
        hog.stdin.write("go\n")
        hog.stdin.flush()
        assert hog.stdout.readline() == "ready\n"
        version, _memory, _pids = made
        run = cgroups.adopt(made, memory_mb=16, max_processes=8)
        if run is not None:
            name = "memory.limit_in_bytes" if version == 1 else "memory.max"
            assert int((run.memory / name).read_text()) == 16 << 20
    finally:
        hog.kill()
        hog.wait()
        hog.stdin.close()
        hog.stdout.close()
        for folder in _cgroup_fs.folders(made):
            deadline = time.monotonic() + 5
            while not _cgroup_fs.remove(folder) and time.monotonic() < deadline:
                time.sleep(0.01)
