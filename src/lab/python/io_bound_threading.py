"""The article's threaded download, for conc: five threads, each with its own requests.Session."""
import concurrent.futures
import sys
import threading
import time

import requests

from conc_twin import TIMEOUT_SECONDS, download_report, read_items

WORKERS = 5
thread_local = threading.local()


# requests.Session is not thread-safe: threading.local() gives each thread a session of its own
def get_session():
    if not hasattr(thread_local, "session"):
        thread_local.session = requests.Session()
    return thread_local.session


def download_site(url):
    session = get_session()
    try:
        with session.get(url, timeout=TIMEOUT_SECONDS) as response:
            response.raise_for_status()
            return len(response.content)
    except requests.RequestException as error:
        print(f"failed {url}: {error}", file=sys.stderr)
        return None


def download_all_sites(sites):
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as executor:
        return list(executor.map(download_site, sites))


if __name__ == "__main__":
    sites = read_items()
    start_time = time.perf_counter()
    sizes = download_all_sites(sites)
    duration = time.perf_counter() - start_time
    download_report("io_bound_threading", duration, WORKERS, sizes)
