"""A page rendered in real headless Chromium (Debian's ``chromium``), driven
over the DevTools protocol through a pipe (``--remote-debugging-pipe``: JSON
messages ended by a NUL byte on file descriptors 3 and 4), so no websocket
library or browser download is needed.

:func:`render` loads a page, waits for its load event, collects every console
error, uncaught exception and failed load the browser logs, counts the
images that did not decode, and takes a screenshot of the whole page.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_FLAGS", "Rendered", "chromium", "render"]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_IMAGES_BROKEN = "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length"


def chromium() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Rendered:
    """What the browser made of a page."""

    errors: list[str] = field(default_factory=list)  # console errors, exceptions, failed loads
    images: int = 0
    broken_images: int = 0
    title: str = ""
    screenshot: bytes = b""


class _Pipe:
    """The DevTools protocol over Chromium's pipe: commands out, replies and events in."""

    def __init__(self, to_browser: int, from_browser: int, timeout: float) -> None:
        self.out, self.inp = os.fdopen(to_browser, "wb"), os.fdopen(from_browser, "rb")
        self.deadline = time.monotonic() + timeout
        self.events: list[dict[str, Any]] = []
        self.buffer = b""
        self.next_id = 0

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            if time.monotonic() > self.deadline:
                raise TimeoutError("Chromium did not answer in time")
            block = os.read(self.inp.fileno(), 1 << 16)
            if not block:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self.buffer += block
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        command: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        self.out.write(json.dumps(command).encode() + b"\0")
        self.out.flush()
        while True:
            message = self._message()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._message())


def _errors(events: list[dict[str, Any]]) -> list[str]:
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            found.append(str(params["exceptionDetails"].get("text")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(str(params["entry"].get("text")))
    return found


def _drive(pipe: _Pipe, url: str, width: int, most_height: int | None) -> Rendered:
    target = pipe.send("Target.createTarget", url="about:blank")["targetId"]
    session = pipe.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        pipe.send(f"{domain}.enable", session)
    pipe.send("Page.navigate", session, url=url)
    pipe.wait_for("Page.loadEventFired")

    def evaluate(expression: str) -> Any:
        reply = pipe.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
        return reply["result"].get("value")

    rendered = Rendered(
        images=int(evaluate("document.images.length")),
        broken_images=int(evaluate(_IMAGES_BROKEN)),
        title=str(evaluate("document.title")),
    )
    height = int(evaluate("document.documentElement.scrollHeight"))
    pipe.send(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )
    clip = {
        "x": 0,
        "y": 0,
        "width": width,
        "height": min(height, most_height or height),
        "scale": 1,
    }
    shot = pipe.send(
        "Page.captureScreenshot", session, format="png", captureBeyondViewport=True, clip=clip
    )
    rendered.screenshot = base64.b64decode(shot["data"])
    rendered.errors = _errors(pipe.events)
    return rendered


def render(
    page: Path, width: int = 1200, most_height: int | None = None, timeout: float = 60.0
) -> Rendered:
    """Render ``page`` (a local file) in headless Chromium with a fresh profile; the
    screenshot holds the whole page, or its top ``most_height`` pixels.

    Raises
    ------
    RuntimeError, TimeoutError
        When Chromium cannot be started or does not answer.
    """
    executable = chromium()
    if executable is None:
        raise RuntimeError("chromium is not installed")
    to_read, to_browser = os.pipe()  # the browser reads commands on its fd 3
    from_browser, to_write = os.pipe()  # and writes replies on its fd 4
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=lambda: (os.dup2(to_read, 3), os.dup2(to_write, 4)),
        )
        os.close(to_read)
        os.close(to_write)
        pipe = _Pipe(to_browser, from_browser, timeout)
        try:
            rendered = _drive(pipe, page.resolve().as_uri(), width, most_height)
            pipe.send("Browser.close")
        finally:
            pipe.out.close()
            pipe.inp.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return rendered
