"""The process jupyter_client starts for a ``clusterkit-fork`` kernel (stdlib only, run with ``-I -S``).

It asks the kernel fork server (``toolkit.run.kernels``) for a fresh kernel process, hands it its
stdin/stdout/stderr, forwards signals (interrupt, terminate) to it and exits with its exit code, so
jupyter_client sees an ordinary kernel process. If it is killed, the kernel notices the closed
connection and exits too. If its own parent (the batch's worker) dies, it kills the kernel and exits:
a watchdog polling os.getppid(), as ``toolkit.kernels.die_with_parent`` does (this file imports
nothing of the toolkit). If the fork server cannot be reached it becomes an ordinary ipykernel.

Usage: python -I -S kernel_launcher.py SOCKET CONNECTION_FILE
"""

import json
import os
import signal
import socket
import struct
import sys
import threading
import time


def _plain_kernel(connection_file: str) -> None:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return data
        data += chunk
    return data


def _watch_parent(kernel: list) -> None:
    """End (with the kernel, once there is one) when the process that started us is gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        for pid in kernel:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    sock_path, connection_file = sys.argv[1], sys.argv[2]
    kernel: list = []
    _watch_parent(kernel)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(sock_path)
        body = json.dumps({"argv": ["-f", connection_file], "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(sock, [struct.pack("!I", len(body))], [0, 1, 2])
        sock.sendall(body)
        reply = _read_exact(sock, 5)
        if len(reply) != 5 or reply[:1] != b"P":
            raise OSError("no kernel from the fork server")
    except OSError:
        _plain_kernel(connection_file)
        return
    pid = struct.unpack("!i", reply[1:])[0]
    kernel.append(pid)

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)

    end = _read_exact(sock, 5)
    if len(end) == 5 and end[:1] == b"X":
        code = struct.unpack("!i", end[1:])[0]
        sys.exit(code if code >= 0 else 128 - code)
    # The fork server went away without reporting: do not leave the kernel behind.
    forward(signal.SIGKILL, None)
    sys.exit(1)


if __name__ == "__main__":
    main()
