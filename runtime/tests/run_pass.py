"""One pass of the runtime tests (what `python -m unittest discover -s runtime/tests` runs),
ending with a line run_all.sh adds up: `pass result: passed=N failed=N skipped=N`.

A test counts once: failed if it or any of its subtests failed or errored.
`--sandboxed` makes the pass fail unless SANDPIT_SANDBOX_RUNNER is set and
programs really went through the sandbox.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sandbox_mode  # noqa: E402  (after the path is set, as discovery would)


def test_key(test):
    """A subtest's outcome belongs to its test."""
    return getattr(test, "test_case", test).id()


def outcomes(result):
    """(number passed, ids of failed tests, ids of skipped tests) of a unittest result."""
    failed = {test_key(test) for test, _ in result.failures + result.errors}
    failed |= {test_key(test) for test in result.unexpectedSuccesses}
    skipped = {test_key(test) for test, _ in result.skipped} - failed
    return result.testsRun - len(failed) - len(skipped), failed, skipped


def main(argv):
    expect_sandbox = "--sandboxed" in argv[1:]
    suite = unittest.defaultTestLoader.discover(HERE, top_level_dir=HERE)
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
    passed, failed, skipped = outcomes(result)
    if expect_sandbox and (not sandbox_mode.MODE_RUNNER or sandbox_mode.TALLY.sandboxed == 0):
        print("the sandboxed pass ran no program in the sandbox (SANDPIT_SANDBOX_RUNNER=%r)"
              % sandbox_mode.MODE_RUNNER)
        failed.add("sandboxed pass")
    sandbox_mode.TALLY.report()
    print("pass result: passed=%d failed=%d skipped=%d" % (passed, len(failed), len(skipped)))
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
