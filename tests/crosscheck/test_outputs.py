"""Output locations are checked before any work: a writable (or creatable) directory, a
file in one; every refusal names the path and the option.
"""

from __future__ import annotations

import pytest
from readonly import read_only

from crosscheck.errors import UsageError
from crosscheck.outputs import output_directory, output_file


def test_a_writable_or_creatable_directory_is_accepted(tmp_path) -> None:
    assert output_directory(tmp_path) == tmp_path
    assert output_directory(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()  # checked, not created
    assert list(tmp_path.iterdir()) == []  # the probe is gone


def test_refusals_name_the_option_and_the_path(tmp_path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(UsageError, match=r"^--out .*/f: exists and is not a directory"):
        output_directory(f)
    with pytest.raises(UsageError, match="is not a directory"):
        output_directory(f / "below", option="--out")
    with pytest.raises(UsageError, match=r"^--baseline .*: is a directory"):
        output_file(tmp_path, "--baseline")
    with pytest.raises(UsageError, match="is not a directory"):
        output_file(f / "x.json", "--baseline")
    with read_only(tmp_path / "ro") as ro:
        with pytest.raises(UsageError, match="cannot write there"):
            output_directory(ro)
        with pytest.raises(UsageError, match=r"cannot write there \(in .*ro\)"):
            output_directory(ro / "new")
        with pytest.raises(UsageError, match="cannot write in"):
            output_file(ro / "b.json", "--baseline")
