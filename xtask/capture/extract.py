"""Extract `SDP_BEGIN <name> <JSON string> SDP_END` lines from a log and write each SDP.

usage: extract.py LOG OUTDIR PREFIX NAME=SUFFIX...
  writes OUTDIR/PREFIX-SUFFIX for each logged NAME, byte-exact (the JSON string decodes to
  the exact SDP text; nothing is added or removed). Fails if a requested NAME is missing.
"""

import json
import os
import re
import sys

MARK = re.compile(r'SDP_BEGIN (\S+) (".*") SDP_END')


def main():
    log, outdir, prefix, *pairs = sys.argv[1:]
    wanted = dict(p.split("=", 1) for p in pairs)
    found = {}
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = MARK.search(line)
            if m:
                found[m.group(1)] = json.loads(m.group(2))
    missing = [n for n in wanted if n not in found]
    if missing:
        sys.exit("extract.py: missing %s in %s" % (", ".join(missing), log))
    for name, suffix in wanted.items():
        path = os.path.join(outdir, prefix + "-" + suffix)
        with open(path, "wb") as out:
            out.write(found[name].encode("utf-8"))
        print("wrote %s (%d bytes)" % (path, len(found[name].encode("utf-8"))))


if __name__ == "__main__":
    main()
