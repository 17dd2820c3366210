"""What a package index holds of this package, from its simple API.

The index is read as PEP 503 HTML, the page every index serves. A redirect to
another host is not followed: an index that forwards unknown projects to PyPI
(pypiserver's fallback) would otherwise answer with another project of the
same name. Replay reads only the index the user named in
``REGRESSION_MODEL_INDEX_URL``, never a default.

The package's distribution name is ``ames-price-model``. Versions up to 1.9.1
were published as ``regression-model``, a name that on PyPI belongs to an
unrelated project; a version the index does not hold under the current name is
looked up under that former name, on the same index only.
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
from dataclasses import dataclass
from html.parser import HTMLParser

from regression_model.errors import PackageIndexError

INDEX_VARIABLE = "REGRESSION_MODEL_INDEX_URL"
PROJECT = "ames-price-model"
FORMER_PROJECT = "regression-model"
_TIMEOUT_SECONDS = 30
_ARCHIVE_ENDINGS = (".tar.gz", ".zip", ".tar.bz2")


@dataclass(frozen=True)
class IndexFile:
    """One file the index lists for a project: its name, where to fetch it, and
    the sha256 the index gives for it (None when it gives none)."""

    name: str
    url: str
    sha256: str | None


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


def package_index() -> str | None:
    """The index replay installs this package from: ``REGRESSION_MODEL_INDEX_URL``,
    and nothing else (no configured or public index stands in for it).

    Examples
    --------
    >>> import os
    >>> from regression_model.replay import package_index
    >>> package_index() == (os.environ.get("REGRESSION_MODEL_INDEX_URL") or None)
    True
    """
    return os.environ.get(INDEX_VARIABLE) or None


def pip_index() -> str | None:
    """pip's own ``index-url`` (``PIP_INDEX_URL``, else its configuration files,
    ``install`` before ``global``, read by pip itself when it is installed):
    where a replayed version's libraries come from."""
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
    >>> version_of("ames_price_model-1.6.0-py3-none-any.whl")
    '1.6.0'
    >>> version_of("regression-model-1.5.0.tar.gz", "regression-model")
    '1.5.0'
    >>> version_of("ames_price_model_extras-1.0.tar.gz") is None
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


def opener() -> urllib.request.OpenerDirector:
    """An opener that follows redirects within one host only."""
    return urllib.request.build_opener(_SameHostRedirects())


def files_on_index(index_url: str, project: str = PROJECT) -> list[IndexFile]:
    """Every file of ``project`` that ``index_url`` (a simple-API root) lists:
    empty when it does not know the project.

    Raises
    ------
    PackageIndexError
        When the index cannot be read, or sends the request to another host.
    """
    url = project_url(index_url, project)
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    try:
        with opener().open(request, timeout=_TIMEOUT_SECONDS) as response:
            page = response.read().decode("utf-8", errors="replace")
            base = response.geturl()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        raise PackageIndexError(f"{url} answered HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise PackageIndexError(f"{url} cannot be read: {reason}") from error
    links = _Links()
    links.feed(page)
    found = []
    for href in links.hrefs:
        address, _, fragment = href.partition("#")
        name = urllib.parse.unquote(address.rsplit("/", 1)[-1])
        algorithm, _, digest = fragment.partition("=")
        sha256 = digest.lower() if algorithm == "sha256" else None
        found.append(IndexFile(name, urllib.parse.urljoin(base, address), sha256))
    return found


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
    files = files_on_index(index_url, project)
    return {v for v in (version_of(f.name, project) for f in files) if v is not None}
