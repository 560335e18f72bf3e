"""Kernel isolation for an action's process: the parent's side.

The runner asks :func:`prepare` for a sandbox per action process; the child enters it with
``_enter.py`` (stdlib only, loaded by the Python bootstrap, or wrapping any command with
:func:`wrap_command`) before the action's code runs, and says which isolation it got.

- ``namespaces``: user, PID, mount, network and IPC namespaces (Linux with user namespaces).
  The action sees its own folder, HubSpot's libraries and the interpreter read-only, a
  private ``/tmp``, and nothing else; its network is loopback, relayed to the fake portal and
  to an egress proxy that enforces ``allow_hosts`` (:mod:`.gateway`); a cgroup
  (:mod:`.cgroup`), where one can be made, caps memory and processes for all it starts.
- ``process``: a plain process, as on macOS or in a container without user namespaces: the
  parent's clock, sampled memory, a process-group count and the in-process network guard.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from runtime.contract.hosts import HUBSPOT_HOSTS
from runtime.invoke.sandbox import cgroup as cgroups
from runtime.invoke.sandbox.gateway import Gateway, Policy, shared_gateway

ENTER = Path(__file__).with_name("_enter.py")
NAMESPACES = "namespaces"
PROCESS = "process"
#: Where the egress proxy listens inside a run's network namespace.
PROXY_PORT = 3128
#: With ``--live``, HubSpot's hosts resolve to loopback addresses from here on (one each),
#: where init relays port 443 to the real host.
LIVE_FIRST_IP = 10


@dataclass
class Sandbox:
    """One action process's sandbox: what the child is told, and what the parent keeps."""

    token: str
    spec: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)
    cgroup: cgroups.RunCgroup | None = None
    gateway: Gateway | None = None
    #: What the child reported: ``namespaces`` or ``process`` (None until it has).
    isolation: str | None = None
    reason: str = ""
    _action_pid: int | None = None
    _final: tuple[int, bool] | None = None

    def peak_kb(self) -> int:
        """The run cgroup's memory high-water mark (0 without one)."""
        if self._final is not None:
            return self._final[0]
        return self.cgroup.peak_kb() if self.cgroup is not None else 0

    def note(self, message: dict[str, Any]) -> None:
        """Take the child's ``sandbox`` message: the first only (it comes before the action's
        code runs; the action could write another one to the control socket)."""
        if self.isolation is not None:
            return
        self.isolation = str(message.get("isolation") or PROCESS)
        self.reason = str(message.get("reason") or "")

    @property
    def enforcement(self) -> dict[str, str]:
        """How each limit was enforced, for the run record."""
        entered = self.isolation == NAMESPACES
        cg = self.cgroup if entered else None
        return {
            "memory": f"{cg.label} + sampling" if cg else "sampling",
            "processes": f"{cg.label} pids" if cg and cg.pids else "process group count",
            "network": (
                ("host network" if self.spec.get("net") == "host" else "loopback only, relayed")
                if entered
                else "in-process guard"
            ),
        }

    def action_pid(self, worker: int) -> int:
        """The action's pid as the parent sees it (worker -> init -> action), or ``worker``
        while it is not known yet."""
        if self.isolation != NAMESPACES:
            return worker
        if self._action_pid is None:
            action = entered_pid(worker)
            if action is None:
                return worker
            self._action_pid = action
        return self._action_pid

    def close(self) -> None:
        if self.gateway is not None:
            self.gateway.unregister(self.token)
        if self.cgroup is not None and self._final is None:
            self._final = (self.cgroup.peak_kb(), self.cgroup.oom_killed())
            self.cgroup.remove()


class SlotRun(Sandbox):
    """One run in a slot's sandbox (``runtime.invoke._slots``): the run's process is the
    worker itself, and the sandbox outlives the run (closing this keeps it)."""

    @classmethod
    def of(cls, box: Sandbox) -> SlotRun:
        run = cls(box.token, box.spec, env=box.env)
        if box.cgroup is not None:
            run.cgroup = replace(box.cgroup, ours=3, oom_before=box.cgroup.oom_kills())
        return run

    #: Gives the slot back once the run is over.
    on_close: Callable[[], None] | None = None

    def action_pid(self, worker: int) -> int:
        return worker

    def close(self) -> None:
        on_close, self.on_close = self.on_close, None
        if on_close is not None:
            on_close()


def entered_pid(worker: int) -> int | None:
    """The process that ``enter`` returned in, for a ``worker`` that entered the sandbox
    (worker -> init -> that process), as this process sees it; None while it is not there."""
    init = children(worker)[:1]
    entered = children(init[0])[:1] if init else []
    return entered[0] if entered else None


def children(pid: int) -> list[int]:
    """The pids of ``pid``'s children, eldest first (none once it is gone)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def supported_platform() -> bool:
    return sys.platform.startswith("linux")


def unavailable_reason(mode: str) -> str:
    """Why a run asked for ``mode`` got no sandbox at all ("" when it asked for none)."""
    if mode == PROCESS:
        return ""
    if supported_platform():
        return "the kernel refused user namespaces"
    return f"{sys.platform} has no Linux namespaces"


def fallback_notice(results: list[Any]) -> str | None:
    """The one line a command prints when its runs fell back to plain processes."""
    fell_back = [r for r in results if r.isolation == PROCESS and r.isolation_reason]
    if not fell_back:
        return None
    return (
        f"hsrun: runs are plain processes, not kernel-isolated ({fell_back[0].isolation_reason}): "
        "the action can read what your user can read and reach the network directly; "
        "`hsrun doctor` says what this machine supports"
    )


def prepare(
    *,
    mode: str,
    keep: list[str],
    hide: list[str],
    hubspot_url: str | None,
    allow_hosts: tuple[str, ...],
    host_network: bool,
    manifest: str,
    live: bool = False,
    live_address: tuple[str, int] | None = None,
    memory_mb: int,
    max_processes: int,
    cgroup: tuple[int, str, str | None] | None = None,
) -> Sandbox | None:
    """A sandbox for one action process, or None when ``mode`` (``auto``, ``namespaces``,
    ``process``) or the platform says to run without one.

    ``host_network`` (``--allow-net``) gives the run the machine's network. Otherwise it has
    loopback only: the fake portal (``hubspot_url``) and ``allow_hosts`` (through the egress
    proxy) are relayed to it, and with ``live`` HubSpot's own hosts (to ``live_address``
    instead when given), and nothing else. ``cgroup`` is one the process was put in as it
    started (the one-shot run's: ``_early``), adopted instead of a new one."""
    if mode == PROCESS or not supported_platform():
        return None
    token = secrets.token_hex(8)
    spec: dict[str, Any] = {
        "token": token,
        "required": mode == NAMESPACES,
        "keep": list(keep),
        "hide": list(hide),
        "net": "host" if host_network else "none",
        "tmp_mb": memory_mb,
        "listeners": [],
    }
    box = Sandbox(token, spec)
    if not host_network:
        gateway = shared_gateway()
        portal = None if live else _portal_address(hubspot_url)
        gateway.register(
            token,
            Policy(
                portal=portal,
                allow_hosts=allow_hosts,
                manifest=manifest,
                live_hosts=HUBSPOT_HOSTS if live else frozenset(),
                live_address=live_address,
            ),
        )
        box.gateway = gateway
        spec["gateway"] = gateway.path
        spec["keep"].append(gateway.folder)
        if portal is not None:
            spec["listeners"].append(["127.0.0.1", portal[1], "portal"])
        if live:
            spec["hosts"] = []
            for number, host in enumerate(sorted(HUBSPOT_HOSTS), start=LIVE_FIRST_IP):
                ip = f"127.0.0.{number}"
                spec["hosts"].append([ip, host])
                spec["listeners"].append([ip, 443, "live " + host])
        if allow_hosts:
            port = PROXY_PORT if portal is None or portal[1] != PROXY_PORT else PROXY_PORT + 1
            spec["listeners"].append(["127.0.0.1", port, "proxy"])
            proxy = f"http://127.0.0.1:{port}"
            # HubSpot's hosts go to the fake portal through the client's own routing.
            no_proxy = ",".join(("localhost", "127.0.0.1", "::1", *sorted(HUBSPOT_HOSTS)))
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
                box.env[name] = proxy
            box.env["NO_PROXY"] = box.env["no_proxy"] = no_proxy
    if cgroup is not None:  # the process is in it already
        box.cgroup = cgroups.adopt(cgroup, memory_mb=memory_mb, max_processes=max_processes)
    else:
        box.cgroup = cgroups.create(token, memory_mb=memory_mb, max_processes=max_processes)
        if box.cgroup is not None:
            spec["cgroups"] = box.cgroup.folders
    return box


def _portal_address(url: str | None) -> tuple[str, int] | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        return None
    return parts.hostname, parts.port


def wrap_command(command: list[str], spec: dict[str, Any], python: str | None = None) -> list[str]:
    """``command`` run inside the sandbox ``spec`` describes: for children that are not the
    Python bootstrap (a Node child, a tool). The command must be under a kept path."""
    import json

    return [python or sys.executable, "-I", str(ENTER), json.dumps(spec), "--", *command]


@dataclass(frozen=True)
class Support:
    """What this machine offers, for ``hsrun doctor``."""

    namespaces: bool
    reason: str
    cgroup: str | None


def probe(python: str | None = None) -> Support:
    """Try the sandbox in a throwaway process and a cgroup, as a run would."""
    if not supported_platform():
        return Support(False, f"{sys.platform} has no Linux namespaces", None)
    try:
        done = subprocess.run(
            [python or sys.executable, "-I", str(ENTER), "--probe"],
            capture_output=True,
            timeout=20,
            check=False,
        )
        import json

        answer = json.loads(done.stdout or b"{}")
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        answer = {"ok": False, "reason": str(exc)}
    made = cgroups.create(secrets.token_hex(4), memory_mb=128, max_processes=64)
    label = None
    if made is not None:
        label = made.label + (" (memory, pids)" if made.pids else " (memory)")
        made.remove()
    return Support(bool(answer.get("ok")), str(answer.get("reason") or ""), label)


def default_hide(
    *, state: Path, config: Path, project: Path, keep: Sequence[str] = ()
) -> list[str]:
    """What a run never sees even inside a kept folder: the state folder (secret store,
    journal, portal), the key folder, the user's home and a project's plain-text secrets.

    The user's home is hidden as a whole only where it is not itself a kept folder: an
    action kept directly in the home folder (``~/x.py``, or a test whose ``HOME`` is its
    temporary folder) stays visible; the state and key folders inside it are still hidden.
    """
    kept = {os.path.realpath(k) for k in keep}
    home = Path.home()
    paths = [state, config, project / "secrets.env"]
    if os.path.realpath(home) not in kept:
        paths.append(home)
    return [str(p) for p in paths] + [str(p.resolve()) for p in paths if p.exists()]


__all__ = [
    "NAMESPACES",
    "PROCESS",
    "Sandbox",
    "Support",
    "default_hide",
    "prepare",
    "probe",
    "wrap_command",
]
