#!/usr/bin/python3
"""A blocked author is never fetched, even though a peer holds its entries.

b follows x and y and holds their logs. a follows b and blocks x (hops = 2, so
without the block x would be in a's scope through b). a syncs with b: it gets
b's and y's entries, never x's -- neither the old ones nor one x publishes live
while everyone is connected."""
import time

import harness as h
from harness import check, check_eq


def main(c):
    x, y = c.node("x"), c.node("y")
    x.about("X")
    for i in range(3):
        x.share(f"x says {i}")
    y.about("Y")
    y.share("y says hi")
    b = c.node("b")
    a = c.node("a")
    b.follow(x)
    b.follow(y)
    for n in (x, y):
        path = c.path(f"{n.name}.jsonl")
        n.export_jsonl(path)
        b.import_jsonl(path)
    y_ids = y.ids(y)
    check_eq((len(b.ids(x)), len(b.ids(y))), (4, 2), "b holds x's and y's logs")
    a.follow(b)
    a.block(x)

    b.start()
    a.start()
    a.peer_add(b)
    h.wait_until(lambda: b.ids(b) <= a.ids(b), 30, "a holds b's entries")
    h.wait_until(lambda: y_ids <= a.ids(y), 30, "a holds y's entries (2 hops, through b)")
    time.sleep(2 * h.SCALE)
    check_eq(a.ids(x), set(), "a holds none of blocked x's entries")

    # x comes online; b follows it, so b gets x's new entry live; a still must not.
    x.start()
    b.peer_add(x)
    r = x.share("x, live")["id"]
    h.wait_until(lambda: b.has(r, x), 20, "b gets x's live entry")
    b_live = b.share("b, live")["id"]
    h.wait_until(lambda: a.has(b_live, b), 15, "a gets b's live entry after x's")
    time.sleep(2 * h.SCALE)
    check_eq(a.ids(x), set(), "a still holds none of x's entries")
    check(not any(e["author"] == x.id for e in a.log()), "no entry by x anywhere in a's store")
    check_eq(a.ids(), a.ids(a) | b.ids(b) | y_ids, "a holds exactly its own, b's and y's logs")
    for n in (a, b, x):
        n.check_alive()
        n.stop()


h.run_test(main)
