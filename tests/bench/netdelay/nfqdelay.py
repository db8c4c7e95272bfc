#!/usr/bin/python3
"""nfqdelay.py: a constant-delay line on NFQUEUE (what `tc qdisc ... netem
delay` does, for kernels built without sch_netem).

    ip netns exec NS nfqdelay.py --queue 0 --delay-ms 25 [--max-seconds 3600]

Binds netfilter queue --queue in the network namespace it runs in and holds
every packet the kernel queues there for --delay-ms, then accepts it. The
packets get there through a rule such as

    iptables-legacy -t raw -A PREROUTING -i VETH -j NFQUEUE --queue-num 0

(the rule is the caller's business; netdelay.sh sets it up). Every packet
of the interface is held, SYN and SYN-ACK included, in arrival order, so a
TCP handshake, a TLS flight or an HTTP exchange each pay the full delay.

How: raw nfnetlink (NETLINK_NETFILTER, subsystem NFNL_SUBSYS_QUEUE), no
library. Copy mode META (the payload is never copied to user space), GSO
packets are queued whole. Packet ids of one queue increase monotonically
and the delay is the same for every packet, so one NFQNL_MSG_VERDICT_BATCH
("accept every id up to N") releases all packets that are due (and any
whose netlink message was lost to a full socket buffer: none is stranded).

It runs at real-time priority (SCHED_FIFO 50; --no-realtime to not ask) so
that a busy CPU (the lab and the clients are CPU-heavy Python) does not hold
the releases back, sets its timer slack to 1 ns, and learns how long waking
up takes (a running average, clipped) to release that much early.

Prints "READY queue=N delay_ms=D realtime=..." once bound; on SIGUSR1 a line
"STATS ..." and on exit (SIGTERM, SIGINT, --max-seconds) a line "nfqdelay
...": packets held, and when each was released against its ideal release
time (median, p99, max in microseconds, count later than 1 ms; negative =
early). Packets still held at exit are accepted before the queue is unbound.

Exit status: 0 after a clean stop, 1 when the queue could not be bound
(not root, queue already bound, no nfnetlink_queue in the kernel).
"""

import argparse
import collections
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5

NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3

NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_CONFIG = 2
NFQNL_MSG_VERDICT_BATCH = 3

NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQA_CFG_MASK = 4
NFQA_CFG_FLAGS = 5

NFQNL_CFG_CMD_BIND = 1
NFQNL_CFG_CMD_UNBIND = 2
NFQNL_COPY_META = 1
NFQA_CFG_F_GSO = 1 << 2
NF_ACCEPT = 1

NLA_TYPE_MASK = 0x3FFF
QUEUE_MAXLEN = 16384          # packets the kernel may hold for us
RCVBUF = 8 << 20
MAX_EARLY = 1000000           # ns: never release more than 1 ms early
CLIP_SAMPLE = 400000          # ns: wake-up samples above this do not train the estimate
RT_PRIORITY = 50              # SCHED_FIFO priority (unless --no-realtime)


def nla(atype, payload):
    """One netlink attribute, padded to 4 bytes."""
    n = 4 + len(payload)
    return struct.pack("=HH", n, atype) + payload + b"\0" * ((4 - n % 4) % 4)


class Queue:
    def __init__(self, num):
        self.num = num
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 33, RCVBUF)   # SO_RCVBUFFORCE
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
        self.sock.bind((0, 0))

    def _msg(self, mtype, attrs, flags=0):
        self.seq += 1
        body = struct.pack("!BBH", socket.AF_UNSPEC, 0, self.num) + b"".join(attrs)
        hdr = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | mtype,
                          NLM_F_REQUEST | flags, self.seq, 0)
        return hdr + body

    def _config(self, attrs):
        """Send a config message and wait (bounded) for its ack."""
        self.sock.sendto(self._msg(NFQNL_MSG_CONFIG, attrs, NLM_F_ACK), (0, 0))
        want = self.seq
        end = time.monotonic() + 5
        while time.monotonic() < end:
            r, _, _ = select.select([self.sock], [], [], 0.5)
            if not r:
                continue
            data = self.sock.recv(65536)
            for mtype, seq, payload in split(data):
                if mtype == NLMSG_ERROR and seq == want:
                    err = struct.unpack_from("=i", payload)[0]
                    if err:
                        raise OSError(-err, os.strerror(-err))
                    return
        raise OSError("no answer from nfnetlink_queue within 5 s")

    def bind(self):
        self._config([nla(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0,
                                                    socket.AF_INET))])
        self._config([nla(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)),
                      nla(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", QUEUE_MAXLEN)),
                      nla(NFQA_CFG_MASK, struct.pack("!I", NFQA_CFG_F_GSO)),
                      nla(NFQA_CFG_FLAGS, struct.pack("!I", NFQA_CFG_F_GSO))])

    def unbind(self):
        try:
            self._config([nla(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_UNBIND, 0,
                                                        socket.AF_INET))])
        except OSError:
            pass

    def accept_upto(self, packet_id):
        msg = self._msg(NFQNL_MSG_VERDICT_BATCH,
                        [nla(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))])
        self.sock.sendto(msg, (0, 0))


def split(data):
    """(type, seq, payload) of every netlink message in one datagram."""
    off = 0
    while off + 16 <= len(data):
        length, mtype, _flags, seq, _pid = struct.unpack_from("=IHHII", data, off)
        if length < 16 or off + length > len(data):
            return
        yield mtype, seq, data[off + 16:off + length]
        off += (length + 3) & ~3


def packet_id(payload):
    """The packet id of an NFQNL_MSG_PACKET payload (after nfgenmsg), or None."""
    off = 4
    while off + 4 <= len(payload):
        alen, atype = struct.unpack_from("=HH", payload, off)
        if alen < 4:
            return None
        if atype & NLA_TYPE_MASK == NFQA_PACKET_HDR and alen >= 8:
            return struct.unpack_from("!I", payload, off + 4)[0]
        off += (alen + 3) & ~3
    return None


def set_timerslack():
    """prctl(PR_SET_TIMERSLACK, 1 ns): timers of this process fire on time."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(29, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def stats_line(tag, queue, packets, late, early):
    srt = sorted(late)
    over1 = sum(1 for v in srt if v > 1000000)
    return ("%s queue=%d packets=%d release_vs_due_us median=%d p99=%d max=%d "
            "later_than_1ms=%d early_us=%d"
            % (tag, queue, packets, percentile(srt, 50) // 1000, percentile(srt, 99) // 1000,
               (srt[-1] if srt else 0) // 1000, over1, early // 1000))


def percentile(sorted_values, p):
    if not sorted_values:
        return 0
    k = min(len(sorted_values) - 1, int(round(p / 100.0 * (len(sorted_values) - 1))))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser(description="constant delay on an NFQUEUE")
    ap.add_argument("--queue", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, required=True)
    ap.add_argument("--no-realtime", action="store_true",
                    help="do not ask for SCHED_FIFO (by default the line runs at real-time "
                         "priority %d so a busy CPU does not delay its releases)" % RT_PRIORITY)
    ap.add_argument("--max-seconds", type=float, default=3600.0,
                    help="stop after this long whatever happens (default 3600)")
    a = ap.parse_args()
    if not 0 <= a.queue <= 65535 or not 0 <= a.delay_ms <= 10000 or a.max_seconds <= 0:
        ap.error("--queue 0..65535, --delay-ms 0..10000, --max-seconds > 0")

    stop = []
    report = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGUSR1, lambda *_: report.append(1))

    rt = "off"
    if not a.no_realtime:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(RT_PRIORITY))
            rt = "fifo:%d" % RT_PRIORITY
        except (OSError, AttributeError) as e:
            rt = "off (%s)" % e
    q = Queue(a.queue)
    try:
        q.bind()
    except OSError as e:
        print("nfqdelay: cannot bind queue %d: %s" % (a.queue, e), file=sys.stderr)
        return 1
    print("READY queue=%d delay_ms=%g realtime=%s" % (a.queue, a.delay_ms, rt), flush=True)

    delay = int(a.delay_ms * 1e6)
    held = collections.deque()           # (due_ns, id), due_ns nondecreasing
    # Waking up costs time (timer slack, the interpreter): release a little
    # early by a running estimate of that cost so packets leave on time.
    early = 0                            # ns, EWMA of the wake-up lateness
    set_timerslack()
    late = []                            # verdict lateness, ns (sampled)
    packets = 0
    end = time.monotonic_ns() + int(a.max_seconds * 1e9)
    q.sock.setblocking(False)
    while not stop and time.monotonic_ns() < end:
        now = time.monotonic_ns()
        if held:
            timeout = max(0.0, (held[0][0] - early - now) / 1e9)
        else:
            timeout = 0.5
        try:
            r, _, _ = select.select([q.sock], [], [], timeout)
        except InterruptedError:
            continue
        if r:
            while True:
                try:
                    data = q.sock.recv(262144)
                except (BlockingIOError, InterruptedError):
                    break
                t = time.monotonic_ns()
                for mtype, _seq, payload in split(data):
                    if mtype == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                        pid = packet_id(payload)
                        if pid is not None:
                            held.append((t + delay, pid))
                            packets += 1
        if report:
            report.clear()
            print(stats_line("STATS", a.queue, packets, late, early), flush=True)
        now = time.monotonic_ns()
        upto = None
        first = True
        while held and held[0][0] - early <= now:
            due, upto = held.popleft()
            if first:   # only the packet we woke up for tells the wake-up cost
                woke = min(now - (due - early), CLIP_SAMPLE)   # outliers (preemption) clipped
                early = max(0, min(MAX_EARLY, early + (woke - early) // 8))
                first = False
            if len(late) < 200000:
                late.append(now - due)
        if upto is not None:
            q.accept_upto(upto)

    if held:
        q.accept_upto(held[-1][1])
    q.unbind()
    print(stats_line("nfqdelay", a.queue, packets, late, early), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
