"""The parent's side of one invocation: the memory figure it keeps."""

from __future__ import annotations

from runtime.invoke._session import Outcome, _note_peak


def test_a_forked_process_figure_adds_what_it_inherited_once() -> None:
    outcome = Outcome(inherited_kb=9_000)
    assert _note_peak(outcome, 26_000) == 35_000
    assert _note_peak(outcome, 20_000) == 29_000  # a lower sample leaves the peak alone
    assert outcome.peak_kb == 35_000


def test_a_missing_sample_adds_nothing() -> None:
    # A message without a peak (a sandbox error's 0) is not the inherited share alone.
    outcome = Outcome(inherited_kb=9_000)
    assert _note_peak(outcome, 0) == 0
    assert outcome.peak_kb == 0
