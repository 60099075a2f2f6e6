"""The article's CPU-bound job on five threads, for conc: the GIL lets one of them compute at a time."""
import concurrent.futures
import time

from conc_twin import read_numbers, report

WORKERS = 5


def cpu_bound(number):
    return sum(i * i for i in range(number))


def find_sums(numbers):
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as executor:
        return list(executor.map(cpu_bound, numbers))


if __name__ == "__main__":
    numbers = read_numbers()
    start_time = time.perf_counter()
    sums = find_sums(numbers)
    duration = time.perf_counter() - start_time
    report("cpu_bound_threading", duration, WORKERS, count=len(numbers), sums=sums)
