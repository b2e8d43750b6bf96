"""The end-to-end check cannot run without a cluster; make sure it at least imports."""

import importlib


def test_the_e2e_check_imports_with_the_shared_helpers():
    module = importlib.import_module("tests.e2e.test_minikube")
    assert module.check_contract.__module__ == "tests.support.contract"
