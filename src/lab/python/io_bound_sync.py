"""The article's synchronous download, for conc: one requests.Session reused for every URL in turn."""
import sys
import time

import requests

from conc_twin import TIMEOUT_SECONDS, download_report, read_items


def download_site(url, session):
    try:
        with session.get(url, timeout=TIMEOUT_SECONDS) as response:
            response.raise_for_status()
            # the article prints "Read N from URL" here; conc's runs print nothing, so neither does this
            return len(response.content)
    except requests.RequestException as error:
        print(f"failed {url}: {error}", file=sys.stderr)
        return None


# download_all_sites() walks through a list of sites, downloading each one in turn
def download_all_sites(sites):
    with requests.Session() as session:
        return [download_site(url, session) for url in sites]


if __name__ == "__main__":
    sites = read_items()
    start_time = time.perf_counter()
    sizes = download_all_sites(sites)
    duration = time.perf_counter() - start_time
    download_report("io_bound_sync", duration, 1, sizes)
