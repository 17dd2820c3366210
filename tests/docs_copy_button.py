"""Check, in headless Chromium, that the docs' copy button copies an example's
code and nothing else: for every block with prompts (``>>>`` and ``...`` of
Python, ``$`` of a shell) on every page of the built site, the text Material
copies (the block's ``data-copy`` attribute, else its text) is the lines after
the prompts, read here from the page's HTML: no prompt, no printed output, no
traceback.

Run by ``tox -e docs`` after the build: ``python tests/docs_copy_button.py site``.
Exits 1 naming each page and block that would copy anything else.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Run in the page once it has loaded: what Material would copy from each block
# with prompts, as JSON in an element appended to the page.
_PROBE = """<script>
window.addEventListener("load", () => {
  const copied = [];
  for (const code of document.querySelectorAll(".highlight code")) {
    if (!code.querySelector(".gp")) continue;
    const holder = code.closest("[data-copy]");
    copied.push(holder ? holder.getAttribute("data-copy") : code.innerText);
  }
  const out = document.createElement("pre");
  out.id = "copy-probe";
  out.textContent = JSON.stringify(copied);
  document.body.appendChild(out);
});
</script>"""
_PROMPTS = (">>> ", "... ", "$ ")


def _expected(page_html: str) -> list[str]:
    """Each block with prompts, as the code after its prompts, from the HTML."""
    blocks = []
    for block in re.findall(r"<code>(.*?)</code>", page_html, re.S):
        if 'class="gp"' not in block:
            continue
        lines = []
        for line in html.unescape(re.sub(r"<[^>]+>", "", block)).split("\n"):
            if line in (">>>", "..."):
                lines.append("")
            elif line.startswith(_PROMPTS):
                lines.append(line[2:] if line.startswith("$ ") else line[4:])
        blocks.append("\n".join(lines))
    return blocks


def _copied(page: Path, browser: str) -> list[str]:
    """Each block with prompts of ``page``, as the browser would copy it."""
    probe = page.with_name(f".probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"))
    try:
        with tempfile.TemporaryDirectory() as profile:
            done = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
                 probe.as_uri()],
                capture_output=True, text=True, timeout=120, check=True,
            )  # fmt: skip
    finally:
        probe.unlink()
    found = re.search(r'<pre id="copy-probe">(.*?)</pre>', done.stdout, re.S)
    if found is None:
        raise SystemExit(f"{page}: the page did not run the probe")
    copied: list[str] = json.loads(html.unescape(found.group(1)))
    return copied


def main() -> int:
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "site")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium is not installed: apt-get install chromium")
    wrong, checked = [], 0
    for page in sorted(site.rglob("index.html")):
        expected = _expected(page.read_text(encoding="utf-8"))
        copied = _copied(page, browser)
        checked += len(expected)
        if len(copied) != len(expected):
            wrong.append(f"{page.relative_to(site)}: {len(copied)} blocks, not {len(expected)}")
            continue
        for number, (got, want) in enumerate(zip(copied, expected, strict=True)):
            if got != want:
                wrong.append(f"{page.relative_to(site)}, block {number}: copies {got[:200]!r}")
    print(f"copy button: {checked} examples checked, {len(wrong)} copy more than their code")
    print("\n".join(wrong))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
