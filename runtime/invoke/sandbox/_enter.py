"""Entering hsrun's sandbox from inside the action's process. Stands alone: stdlib only, runs
under Python 3.9, imports nothing of ``runtime`` (the Python bootstrap loads it by path, and
``python _enter.py SPEC -- COMMAND...`` wraps any other child, a Node one included).

HubSpot runs an action on AWS Lambda, in a microVM that sees nothing of HubSpot. Here the
kernel's namespaces stand in for it. :func:`enter` is called in a fresh process (the
*worker*, which the parent knows by pid and leads its own process group) and returns in the
action's process:

- the worker joins the run's cgroups, then unshares user, PID, mount, network and IPC
  namespaces, and forks **init** (PID 1 of the new PID namespace) and waits for it, passing
  its exit status on, so the parent sees the action's exit as before;
- init builds a new root from the paths the spec keeps (read-only), a private ``/tmp`` and
  ``/dev/shm``, a minimal ``/dev`` and its own ``/proc``, pivots into it and detaches the old
  root; it brings loopback up and serves the run's loopback listeners (the fake portal, the
  egress proxy) by relaying each connection to the parent's gateway over a unix socket;
- init forks the **action**, which enters one more user and mount namespace so that every
  mount above is locked (it cannot be unmounted or made writable), and returns.

When the action exits init passes its status to the worker and exits, and the kernel kills
every process left in the PID namespace, whatever sessions or double forks they used.
"""

import ctypes
import errno
import fcntl
import json
import os
import select
import signal
import socket
import struct
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
#: /etc is kept whole (name resolution, TLS roots, time zone) except its password hashes.
ETC_HIDE = ("/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/sudoers")
SYSTEM_KEEP = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")
#: Private to the run: an empty tmpfs each.
PRIVATE_TMP = ("/tmp", "/dev/shm", "/var/tmp")

_LIBC = None


class SandboxError(OSError):
    """The sandbox could not be set up; ``stage`` says where."""


def libc():
    """The C library (loaded once; the zygote calls this before forking workers)."""
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
        for name in ("unshare", "mount", "umount2", "prctl", "syscall"):
            getattr(_LIBC, name)  # looked up once: a forked worker finds them resolved
    return _LIBC


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxError(err, "%s: %s" % (what, os.strerror(err)))


def _mount(source, target, fstype, flags, data=None):
    _check(
        libc().mount(
            None if source is None else os.fsencode(source),
            os.fsencode(target),
            None if fstype is None else fstype.encode(),
            ctypes.c_ulong(flags),
            None if data is None else data.encode(),
        ),
        "mount %s" % target,
    )


def _write(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _die_with_parent():
    libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _map_ids(uid, gid):
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", "0 %d 1" % uid)
    _write("/proc/self/gid_map", "0 %d 1" % gid)


# --------------------------------------------------------------------------- worker


def enter(spec, close_in_init=(), on_setup_error=None):
    """Enter the sandbox ``spec`` describes; returns in the action's process.

    Args:
        spec: the parent's plan (``runtime.invoke.sandbox.plan``): ``keep`` (paths seen
            read-only), ``hide`` (paths inside those replaced by nothing), ``net``
            (``"none"``: loopback only, ``"host"``), ``listeners`` (``[ip, port, kind]``
            relayed to ``gateway`` with ``token``), ``cgroups`` (folders to join),
            ``tmp_mb`` (size of the private ``/tmp`` and ``/dev/shm``).
        close_in_init: descriptors init must not hold (the control socket), so that the
            parent sees them close when the action ends.
        on_setup_error: called in init with the reason when building the sandbox fails
            after the namespaces exist (the bootstrap reports it as the run's error).

    Raises:
        SandboxError: the kernel refused the namespaces (nothing has changed then: the caller
            may run without them) or a later step failed (``stage`` is ``"setup"``).
    """
    for folder in spec.get("cgroups") or ():
        _write(os.path.join(folder, "cgroup.procs"), str(os.getpid()))
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC
    if spec.get("net", "none") == "none":
        flags |= CLONE_NEWNET
    try:
        _check(libc().unshare(flags), "unshare")
    except SandboxError as exc:
        exc.stage = "unshare"
        raise
    _map_ids(uid, gid)
    status_r, status_w = os.pipe()
    # Listed before init exists: its pivot moves this process's root too, and the new /proc
    # does not show this process.
    open_fds = [int(name) for name in os.listdir("/proc/self/fd")]
    pid = os.fork()
    if pid:
        os.close(status_w)
        _relay_worker(pid, status_r, open_fds)
    os.close(status_r)
    try:
        _die_with_parent()
        # Opened in the new mount namespace (a bind's source must be in it), before
        # anything is mounted over them.
        _build_root(spec, _open_keep(spec))
        listeners = _open_listeners(spec)
    except BaseException as exc:
        if on_setup_error is not None:
            try:
                on_setup_error(str(exc))
            except BaseException:
                pass
        os.write(status_w, ("setup " + json.dumps(str(exc)) + "\n").encode())
        os._exit(1)
    action = os.fork()
    if action == 0:
        os.close(status_w)
        for sock, _kind in listeners:
            sock.close()
        _die_with_parent()
        _lock_mounts()
        return
    for fd in close_in_init:
        try:
            os.close(fd)
        except OSError:
            pass
    _init_loop(action, listeners, status_w, spec)


def _relay_worker(init_pid, status_r, open_fds):
    """The worker: outlive init, then exit as the action did."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    for fd in open_fds:
        if fd > 2 and fd != status_r:
            try:
                os.close(fd)
            except OSError:
                pass
    data = b""
    while True:
        try:
            chunk = os.read(status_r, 4096)
        except InterruptedError:
            continue
        if not chunk:
            break
        data += chunk
    while True:
        try:
            os.waitpid(init_pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            break
    text = data.decode("utf-8", "replace").strip()
    if text.startswith("status "):
        status = int(text.split()[1])
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        os._exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else 1)
    os._exit(71)  # init failed before the action started (its reason went to the parent)


# --------------------------------------------------------------------------- filesystem


def _open_keep(spec):
    """O_PATH descriptors of every path the action keeps."""
    paths = list(spec.get("keep") or ())
    paths += SYSTEM_KEEP
    paths += [os.path.join("/dev", name) for name in DEVICES]
    found = {}
    for path in paths:
        if path in found:
            continue
        if os.path.islink(path) and path in SYSTEM_KEEP:
            continue  # /bin -> usr/bin: recreated as a link
        try:
            found[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            pass
    return found


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _mirror(root, path, is_dir):
    target = root + path
    parent = os.path.dirname(target)
    os.makedirs(parent, mode=0o755, exist_ok=True)
    if is_dir:
        os.makedirs(target, mode=0o755, exist_ok=True)
    elif not os.path.exists(target):
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    return target


def _bind_readonly(fd, target):
    source = "/proc/self/fd/%d" % fd
    _mount(source, target, None, MS_BIND | MS_REC)
    flags = os.statvfs(target).f_flag
    locked = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | locked)


def _build_root(spec, keep):
    """A new root holding only the kept paths, then pivot into it."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = "/tmp"  # exists everywhere; what was under it stays reachable through ``keep``
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    # The private folders first: kept paths under /tmp (a test's tmp_path) go inside them.
    for private in PRIVATE_TMP:
        os.makedirs(root + private, mode=0o755, exist_ok=True)
    _mount_private_tmp(root, spec.get("tmp_mb"))
    hide = [os.path.normpath(p) for p in spec.get("hide") or ()] + list(ETC_HIDE)
    kept = sorted(keep, key=lambda p: (p.count("/"), p))
    outer = [p for p in kept if not any(_inside(p, o) and p != o for o in kept)]
    nested_in_hidden = []
    for path in kept:
        if path not in outer:
            if any(_inside(path, h) for h in hide):
                nested_in_hidden.append(path)
            continue
        _bind_path(root, path, keep[path])
    for path in sorted(hide, key=lambda p: p.count("/")):
        if not any(_inside(path, o) for o in outer) or not os.path.lexists(root + path):
            continue
        if path in keep:
            continue  # the action's own folder is the home folder: keep it, hide what is in it
        if os.path.isdir(root + path):
            _mount("tmpfs", root + path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
        else:
            _mount(root + "/dev/null", root + path, None, MS_BIND)
    for path in nested_in_hidden:
        _bind_path(root, path, keep[path])
    if spec.get("hosts"):
        _private_hosts(root, spec["hosts"])
    for link in SYSTEM_KEEP:
        if os.path.islink(link) and not os.path.lexists(root + link):
            os.symlink(os.readlink(link), root + link)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0")):
        os.symlink(target, root + "/dev/" + name)
    os.symlink("/proc/self/fd/1", root + "/dev/stdout")
    os.symlink("/proc/self/fd/2", root + "/dev/stderr")
    os.makedirs(root + "/proc", exist_ok=True)
    # Before the old root goes: the kernel lets a user namespace mount proc only while a
    # fully visible proc is mounted in its mount namespace.
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(root + "/.old", exist_ok=True)
    number = SYS_PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise SandboxError(errno.ENOSYS, "pivot_root: unknown machine " + os.uname().machine)
    _check(libc().syscall(number, os.fsencode(root), os.fsencode(root + "/.old")), "pivot_root")
    os.chdir("/")
    # Detached, not unmounted: a plain unmount would wait for an RCU grace period (10-30 ms)
    # before returning; a lazy one returns at once (0.1 ms) and the old root is gone from
    # this namespace's tree, so that every copy of it (a slot's run each makes one) is small.
    _check(libc().umount2(b"/.old", MNT_DETACH), "umount /.old")
    os.rmdir("/.old")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for fd in keep.values():
        os.close(fd)


def _private_hosts(root, entries):
    """The run's own ``/etc/hosts``: loopback, and each ``[ip, name]`` of ``entries`` (with
    ``--live``, HubSpot's hosts at the addresses init relays to HubSpot)."""
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
    lines += ["%s\t%s" % (ip, name) for ip, name in entries]
    source = root + "/.hosts"
    with open(source, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    target = root + "/etc/hosts"
    if not os.path.exists(target):
        raise SandboxError(errno.ENOENT, "/etc/hosts is missing: --live cannot be routed")
    _mount(source, target, None, MS_BIND)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY)


def _bind_path(root, path, fd):
    is_dir = os.path.isdir("/proc/self/fd/%d" % fd)
    target = _mirror(root, path, is_dir)
    _bind_readonly(fd, target)


def _lock_mounts():
    """One more user and mount namespace for the action: every mount it inherits is now
    locked (it cannot unmount the hiding ones or remount the read-only ones writable)."""
    uid, gid = os.geteuid(), os.getegid()
    _check(libc().unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare (lock mounts)")
    _map_ids(uid, gid)
    libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def _mount_private_tmp(root, tmp_mb):
    """An empty tmpfs of ``tmp_mb`` MB (128 by default) on each private folder under
    ``root`` ("" for this namespace's own)."""
    size = "size=%dm,mode=1777" % int(tmp_mb or 128)
    for path in PRIVATE_TMP:
        _mount("tmpfs", root + path, "tmpfs", MS_NOSUID | MS_NODEV, size)


def cover_private_tmp():
    """In a reused sandbox (a slot): make its ``/tmp``, ``/dev/shm`` and ``/var/tmp``
    read-only. Each run mounts its own over them (:func:`private_tmp`); one that unmounts its
    own finds nothing an earlier run left and cannot leave anything."""
    for path in PRIVATE_TMP:
        locked = os.statvfs(path).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | locked)


def kept_in_tmp(spec):
    """The kept paths that lie in the private folders (a test's ``tmp_path``), outermost
    only: each run of a slot binds them again into its own (:func:`private_tmp`)."""
    paths = {os.path.normpath(p) for p in spec.get("keep") or ()}
    under = sorted(
        (p for p in paths if any(_inside(p, t) and p != t for t in PRIVATE_TMP)),
        key=lambda p: (p.count("/"), p),
    )
    outer = []
    for path in under:
        if not any(_inside(path, o) for o in outer):
            outer.append(path)
    return outer


def private_tmp(tmp_mb, kept=()):
    """A run's own mount namespace with an empty ``/tmp``, ``/dev/shm`` and ``/var/tmp``,
    and the ``kept`` paths in them (:func:`kept_in_tmp`) bound again, read-only, with what
    is hidden inside them, and its own IPC namespace (System V shared memory, semaphores and
    queues outlive their process otherwise): what the run writes there is gone with it. The
    mounts it inherits stay locked."""
    _check(libc().unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare (private /tmp)")
    # Opened in the new namespace (a bind's source must be in it), before they are covered.
    fds = {}
    for path in kept:
        try:
            fds[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            pass
    _mount_private_tmp("", tmp_mb)
    for path, fd in fds.items():
        _bind_readonly(fd, _mirror("", path, os.path.isdir("/proc/self/fd/%d" % fd)))
        os.close(fd)


# --------------------------------------------------------------------------- network


def _loopback_up():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifreq = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, ifreq))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    finally:
        sock.close()


def _open_listeners(spec):
    if spec.get("net", "none") != "none":
        return []
    _loopback_up()
    listeners = []
    for ip, port, kind in spec.get("listeners") or ():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ip, int(port)))
        sock.listen(64)
        sock.setblocking(False)
        listeners.append((sock, kind))
    return listeners


def _init_loop(action, listeners, status_w, spec):
    """PID 1: reap every process, relay loopback connections, end with the action."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    gateway = spec.get("gateway")
    header = str(spec.get("token") or "") + " %s\n"
    peers = {}
    kinds = dict(listeners)
    while True:
        _reap(action, status_w)
        try:
            readable, _, _ = select.select([wake_r, *kinds, *peers], [], [])
        except InterruptedError:
            continue
        for sock in readable:
            if sock == wake_r:
                os.read(wake_r, 4096)
            elif sock in kinds:
                _accept(sock, gateway, (header % kinds[sock]).encode(), peers)
            else:
                _pump(sock, peers)


def _reap(action, status_w):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid == action:
            os.write(status_w, ("status %d\n" % status).encode())
            os._exit(0)  # the kernel kills everything left in the namespace


def _accept(listener, gateway, header, peers):
    try:
        conn, _addr = listener.accept()
    except OSError:
        return
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(gateway)
        upstream.sendall(header)
    except OSError:
        conn.close()
        upstream.close()
        return
    peers[conn], peers[upstream] = upstream, conn


def _pump(sock, peers):
    other = peers.get(sock)
    try:
        data = sock.recv(65536)
    except OSError:
        data = b""
    if data and other is not None:
        try:
            other.sendall(data)
            return
        except OSError:
            pass
    for end in (sock, other):
        if end is not None:
            peers.pop(end, None)
            end.close()


# --------------------------------------------------------------------------- probe / wrap


def python_paths():
    """What this interpreter needs to keep importing: its prefixes, its executable's folder
    and every ``sys.path`` entry (real paths as well: a virtualenv links to its base)."""
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    paths.append(os.path.dirname(os.path.realpath(sys.executable)))
    paths.append(os.path.dirname(sys.executable))
    paths += [p for p in sys.path if p]
    found = []
    for path in paths:
        for candidate in (os.path.abspath(path), os.path.realpath(path)):
            if candidate not in found and os.path.exists(candidate):
                found.append(candidate)
    return found


def probe():
    """Try the whole sandbox in a throwaway child; returns (ok, reason)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            enter({"keep": [], "net": "none", "tmp_mb": 1})
            os.write(w, b"ok")
        except BaseException as exc:
            os.write(w, str(exc).encode() or b"failed")
        os._exit(0)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        out += chunk
    os.close(r)
    os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    return text == "ok", ("" if text == "ok" else text or "the sandbox's init failed")


def main(argv):
    """``_enter.py --probe`` or ``_enter.py SPEC_JSON -- COMMAND ARGS...``."""
    if argv[:1] == ["--probe"]:
        ok, reason = probe()
        sys.stdout.write(json.dumps({"ok": ok, "reason": reason}) + "\n")
        return 0 if ok else 1
    spec = json.loads(argv[0])
    command = argv[argv.index("--") + 1 :]
    os.setsid()
    enter(spec)
    os.execvp(command[0], command)
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
