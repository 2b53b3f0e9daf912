"""pytest setup of test/spark: the measured figures at the end of the run."""
import json


def pytest_terminal_summary(terminalreporter):
    try:
        from test_spark_e2e import FIGURES
    except ImportError:
        return
    if FIGURES:
        terminalreporter.section("Spark lab figures")
        terminalreporter.write_line(json.dumps(FIGURES, indent=1, sort_keys=True))


def pytest_configure(config):
    # `timeout` (make test-spark) sends SIGTERM: turn it into KeyboardInterrupt
    # so that the fixtures' teardown stops the cluster and the jobs.
    import signal

    def _term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, _term)
