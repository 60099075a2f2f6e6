"""The article's multiprocessing download, for conc: a Pool whose initializer gives each process a session."""
import multiprocessing
import os
import sys
import time

import requests

from conc_twin import TIMEOUT_SECONDS, download_report, read_items

session = None


# each process of the Pool has its own memory: the initializer makes one session per process
def set_global_session():
    global session
    if not session:
        session = requests.Session()


def download_site(url):
    if session is None:
        return None
    try:
        with session.get(url, timeout=TIMEOUT_SECONDS) as response:
            response.raise_for_status()
            return len(response.content)
    except requests.RequestException as error:
        print(f"failed {url}: {error}", file=sys.stderr)
        return None


def download_all_sites(sites):
    # Pool() starts one interpreter process per core, as conc's processes mode does
    with multiprocessing.Pool(initializer=set_global_session) as pool:
        return pool.map(download_site, sites)


if __name__ == "__main__":
    sites = read_items()
    start_time = time.perf_counter()
    sizes = download_all_sites(sites)
    duration = time.perf_counter() - start_time
    download_report("io_bound_multiprocessing", duration, os.cpu_count() or 1, sizes)
