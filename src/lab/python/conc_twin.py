"""How an article twin talks to conc: its items come on stdin, its result goes out on one line.

conc (``conc compare --python``) starts one fresh interpreter per run, writes the URLs or numbers on
stdin, one a line, and reads back the last stdout line that starts with ``CONC-TWIN ``: a JSON object
with the program's own time (measured as the article does: around the work, after the imports).
Run one by hand the same way::

    printf '%s\\n' http://127.0.0.1:8080/jython http://127.0.0.1:8080/dice | python3 io_bound_sync.py
"""
import json
import sys

# A download that takes longer than this fails; conc's own downloads use the same per-attempt bound.
TIMEOUT_SECONDS = 30


def read_items():
    """The URLs or numbers conc sent, one a line (blank lines skipped)."""
    return [line.strip() for line in sys.stdin if line.strip()]


def read_numbers():
    return [int(item) for item in read_items()]


def report(program, seconds, workers, **fields):
    """Prints the article's line for a reader (stderr) and the machine-readable one for conc (stdout)."""
    if "sums" in fields:
        print(f"Duration {seconds} seconds", file=sys.stderr)
        # decimal strings: JSON numbers past 2**53 would lose digits in JavaScript
        fields["sums"] = [str(s) for s in fields["sums"]]
    else:
        print(f"Downloaded {fields.get('count')} sites in {seconds} seconds", file=sys.stderr)
    line = {
        "program": program,
        "python": sys.version.split()[0],
        "seconds": seconds,
        "workers": workers,
        **fields,
    }
    print("CONC-TWIN " + json.dumps(line), flush=True)


def download_report(program, seconds, workers, sizes):
    """sizes: one entry per URL, the body's length or None for a download that failed."""
    done = [s for s in sizes if s is not None]
    report(
        program,
        seconds,
        workers,
        count=len(sizes),
        failed=len(sizes) - len(done),
        bytes=sum(done),
    )
