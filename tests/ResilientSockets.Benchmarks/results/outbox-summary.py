# Median (min-max) tables of outbox-rounds.py results, per pinned/unpinned. Usage: python3 outbox-summary.py outbox.json
import json, sys, statistics
res = json.load(open(sys.argv[1]))
def st(vals):
    vals = sorted(vals); return vals[len(vals)//2], vals[0], vals[-1]
def fmt(v, unit=""):
    m, lo, hi = v
    return f"{m:,.0f}{unit} ({lo:,.0f}–{hi:,.0f})"
names = {"resilient-session": "no outbox (in memory, session)", "resilient": "no outbox (in memory)", "outbox-memory": "InMemoryOutboxStore", "outbox-sqlite-flush": "SQLite FlushPerCommit", "outbox-sqlite-osbuf": "SQLite OsBuffered"}
for pin in (False, True):
    rows = [r for r in res if r["Pinned"] == pin]
    if not rows: continue
    loads = [r["Load"] for r in rows]
    print(f"\n### {'pinned' if pin else 'unpinned'}: {len(set(r['Round'] for r in rows))} rounds, load average at round start {min(loads):.1f}–{max(loads):.1f}\n")
    print("| Shape | Store | Acknowledged (plain: delivered) msg/s | vs no outbox | Accepted msg/s | vs no outbox | Send p50 / p99 µs | CPU µs/msg | Alloc B/msg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in ["outbox-send-64-x1", "outbox-send-64-x8", "outbox-send-64-w256", "outbox-send-64-x1-plain", "outbox-send-64-x8-plain", "outbox-send-64-w256-plain"]:
        base = [r for r in rows if r["Scenario"] == s and r["Client"] in ("resilient-session", "resilient")]
        bm = st([r["PerSecond"] for r in base])[0] if base else None
        ba = st([r["AcceptedPerSecond"] for r in base])[0] if base else None
        for c in names:
            rr = [r for r in rows if r["Scenario"] == s and r["Client"] == c]
            if not rr: continue
            ack = st([r["PerSecond"] for r in rr]); acc = st([r["AcceptedPerSecond"] for r in rr])
            lat = f"{st([r['P50Micros'] for r in rr])[0]:,.0f} / {st([r['P99Micros'] for r in rr])[0]:,.0f}" if rr[0]["P50Micros"] > 0 else ""
            print(f"| {s[len('outbox-send-64-'):]} | {names[c]} | {fmt(ack)} | {ack[0]/bm:.2f}× | {fmt(acc)} | {acc[0]/ba:.2f}× | {lat} | {st([r['CpuMicrosPerOp'] for r in rr])[0]:.1f} | {st([r['AllocatedBytesPerOp'] for r in rr])[0]:,.0f} |")
    print("\n| Recovery (100,000 pending, SQLite) | Written offline msg/s | Loaded (open + load) ms | All acknowledged ms | msg/s |")
    print("|---|---|---|---|---|")
    for c in ["outbox-sqlite-flush", "outbox-sqlite-osbuf"]:
        rr = [r for r in rows if r["Scenario"] == "outbox-recovery-100k" and r["Client"] == c]
        if not rr: continue
        print(f"| {names[c]} | {fmt(st([r['AcceptedPerSecond'] for r in rr]))} | {fmt(st([r['LoadMillis'] for r in rr]))} | {fmt(st([r['Millis'] for r in rr]))} | {fmt(st([r['PerSecond'] for r in rr]))} |")
