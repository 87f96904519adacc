"""crosscheck merge: shards merged equal the unsharded run, byte for byte; shards that do
not make up one run (one missing or repeated, other options, a missing directory) exit 2.
"""

from __future__ import annotations

from report_helpers import PASSED, N
from report_helpers import report_files as _files

from crosscheck import cli
from crosscheck.report.files import load_report
from crosscheck.report.generate import Shard, shard_ids


def test_merged_shards_equal_the_unsharded_report(unsharded, tmp_path) -> None:
    dirs = []
    for k in (1, 2, 3):
        d = tmp_path / f"shard{k}"
        args = ["report", "--examples", str(N), "--shard", f"{k}/3", "--out", str(d), "--no-html"]
        assert cli.main(args) in PASSED
        assert load_report(d / "report.json")["examples"] == len(shard_ids(N, Shard(k, 3)))
        dirs.append(str(d))
    merged = tmp_path / "merged"
    assert cli.main(["merge", *dirs[::-1], "--out", str(merged), "--no-html"]) in PASSED
    assert _files(merged) == _files(unsharded)
    # the shards must make up one run
    x = str(tmp_path / "x")
    assert cli.main(["merge", *dirs[:2], "--out", x]) == 2  # shard 3/3 missing
    assert cli.main(["merge", dirs[0], dirs[0], dirs[1], "--out", x]) == 2  # 1/3 twice
    assert cli.main(["merge", *dirs[:2], str(tmp_path / "nowhere"), "--out", x]) == 2
    assert not (tmp_path / "x").exists()


def test_merge_refuses_different_options(tmp_path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["report", "--examples", "2", "--no-html"]
    assert cli.main([*common, "--shard", "1/2", "--out", str(a)]) in PASSED
    assert cli.main([*common, "--seed", "5", "--shard", "2/2", "--out", str(b)]) in PASSED
    assert cli.main(["merge", str(a), str(b), "--out", str(tmp_path / "m")]) == 2
