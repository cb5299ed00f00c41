#!/usr/bin/env python3
"""Golden reports: a JSON report, normalised, against the one recorded in
tests/golden/. Only what varies from run to run is normalised: the time,
the digest and the signature (over the time, with a key made per run), the
test's temporary directory and the other paths of this checkout, and the
strings a test names with --subst (a kernel version a mirror decides; "re:"
before FROM makes it a regular expression), and how much of a raw image
the host's filesystem allocated (its st_blocks, which differs between
filesystems and even between two runs on one). Numbers stay exact (Python's
int), keys stay in document order. A live scan inside a test's namespace or
chroot reads some of the host too: --host NAME stands for the host's name
(in host.hostname and the export file names of the plan), --ignore ID
leaves out the result of a check that reads the host (the firmware, the
running kernel's SELinux), and with it the verdict and counts it moves;
--only ID keeps nothing of the report but the rule set and the results of
the checks named, for a scan whose fixture decides those alone.

  golden.py check  GOLDEN REPORT [OPTIONS]   0 same, 1 different or missing
  golden.py update GOLDEN REPORT [OPTIONS]   (re)writes GOLDEN
  golden.py normalise REPORT [OPTIONS]       prints the normalised form
  OPTIONS: --subst FROM=TO, --host NAME, --ignore ID, --only ID (each repeatable)
"""
import difflib
import json
import os
import re
import sys


def substitutions(extra):
    """Longest first, so that a path inside another is replaced whole."""
    subs = []
    for var, name in (("T", "$T"), ("CSM_FIXTURE_CACHE", "$FIXTURES"), ("CSM_BUILD", "$BUILD"),
                      ("CSM_SRC", "$SRC")):
        v = os.environ.get(var)
        if v and len(v) > 1:
            subs.append((v, name))
            real = os.path.realpath(v)
            if real != v:
                subs.append((real, name))
    for s in extra:
        a, _, b = s.partition("=")
        if a:
            subs.append((a, b))
    return sorted(subs, key=lambda p: len(p[0]), reverse=True)


def replace(text, subs):
    for a, b in subs:
        text = re.sub(a[3:], b, text) if a.startswith("re:") else text.replace(a, b)
    return text


def walk(o, subs):
    if isinstance(o, dict):
        return {k: walk(v, subs) for k, v in o.items()}
    if isinstance(o, list):
        return [walk(v, subs) for v in o]
    if isinstance(o, str):
        return replace(o, subs)
    return o


def normalise(path, extra, host=None, ignore=(), only=()):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if only:
        keep = ("schema_version", "tool", "profile", "ruleset", "results")
        doc = {k: v for k, v in doc.items() if k in keep}
        doc["results"] = [r for r in doc.get("results", []) if r.get("id") in only]
    if ignore and isinstance(doc.get("results"), list):
        doc["results"] = [r for r in doc["results"] if r.get("id") not in ignore]
        for k in ("verdict", "exit_code", "summary"):
            if k in doc:
                doc[k] = "<with " + ", ".join(sorted(ignore)) + ">"
    if host:
        if isinstance(doc.get("host"), dict) and doc["host"].get("hostname") == host:
            doc["host"]["hostname"] = "<host>"
        extra = list(extra) + ["re:/%s-=/<host>-" % re.escape(host)]
    if "generated_at" in doc:
        doc["generated_at"] = "<time>"
    if isinstance(doc.get("digest"), dict) and "value" in doc["digest"]:
        doc["digest"]["value"] = "<sha256>"
    sig = doc.get("signature")
    if isinstance(sig, dict):
        for k in ("value", "public_key", "key_fingerprint"):
            if k in sig:
                sig[k] = "<" + k + ">"
    subs = substitutions(extra)
    image = doc.get("image")
    if isinstance(image, dict) and image.get("format") == "raw" and not image.get("package") \
            and isinstance(image.get("allocated_bytes"), int):
        subs.append(("re:[0-9.]+ [KMGTP]?i?B \\(%d bytes\\) of the guest disk" % image["allocated_bytes"],
                     "<allocated> of the guest disk"))
        image["allocated_bytes"] = "<allocated>"
    doc = walk(doc, subs)
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv):
    mode, args = argv[1], argv[2:]
    opts = {"--subst": [], "--host": [], "--ignore": [], "--only": []}
    for name, values in opts.items():
        while name in args:
            i = args.index(name)
            values.append(args[i + 1])
            del args[i:i + 2]
    host = opts["--host"][-1] if opts["--host"] else None
    if mode == "normalise":
        sys.stdout.write(normalise(args[0], opts["--subst"], host, opts["--ignore"], opts["--only"]))
        return 0
    golden, report = args
    text = normalise(report, opts["--subst"], host, opts["--ignore"], opts["--only"])
    if mode == "update":
        os.makedirs(os.path.dirname(golden), exist_ok=True)
        old = open(golden, encoding="utf-8").read() if os.path.exists(golden) else None
        if old != text:
            with open(golden, "w", encoding="utf-8") as f:
                f.write(text)
        return 0
    if not os.path.exists(golden):
        print(f"no golden report {golden}: record it with CSM_GOLDEN_UPDATE=1", file=sys.stderr)
        return 1
    want = open(golden, encoding="utf-8").read()
    if want == text:
        return 0
    diff = list(difflib.unified_diff(want.splitlines(True), text.splitlines(True), golden, "this run"))
    sys.stderr.writelines(diff[:60])
    if len(diff) > 60:
        print(f"... {len(diff) - 60} more lines of difference", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
