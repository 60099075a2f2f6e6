"""The article's CPU-bound job on a multiprocessing.Pool, for conc: one interpreter per core."""
import multiprocessing
import os
import time

from conc_twin import read_numbers, report


def cpu_bound(number):
    return sum(i * i for i in range(number))


def find_sums(numbers):
    with multiprocessing.Pool() as pool:
        # map() sends the numbers to the worker processes as they become free
        return pool.map(cpu_bound, numbers)


if __name__ == "__main__":
    numbers = read_numbers()
    start_time = time.perf_counter()
    sums = find_sums(numbers)
    duration = time.perf_counter() - start_time
    report("cpu_bound_multiprocessing", duration, os.cpu_count() or 1, count=len(numbers), sums=sums)
