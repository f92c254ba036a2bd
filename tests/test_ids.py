"""Identifiers in PocketBase's shapes (`baas/ids.py`)."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

from baas.ids import new_record_id, new_sequential_id, random_string

SHAPE = re.compile(r"^[a-z0-9]{15}$")


def test_record_ids_are_15_lowercase_alphanumerics_and_differ():
    ids = {new_record_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(SHAPE.match(value) for value in ids)


def test_sequential_ids_have_the_record_id_shape_and_sort_by_creation_time():
    first = [new_sequential_id() for _ in range(50)]
    time.sleep(0.003)
    later = new_sequential_id()
    assert all(SHAPE.match(value) for value in first + [later])
    assert len(set(first)) == 50
    assert later > max(first)
    assert abs(int(later[:8], 36) - time.time_ns() // 1_000_000) < 1000  # the millisecond clock


def test_random_strings_use_the_whole_alphabet_evenly():
    text = random_string(20000, "ab")
    assert set(text) == {"a", "b"}
    assert 9000 < text.count("a") < 11000


def test_a_forked_process_does_not_repeat_its_parents_random_bytes():
    random_string(10)  # the parent has a buffer with bytes left
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(write_end, "".join(random_string(15) for _ in range(20)).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    from_child = os.read(read_end, 1000).decode()
    os.close(read_end)
    from_parent = "".join(random_string(15) for _ in range(20))
    assert len(from_child) == 300 and from_child != from_parent


def test_random_strings_from_many_threads_are_all_different():
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda _: random_string(15), range(4000)))
    assert len(set(made)) == 4000
