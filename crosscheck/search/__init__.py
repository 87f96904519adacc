"""Search for a problem on which a gradient function disagrees with the oracles.

:func:`verify` runs the search (:mod:`.run`) over a balanced schedule (:mod:`.schedule`),
one Hypothesis run per block (:mod:`.block`), counting what it sees (:mod:`.state`),
reduces a failure to a minimal counterexample (:mod:`.shrink`), weighs it
(:mod:`.severity`) and returns a :class:`VerifyResult` (:mod:`.result`);
:func:`format_result` prints it with a reproduction (:mod:`.explain`; the verdict per
cell: :mod:`.cells`), :func:`write_report` writes it (:mod:`.files`); :func:`load_target`
imports ``file.py:function`` or ``module:function`` (:mod:`.target`). How the search
works: docs/verify.md.
"""

from crosscheck.search.explain import format_result
from crosscheck.search.files import result_dict, result_json, write_report
from crosscheck.search.result import Counterexample, VerifyResult
from crosscheck.search.run import verify
from crosscheck.search.target import load_target

__all__ = [
    "Counterexample",
    "VerifyResult",
    "format_result",
    "load_target",
    "result_dict",
    "result_json",
    "verify",
    "write_report",
]
