# Rounds of the outbox scenarios for results/outbox.md: one server unpinned and one pinned to CPU 1; each round runs
# every (scenario, client) pair in a fresh process ("one"), unpinned and pinned (client on CPU 0), alternating which
# goes first; every result is kept (outbox.json), with the load average at the start of its round.
# Build first: dotnet build tests/ResilientSockets.Benchmarks -c Release
# Usage: python3 outbox-rounds.py ROUNDS OUT.json ; then python3 outbox-summary.py OUT.json > outbox.md
import json, subprocess, sys, time, os
dll = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bin", "Release", "net10.0", "ResilientSockets.Benchmarks.dll")
rounds = int(sys.argv[1]); out = sys.argv[2]
send = ["outbox-send-64-x1", "outbox-send-64-x8", "outbox-send-64-w256", "outbox-send-64-x1-plain", "outbox-send-64-x8-plain", "outbox-send-64-w256-plain"]
clients = ["resilient-session", "outbox-memory", "outbox-sqlite-flush", "outbox-sqlite-osbuf"]
pairs = [(s, c if not (s.endswith("-plain") and c == "resilient-session") else "resilient") for s in send for c in clients] + [("outbox-recovery-100k", c) for c in ["outbox-sqlite-flush", "outbox-sqlite-osbuf"]]
def server(pin):
    cmd = (["taskset", "-c", "1"] if pin else []) + ["dotnet", dll, "server", "0"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("LISTENING "), line
    return p, int(line.split()[1])
servers = {False: server(False), True: server(True)}
results = []
try:
    for r in range(rounds):
        for pin in ([False, True] if r % 2 == 0 else [True, False]):
            load = open("/proc/loadavg").read().split()[0]
            for s, c in pairs:
                cmd = (["taskset", "-c", "0"] if pin else []) + ["dotnet", dll, "one", s, c, str(servers[pin][1])]
                o = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
                line = next((l for l in o.stdout.splitlines() if l.startswith("RESULT ")), None)
                if line is None:
                    print("FAILED", s, c, o.stdout[-2000:], o.stderr[-2000:], flush=True); continue
                d = json.loads(line[7:]); d["Pinned"] = pin; d["Round"] = r; d["Load"] = float(load)
                results.append(d)
            print(f"round {r} pinned={pin} load at start {load}", flush=True)
            json.dump(results, open(out, "w"), indent=1)
finally:
    for p, _ in servers.values():
        p.stdin.close(); p.wait(timeout=20)
