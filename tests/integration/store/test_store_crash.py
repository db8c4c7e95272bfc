#!/usr/bin/env python3
"""kill -9 at random moments loses no committed run (issue 8).

Runs `store_crashwriter write DB SEED`, which writes runs through the
asynchronous writer and prints "committed ID" after each commit; once the
first commit is reported (so the process is past its start-up), it is
killed with SIGKILL after a random 0-0.5 s more (so the kill lands anywhere:
mid-transaction, mid-commit, mid-WAL-write, between batches). Then
`store_crashwriter verify` reopens the database with store_open, runs
PRAGMA integrity_check and foreign_key_check, and checks that every id the
killed process reported is stored and that the rollups count every run.
Repeated on the same file (each round reopens what the previous kill left).
Bounded: ROUNDS rounds, each with 20 s + 10 s + 60 s caps.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writer", required=True)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    print(f"seed {seed}")
    with tempfile.TemporaryDirectory(prefix="oaprobe-crash-") as tmp:
        db = os.path.join(tmp, "crash.db")
        ids_file = os.path.join(tmp, "ids")
        all_ids = []
        for rnd in range(args.rounds):
            p = subprocess.Popen([args.writer, "write", db, str(rng.randrange(1 << 30))],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            lines = []
            first = threading.Event()

            def reader():
                for line in p.stdout:
                    lines.append(line)
                    first.set()
            th = threading.Thread(target=reader, daemon=True)
            th.start()
            if not first.wait(20):
                p.kill()
                print(f"FAIL round {rnd}: no commit reported within 20 s")
                return 1
            delay = rng.uniform(0.0, 0.5)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                print(f"FAIL round {rnd}: writer did not die")
                return 1
            th.join(10)
            err = p.stderr.read()
            p.stdout.close()
            p.stderr.close()
            if p.returncode != -signal.SIGKILL:
                print(f"FAIL round {rnd}: writer exited {p.returncode} before the kill: {err}")
                return 1
            ids = [l.split()[1] for l in lines if l.startswith("committed ")]
            all_ids.extend(ids)
            with open(ids_file, "w") as f:
                f.write("\n".join(all_ids) + "\n")
            v = subprocess.run([args.writer, "verify", db, ids_file], capture_output=True,
                               text=True, timeout=60)
            print(f"round {rnd}: killed {delay:.3f} s after the first commit, {len(ids)} runs reported "
                  f"committed; verify: {v.stdout.strip()}")
            if v.returncode != 0:
                print(v.stderr)
                return 1
        if not all_ids:
            print("FAIL: no run was ever committed; the test proved nothing")
            return 1
    print(f"ok: {args.rounds} kills, {len(all_ids)} committed runs all present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
