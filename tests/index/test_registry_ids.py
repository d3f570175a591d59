import time

from index import registry


def test_child_ids_are_version_7_distinct_and_ordered_by_time():
    first = registry.new_ids(1000)
    time.sleep(0.003)
    later = registry.new_ids(1)[0]
    assert {(i.version, i.variant) for i in first} == {(7, "specified in RFC 4122")}
    assert len(set(first)) == 1000
    assert all(i.int >> 80 < later.int >> 80 for i in first)   # the time in milliseconds leads
    # 74 random bits: ids made in the same millisecond are not in sequence
    same_ms = [i for i in first if i.int >> 80 == first[0].int >> 80]
    assert len({(i.int & ((1 << 62) - 1)) - (j.int & ((1 << 62) - 1)) for i, j in zip(same_ms, same_ms[1:])}) \
        == len(same_ms) - 1
