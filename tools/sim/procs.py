"""Child processes for the simulator, the benchmarks and tests/multi/harness.py: every
node started here dies with its parent (PR_SET_PDEATHSIG) and is killed at exit, even
after a failure."""
import atexit
import ctypes
import os
import signal
import subprocess

PROCS = []


def child_setup():
    """preexec_fn for subprocess.Popen: die with the parent, own process group."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    os.setpgrp()


def kill_all():
    for p in PROCS:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
    for p in PROCS:
        try:
            p.wait(timeout=10)
        except Exception:
            pass


atexit.register(kill_all)


def terminate(proc, timeout):
    """SIGTERM to proc, SIGKILL after timeout seconds: its exit code, "killed", or
    None when there is no process."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "killed"


def vmhwm_kb(pid):
    """The peak RSS (VmHWM, kB) of process pid from /proc/PID/status; None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None
