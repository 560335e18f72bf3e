"""The daemon's wire protocol: both ends refuse a frame over the limit."""

from __future__ import annotations

import socket

import pytest
from daemon_support import Daemons, Hsrun, wait_until

from runtime._wire import (
    FRAME_HEADER,
    MAX_FRAME,
    FrameBuffer,
    FrameError,
    encode_frame,
    recv_frame,
    send_frame,
)


def test_a_frame_round_trips_with_descriptors() -> None:
    left, right = socket.socketpair()
    with left, right:
        send_frame(left, {"type": "run", "argv": ["history"]}, fds=(0,))
        assert recv_frame(right) == {"type": "run", "argv": ["history"]}
        left.close()
        assert recv_frame(right) is None


def test_the_blocking_reader_refuses_an_oversized_header() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall((MAX_FRAME + 1).to_bytes(FRAME_HEADER, "big"))
        with pytest.raises(FrameError, match="limit"):
            recv_frame(right)


def test_the_buffer_refuses_an_oversized_header_before_its_body_arrives() -> None:
    frames = FrameBuffer()
    assert frames.feed(encode_frame({"type": "go"})[:3]) == []
    assert frames.feed(encode_frame({"type": "go"})[3:]) == [{"type": "go"}]
    with pytest.raises(FrameError, match="limit"):
        frames.feed((MAX_FRAME + 1).to_bytes(FRAME_HEADER, "big"))
    with pytest.raises(FrameError, match="not an object"):
        FrameBuffer().feed((2).to_bytes(FRAME_HEADER, "big") + b"[]")


def test_the_sender_refuses_a_message_over_the_limit() -> None:
    with pytest.raises(FrameError, match="limit"):
        encode_frame({"env": "x" * MAX_FRAME})


def test_the_daemon_drops_a_client_announcing_an_oversized_frame(
    hsrun: Hsrun, daemons: Daemons
) -> None:
    status = daemons.start(hsrun)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(hsrun.home / "daemon.sock"))
        sock.sendall((MAX_FRAME + 1).to_bytes(FRAME_HEADER, "big"))
        assert sock.recv(1) == b""  # closed, without waiting for 64 MiB that never come
    assert wait_until(lambda: hsrun.status() is not None)
    assert hsrun.status().pid == status.pid  # type: ignore[union-attr]
