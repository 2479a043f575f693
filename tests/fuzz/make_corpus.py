#!/usr/bin/python3
"""make_corpus.py: writes the seed corpus of fuzz_entry (good and bad entries).

Uses the independent Python implementation in tests/data/make_entries.py. The
outputs are committed; rerun only to change the seeds:

    /usr/bin/python3 tests/fuzz/make_corpus.py [OUTDIR]

OUTDIR defaults to tests/fuzz/corpus/fuzz_entry next to this script. Files are
named by kind and seq, so reruns are reproducible (no timestamps, fixed keys).
"""
import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "data"))
import make_entries  # noqa: E402


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "fuzz_entry")
    os.makedirs(out, exist_ok=True)
    authors = [make_entries.Author(42, i) for i in range(2)]
    good = make_entries.good_entries(authors, 7)  # 14 entries, every type and an unknown one
    bad = make_entries.tampered_entries(authors)
    written = 0
    for e in good:
        name = "good_%s_%s_%d" % (e["type"].replace("-", "_"), e["author"][:6], e["seq"])
        with open(os.path.join(out, name), "wb") as f:
            f.write(base64.b64decode(e["raw"]))
        written += 1
    keep = {"SR_ESIG", "SR_EPREV", "SR_ENONSHORT", "SR_ESIGNED", "SR_EKEYORDER", "SR_EKEYDUP", "SR_EFLOAT",
            "SR_EEXT", "SR_EUTF8", "SR_EDEPTH", "SR_EVERSION", "SR_ETYPE", "SR_ECONTENT", "SR_ETRAILING"}
    seen = {}
    for e in bad:
        if e["expect"] not in keep:
            continue
        seen[e["expect"]] = seen.get(e["expect"], 0) + 1
        name = "bad_%s_%d" % (e["expect"][4:].lower(), seen[e["expect"]])
        with open(os.path.join(out, name), "wb") as f:
            f.write(base64.b64decode(e["raw"]))
        written += 1
    # Device keys (docs/format.md "Devices"): a person's certificate and
    # revocation, a device's claim at seq 1, and the schema's refusals (a claim
    # past seq 1, a certificate of the author's own key, upto with add).
    person, dev = make_entries.Author(43, 0), make_entries.Author(43, 1)
    ts = make_entries.TS0
    devices = [
        ("good_device_of_1", make_entries.append(dev, ts, "device-of", {"person": person.pk})),
        ("good_device_add_1", make_entries.append(person, ts, "device", {"device": dev.pk, "state": "add",
                                                                         "name": "laptop"})),
        ("good_device_revoke_2", make_entries.append(person, ts, "device", {"device": dev.pk, "state": "revoke",
                                                                            "upto": 3})),
        ("bad_device_of_2", make_entries.append(dev, ts, "device-of", {"person": person.pk})),
        ("bad_device_self_3", make_entries.append(person, ts, "device", {"device": person.pk, "state": "add"})),
        ("bad_device_upto_4", make_entries.append(person, ts, "device", {"device": dev.pk, "state": "add",
                                                                         "upto": 1})),
    ]
    for name, e in devices:
        with open(os.path.join(out, name), "wb") as f:
            f.write(base64.b64decode(e["raw"]))
        written += 1
    print("make_corpus: %d files in %s" % (written, out), file=sys.stderr)


if __name__ == "__main__":
    main()
