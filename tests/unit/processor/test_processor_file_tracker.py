"""FileTracker: listing rules, change detection and the min_file_process_interval rate limit."""

from __future__ import annotations

import os
from pathlib import Path

from dagseal.processor.file_tracker import FileTracker, list_py_files


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _tracker(
    root: Path, clock: FakeClock, *, list_interval: float = 0, min_interval: float = 0
) -> FileTracker:
    return FileTracker(
        root, dag_dir_list_interval=list_interval, min_file_process_interval=min_interval, clock=clock
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _parse_all(tracker: FileTracker) -> tuple[str, ...]:
    scan = tracker.scan()
    for rel in scan.due:
        tracker.mark_parsed(rel)
    return scan.due


def test_listing_skips_hidden_pycache_and_non_python(tmp_path: Path) -> None:
    for rel in ["a.py", "sub/b.py", ".hidden.py", ".git/c.py", "__pycache__/d.py", "notes.txt", "sub/.e.py"]:
        _write(tmp_path / rel, "x = 1\n")
    assert list_py_files(tmp_path) == ["a.py", "sub/b.py"]


def test_new_files_are_due_once_then_not_until_changed(tmp_path: Path) -> None:
    clock = FakeClock()
    _write(tmp_path / "a.py", "a = 1\n")
    _write(tmp_path / "b.py", "b = 1\n")
    tracker = _tracker(tmp_path, clock)
    assert _parse_all(tracker) == ("a.py", "b.py")
    assert _parse_all(tracker) == ()
    os.utime(tmp_path / "a.py")  # touched, same bytes: not a change
    clock.now += 1
    assert _parse_all(tracker) == ()


def test_helper_change_makes_every_file_due(tmp_path: Path) -> None:
    clock = FakeClock()
    _write(tmp_path / "dag.py", "import helper\n")
    _write(tmp_path / "helper.py", "X = 1\n")
    tracker = _tracker(tmp_path, clock)
    _parse_all(tracker)
    _write(tmp_path / "helper.py", "X = 2\n")
    assert _parse_all(tracker) == ("dag.py", "helper.py")


def test_min_file_process_interval_rate_limits_reparses(tmp_path: Path) -> None:
    clock = FakeClock()
    _write(tmp_path / "a.py", "a = 1\n")
    tracker = _tracker(tmp_path, clock, min_interval=30)
    assert _parse_all(tracker) == ("a.py",)
    _write(tmp_path / "a.py", "a = 2\n")
    clock.now += 10
    assert _parse_all(tracker) == ()
    clock.now += 20
    assert _parse_all(tracker) == ("a.py",)


def test_new_files_wait_for_the_next_listing_but_deletions_are_seen_at_once(tmp_path: Path) -> None:
    clock = FakeClock()
    _write(tmp_path / "a.py", "a = 1\n")
    _write(tmp_path / "b.py", "b = 1\n")
    tracker = _tracker(tmp_path, clock, list_interval=300)
    _parse_all(tracker)
    _write(tmp_path / "c.py", "c = 1\n")
    (tmp_path / "b.py").unlink()
    clock.now += 1
    scan = tracker.scan()
    assert scan.vanished == ("b.py",)
    assert scan.files == ("a.py",)
    assert not scan.relisted
    clock.now += 300
    scan = tracker.scan()
    assert scan.relisted and scan.files == ("a.py", "c.py")
    assert "c.py" in scan.due


def test_failed_outside_the_file_is_retried_after_the_interval(tmp_path: Path) -> None:
    clock = FakeClock()
    _write(tmp_path / "a.py", "a = 1\n")
    tracker = _tracker(tmp_path, clock, min_interval=5)
    tracker.mark_parsed(*tracker.scan().due, retry=True)
    assert tracker.scan().due == ()
    clock.now += 5
    assert tracker.scan().due == ("a.py",)


def test_broken_symlink_is_reported_unreadable_and_recovers(tmp_path: Path) -> None:
    clock = FakeClock()
    (tmp_path / "link.py").symlink_to(tmp_path / "missing_target.py")
    tracker = _tracker(tmp_path, clock)
    scan = tracker.scan()
    assert scan.due == ("link.py",)
    assert "cannot read file" in scan.unreadable["link.py"]
    tracker.mark_parsed("link.py")
    assert tracker.scan().due == ()
    _write(tmp_path / "missing_target.py", "x = 1\n")
    scan = tracker.scan()
    assert scan.unreadable == {}
    assert set(scan.due) == {"link.py", "missing_target.py"}


def test_runtime_yaml_and_the_image_context_are_inputs_of_every_file(tmp_path: Path) -> None:
    """A changed runtime.yaml / <stem>.runtime.yaml or a new deployed image re-parses; the yaml
    files themselves are never parsed."""
    clock = FakeClock()
    _write(tmp_path / "a.py", "a = 1\n")
    _write(tmp_path / "runtime.yaml", "memory: 512m\n")
    tracker = _tracker(tmp_path, clock)
    scan = tracker.scan("image-1")
    assert scan.files == ("a.py",)
    for rel in scan.due:
        tracker.mark_parsed(rel)
    assert tracker.scan("image-1").due == ()
    _write(tmp_path / "runtime.yaml", "memory: 1g\n")
    assert tracker.scan("image-1").due == ("a.py",)
    tracker.mark_parsed("a.py")
    _write(tmp_path / "a.runtime.yaml", "network: host\n")
    assert tracker.scan("image-1").due == ("a.py",)
    tracker.mark_parsed("a.py")
    assert tracker.scan("image-2").due == ("a.py",)
