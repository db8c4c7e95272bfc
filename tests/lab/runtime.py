"""Thread and socket bookkeeping shared by the lab's servers.

Every thread the lab starts goes through Runtime.spawn (bounded in number) and
every accepted or outgoing socket is tracked, so stop() can close them all and
the process ends promptly on SIGTERM.
"""

import ipaddress
import logging
import socket
import threading
import time

MAX_THREADS = 600

log = logging.getLogger("oalab")


class LoopbackError(ValueError):
    """An address outside loopback was requested."""


def check_loopback(address, what="address"):
    """Raise LoopbackError unless address is an IPv4 127.0.0.0/8 or ::1 literal."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise LoopbackError("%s %r is not an IP address literal; the lab binds and "
                            "connects only to loopback addresses (127.0.0.0/8, ::1)"
                            % (what, address))
    if not ip.is_loopback:
        raise LoopbackError("refusing %s %s: the lab binds and connects only to "
                            "loopback addresses (127.0.0.0/8, ::1)" % (what, address))
    return str(ip)


class Runtime:
    def __init__(self):
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads = set()
        self._socks = set()
        self._sem = threading.BoundedSemaphore(MAX_THREADS)

    def spawn(self, fn, name, *args):
        """Start a daemon thread; returns it, or None when the bound is reached."""
        if self.stopping.is_set():
            return None
        if not self._sem.acquire(blocking=False):
            log.warning("thread limit %d reached, dropping %s", MAX_THREADS, name)
            for a in args:
                if isinstance(a, socket.socket):
                    close_quietly(a)
            return None

        def run():
            try:
                fn(*args)
            except Exception:
                log.exception("thread %s failed", name)
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())
                self._sem.release()

        t = threading.Thread(target=run, name=name, daemon=True)
        with self._lock:
            self._threads.add(t)
        t.start()
        return t

    def track(self, sock):
        with self._lock:
            self._socks.add(sock)

    def untrack(self, sock):
        with self._lock:
            self._socks.discard(sock)

    def stop(self, timeout=5.0):
        """Shut every tracked socket down (which wakes the threads blocked on
        them), wait (bounded) for the threads to end, then close what is left.
        Returns the number of threads still running."""
        self.stopping.set()
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            shutdown_quietly(s)
        with self._lock:
            threads = list(self._threads)
        end = time.monotonic() + timeout
        for t in threads:
            left = end - time.monotonic()
            if left <= 0:
                break
            t.join(left)
        with self._lock:
            socks = list(self._socks)
            self._socks.clear()
            left = len(self._threads)
        for s in socks:
            close_quietly(s)
        return left


def shutdown_quietly(sock):
    """shutdown(SHUT_RDWR) on the descriptor (also for SSL sockets, without
    touching the TLS state another thread may be using)."""
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError, ValueError):
        pass


def close_quietly(sock):
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError, ValueError):
        pass
    try:
        sock.close()
    except OSError:
        pass
