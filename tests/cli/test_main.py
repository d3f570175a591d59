"""cli.main: how a command ends when it is stopped."""

import os
import signal
import time

from cli import main as cli_main


def test_a_stop_while_a_command_starts_ends_it_quietly(monkeypatch, capsys):
    """SIGTERM before the command runs (serve stops its feed worker while the worker is still
    importing) exits 143 with no traceback, as a stop while it runs does."""
    def starting():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)                       # the signal's handler interrupts this
        raise AssertionError("SIGTERM did not stop the command")

    original = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(cli_main, "parser", starting)
    try:
        code = cli_main.main(["worker"])
    finally:
        signal.signal(signal.SIGTERM, original)
        monkeypatch.setattr(cli_main, "_terminated", False)
    assert code == 143
    assert "Traceback" not in capsys.readouterr().err
