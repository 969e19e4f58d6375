"""`prefetched`: background paging that keeps order, raises where the item would be, and stops."""

from __future__ import annotations

import threading
import time

import pytest

from crm_elt.sources.base import prefetched


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
