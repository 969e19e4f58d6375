"""`prefetched`: background paging that keeps order, raises where the item would be, and stops."""

from __future__ import annotations

import threading
import time

import pytest

from crm_elt.sources.base import fetched_concurrently, prefetched


def test_items_arrive_in_order_and_all_of_them():
    assert list(prefetched(iter(range(1000)), depth=3)) == list(range(1000))


def test_a_producer_error_is_raised_after_the_items_before_it():
    def pages():
        yield 1
        yield 2
        raise ConnectionError("page 3 failed")

    received = []
    with pytest.raises(ConnectionError, match="page 3 failed"):
        for item in prefetched(pages()):
            received.append(item)
    assert received == [1, 2]


def test_the_producer_runs_ahead_of_a_slow_consumer_but_no_further_than_depth():
    produced = []

    def pages():
        for number in range(100):
            produced.append(number)
            yield number

    items = prefetched(pages(), depth=2)
    assert next(items) == 0
    time.sleep(0.3)
    # One handed over, two waiting in the queue, one held by the blocked producer.
    assert 2 <= len(produced) <= 4
    items.close()


def test_a_consumer_that_stops_early_stops_the_producer():
    def endless():
        number = 0
        while True:
            number += 1
            yield number

    for item in prefetched(endless(), depth=2):
        if item == 5:
            break
    time.sleep(0.3)
    assert not any(thread.name == "prefetch" for thread in threading.enumerate())


def slow_task(value: int, seconds: float, started: list[int] | None = None):
    def task() -> int:
        if started is not None:
            started.append(value)
        time.sleep(seconds)
        return value

    return task


def test_concurrent_tasks_overlap_and_results_keep_task_order():
    # Later tasks finish first; the caller still gets them in task order.
    tasks = [slow_task(value, 0.2 - value * 0.03) for value in range(6)]
    began = time.monotonic()
    assert list(fetched_concurrently(tasks, workers=3)) == list(range(6))
    assert time.monotonic() - began < 0.2 * 6 * 0.7  # they ran side by side


def test_a_failed_task_is_raised_after_the_results_before_it():
    def failing() -> int:
        raise ConnectionError("batch 3 failed")

    tasks = [slow_task(1, 0), slow_task(2, 0), failing, slow_task(4, 0)]
    received = []
    with pytest.raises(ConnectionError, match="batch 3 failed"):
        for item in fetched_concurrently(tasks):
            received.append(item)
    assert received == [1, 2]


def test_stopping_early_cancels_tasks_not_yet_started():
    started: list[int] = []
    tasks = (slow_task(value, 0.05, started) for value in range(100))
    for item in fetched_concurrently(tasks, workers=2, ahead=4):
        if item == 1:
            break
    assert len(started) <= 8  # never the whole hundred
