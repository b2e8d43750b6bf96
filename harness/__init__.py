"""What drives the project from outside, for the tests and the bench alike: run it (servers,
images, a loop in a copy of the project), edit it, poll it, read its processes.

Neither product code nor a test: the tests (tests/support holds what they alone use) and the
benchmarks (bench/) import it, it imports neither of them.
"""
