"""The article's CPU-bound job, for conc: sum(i * i for i in range(n)) for each number, one after another."""
import time

from conc_twin import read_numbers, report


def cpu_bound(number):
    return sum(i * i for i in range(number))


def find_sums(numbers):
    return [cpu_bound(number) for number in numbers]


if __name__ == "__main__":
    numbers = read_numbers()
    start_time = time.perf_counter()
    sums = find_sums(numbers)
    duration = time.perf_counter() - start_time
    report("cpu_bound_sync", duration, 1, count=len(numbers), sums=sums)
