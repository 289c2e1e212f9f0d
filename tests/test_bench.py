"""The load harness's own arithmetic: what it reads from wrk, when a row count is a
mismatch, and when a target is met (the benchmarks themselves run with `make bench`)."""

from bench import load

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:8001/api/v1/intakes/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    25.10ms   10.20ms 120.00ms   80.00%
  Latency Distribution
     50%   22.50ms
     75%   28.00ms
     90%   35.00ms
     99%    1.20s
  2250 requests in 15.01s, 1.10MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    149.90
Transfer/sec:     75.00KB
"""


def test_it_reads_throughput_latency_and_every_kind_of_error_from_wrk():
    result = load.parse_wrk(WRK_OUTPUT)
    assert result == {"rps": 149.90, "p50": 22.5, "p99": 1200.0, "requests": 2250, "errors": 7}


def test_a_row_count_matches_only_between_the_requests_and_those_still_in_flight():
    assert load.rows_match(100, 100, connections=4)
    assert load.rows_match(100, 104, connections=4)  # in flight when wrk stopped
    assert not load.rows_match(100, 99, connections=4)  # a lost write
    assert not load.rows_match(100, 105, connections=4)  # a duplicate


def test_throughput_targets_are_floors_and_latency_targets_are_ceilings():
    throughput = load.Target("drink", "drink", "floor_post", "rps", 0.8)
    latency = load.Target("drink p50", "drink", "floor_post", "p50", 1.25)
    assert load.target_met(throughput, 80, 100) == (0.8, True)
    assert load.target_met(throughput, 79, 100)[1] is False
    assert load.target_met(latency, 12.5, 10) == (1.25, True)
    assert load.target_met(latency, 12.6, 10)[1] is False


def test_every_target_and_comparison_names_a_scenario_that_runs():
    keys = {s.key for s in load.scenarios("2026-11-30T08:00:00+00:00", floor_note_id=1)}
    assert {t.scenario for t in load.TARGETS} | {t.floor for t in load.TARGETS} <= keys
    assert {key for _label, a, b in load.COMPARISONS for key in (a, b)} <= keys
