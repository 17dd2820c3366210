"""Which versions of a project a package index holds, from its simple API.

The index is read as PEP 503 HTML, the page every index serves. A redirect to
another host is not followed: an index that forwards unknown projects to PyPI
(pypiserver's fallback) would otherwise answer with another project of the
same name.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

from regression_model.errors import PackageIndexError

INDEX_VARIABLE = "REGRESSION_MODEL_INDEX_URL"
PROJECT = "regression-model"
PYPI = "https://pypi.org/simple/"
_TIMEOUT_SECONDS = 30
_ARCHIVE_ENDINGS = (".tar.gz", ".zip", ".tar.bz2")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects within the index's host only (name normalisation, a
    trailing slash); a redirect elsewhere means the index does not hold it."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            raise PackageIndexError(
                f"{req.full_url} redirects to {newurl}, another host: that index does not hold it"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


def package_index() -> str:
    """Where ``regression-model`` itself comes from: ``REGRESSION_MODEL_INDEX_URL``,
    else pip's configured index, else PyPI.

    Examples
    --------
    >>> from regression_model.replay import package_index
    >>> package_index().startswith(("https://", "http://", "file:"))  # PyPI, unless configured
    True
    """
    return os.environ.get(INDEX_VARIABLE) or pip_index() or PYPI


def pip_index() -> str | None:
    """pip's own ``index-url``: ``PIP_INDEX_URL``, else its configuration files
    (``install`` before ``global``), read by pip itself when it is installed."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    if importlib.util.find_spec("pip") is None:
        return None
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=False,
        timeout=_TIMEOUT_SECONDS,
    )
    found = {}
    for line in listed.stdout.splitlines():
        key, _, value = line.partition("=")
        section, _, name = key.partition(".")
        if name == "index-url":
            found[section] = value.strip().strip("'\"")
    return found.get("install") or found.get("global")


def project_url(index_url: str, project: str = PROJECT) -> str:
    """The simple-API page of ``project`` (its normalised name) on the index."""
    name = re.sub(r"[-_.]+", "-", project).lower()
    return index_url.rstrip("/") + f"/{name}/"


def version_of(file_name: str, project: str = PROJECT) -> str | None:
    """The version in a distribution's file name, or None for another project's file.

    Examples
    --------
    >>> from regression_model.replay import version_of
    >>> version_of("regression_model-1.6.0-py3-none-any.whl")
    '1.6.0'
    >>> version_of("regression-model-1.5.0.tar.gz")
    '1.5.0'
    >>> version_of("regression_model_extras-1.0.tar.gz") is None
    True
    """
    stem = re.sub(r"[-_.]+", "_", project).lower()
    if file_name.endswith(".whl"):
        name, _, rest = file_name.partition("-")
        version = rest.split("-")[0]
    else:
        ending = next((e for e in _ARCHIVE_ENDINGS if file_name.endswith(e)), None)
        if ending is None:
            return None
        name, _, version = file_name[: -len(ending)].rpartition("-")
    return version if re.sub(r"[-_.]+", "_", name).lower() == stem else None


def versions_on_index(index_url: str, project: str = PROJECT) -> set[str]:
    """Every version of ``project`` that ``index_url`` (a simple-API root) holds:
    empty when it does not know the project.

    Raises
    ------
    PackageIndexError
        When the index cannot be read, or sends the request to another host.

    Examples
    --------
    >>> from regression_model.replay import versions_on_index
    >>> versions_on_index("http://127.0.0.1:8080/simple/")  # doctest: +SKIP
    {'1.6.0'}
    """
    url = project_url(index_url, project)
    opener = urllib.request.build_opener(_SameHostRedirects())
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    try:
        with opener.open(request, timeout=_TIMEOUT_SECONDS) as response:
            page = response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return set()
        raise PackageIndexError(f"{url} answered HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise PackageIndexError(f"{url} cannot be read: {reason}") from error
    links = _Links()
    links.feed(page)
    names = (urllib.parse.unquote(h.split("#")[0].rsplit("/", 1)[-1]) for h in links.hrefs)
    return {v for v in (version_of(n, project) for n in names) if v is not None}
