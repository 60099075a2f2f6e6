"""The article's asyncio download, for conc: one aiohttp session shared by every task on one thread."""
import asyncio
import sys
import time

import aiohttp

from conc_twin import TIMEOUT_SECONDS, download_report, read_items


async def download_site(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        # the article prints response.content_length and never reads the body; reading it does the same
        # work as every other twin and conc (and lets the connection go back to the pool)
        body = await response.read()
        return len(body)


async def download_all_sites(sites):
    # tasks can share a session because they all run on the same thread
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        tasks = [asyncio.ensure_future(download_site(session, url)) for url in sites]
        # keep the session alive until every task has completed; a failure is returned, not raised
        results = await asyncio.gather(*tasks, return_exceptions=True)
        # aiohttp opens at most connector.limit connections (100 by default): the downloads at once
        return results, min(len(sites), session.connector.limit or len(sites))


def sizes_of(results, sites):
    sizes = []
    for url, result in zip(sites, results):
        if isinstance(result, BaseException):
            print(f"failed {url}: {result!r}", file=sys.stderr)
            sizes.append(None)
        else:
            sizes.append(result)
    return sizes


if __name__ == "__main__":
    sites = read_items()
    start_time = time.perf_counter()
    results, width = asyncio.run(download_all_sites(sites))
    duration = time.perf_counter() - start_time
    download_report("io_bound_asyncio", duration, width, sizes_of(results, sites))
