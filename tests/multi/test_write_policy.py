#!/usr/bin/python3
"""A relay's write-policy program (issue 16; docs/config.md, "Write policy").

r is a relay whose write_policy is a small program: it rejects entries of
type share ("no shares here"), accepts the rest, and stalls on an about named
"stall". m, s and q are members.
- m's about and follow are taken, its share is refused before it is stored
  (status refused.policy), the session goes on, and m logs the relay's reason;
- s's "stall" about makes the program miss write_policy_timeout_ms: it is
  killed and the entry refused (write_policy_fail = closed, the default);
- the program is started again for the next entries: q's about is taken;
- r restarted with write_policy_fail = open: s's stalled about is taken.
"""
import os
import stat

import harness as h
from harness import check, check_eq

HOOK = r'''#!/usr/bin/python3
import json, sys, time
for line in sys.stdin:
    q = json.loads(line)
    if q["type"] == "about" and q["content"].get("name") == "stall":
        time.sleep(3600)
    ok = q["type"] != "share"
    print(json.dumps({"id": q["id"], "action": "accept" if ok else "reject",
                      "msg": "" if ok else "no shares here"}), flush=True)
'''


def session(r, who):
    return any(p.get("key") == who.id for p in r.status().get("peers", []))


def join(r, node):
    code = r.cli_json("invite", "create")["code"]
    node.cli("invite", "accept", code)
    node.peer_add(r)
    h.wait_until(lambda: session(r, node), 30, f"r has a session with {node.name}")


def main(c):
    hook = os.path.join(c.root, "policy.py")
    with open(hook, "w") as f:
        f.write(HOOK)
    os.chmod(hook, stat.S_IRWXU)
    r = c.node("r", config={"write_policy": hook, "write_policy_timeout_ms": 500})
    m, s, q = c.node("m"), c.node("s"), c.node("q")
    r.start(relay=True)
    for x in (m, s, q):
        x.start()
        join(r, x)

    m.about("M")
    m.follow(s)
    h.wait_until(lambda: len(r.ids(m)) == 2, 30, "r takes m's about and follow")
    m.share("a share the policy refuses")
    h.wait_until(lambda: r.status()["refused"]["policy"] >= 1, 30, "r refuses m's share")
    check_eq(len(r.ids(m)), 2, "the share is not stored")
    line = m.wait_log(r"relay .* refused your entries from seq 3 \(write policy\)", 30, "m logs the refusal")[0]
    check("no shares here" in line, f"with the program's reason: {line}")
    check(session(r, m), "the session with m goes on")

    s.about("stall")
    r.wait_log(r"write policy: .* failed: no answer within 500 ms", 30, "r gives up on the stalled program")
    h.wait_until(lambda: r.status()["refused"]["policy"] >= 2, 30, "the entry it could not judge is refused (closed)")
    check_eq(len(r.ids(s)), 0, "s's about is not stored")

    # started again for the next entries (at most once a second)
    h.wait_until(lambda: (q.about(f"Q{len(r.ids(q))}"), len(r.ids(q)) >= 1)[1], 30,
                 "q's about is asked and taken once the program runs again", interval=1.5)
    check(len(r.log_lines(r"write policy: started")) >= 2, "the program was started again")
    check(r.verify()["ok"], "r's store verifies")

    r.stop()
    r.write_config(write_policy_fail="open")
    r.start(relay=True)
    s.peer_add(r)
    h.wait_until(lambda: len(r.ids(s)) == 1, 60, "with write_policy_fail = open, s's stalled about is taken")
    r.check_alive("at the end")


if __name__ == "__main__":
    h.run_test(main)
