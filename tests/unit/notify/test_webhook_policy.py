"""Where a team webhook may point: https to public addresses; plain http to loopback only with
the development flag; the same again after DNS resolution, before each delivery."""

from __future__ import annotations

import pytest

from service.notify.webhook_policy import destination_problem, url_problem

# (url, development flag) -> refused?
TABLE = [
    ("https://hooks.example.com/meridian", False, False),
    ("https://93.184.216.34/hook", False, False),  # a public address
    ("http://hooks.example.com/meridian", False, True),
    ("file:///etc/passwd", False, True),
    ("gopher://127.0.0.1:70/", False, True),
    ("https://127.0.0.1:9000/", False, True),
    ("https://[::1]/", False, True),
    ("https://169.254.169.254/latest/meta-data/", False, True),  # cloud metadata
    ("https://10.0.0.5/", False, True),
    ("https://192.168.1.10/", False, True),
    ("https://[fd00::1]/", False, True),
    ("https://0.0.0.0/", False, True),
    ("https://localhost/", False, True),
    ("https://user:secret@hooks.example.com/", False, True),
    ("https:///no-host", False, True),
    ("http://127.0.0.1:8080/hook", True, False),  # development: loopback over http
    ("http://localhost:8080/hook", True, False),
    ("http://hooks.example.com/", True, True),  # still only loopback over http
    ("http://10.0.0.5/", True, True),
    ("https://169.254.169.254/", True, True),
]


@pytest.mark.parametrize(("url", "development", "refused"), TABLE)
def test_url_problem(url: str, development: bool, refused: bool) -> None:
    problem = url_problem(url, allow_loopback_http=development)
    assert (problem is not None) == refused, problem


async def test_a_name_that_resolves_to_loopback_is_refused_before_delivery() -> None:
    assert url_problem("https://localtest.me/") is None  # a name: allowed when saved…
    problem = await destination_problem("https://127.0.0.1.nip.io/")
    # … but refused at send time if it resolves to a private address (or does not resolve here,
    # where there is no outside DNS): either way nothing is sent.
    assert problem is not None


async def test_a_loopback_name_is_refused_at_send_time() -> None:
    problem = await destination_problem("http://localhost:9/", allow_loopback_http=False)
    assert problem == "only https:// is allowed"
    assert await destination_problem("http://localhost:9/", allow_loopback_http=True) is None
