"""Sign-in limits under attack (issue 10, finding 5): wrong passwords from anyone must not lock
everyone out. Behind a trusted proxy each visitor counts with their own address; a browser
that signed in before counts only its own tries; forged cookies and forged X-Forwarded-For
buy nothing. Real limits, real server: the 50 wrong passwords an address needs are sent."""

from __future__ import annotations

import httpx

from tests.people import PASSWORD, Person, csrf_of, first_admin, member
from tests.support import Server

DEVICE_COOKIE = "echodash_device"
LOCKED = "Too many wrong passwords. Try again in 15 minutes"
# Documentation addresses (RFC 5737): visitors behind the proxy.
GUESSER = "203.0.113.7"
VISITOR = "198.51.100.9"


class Browser:
    """A browser at the sign-in page; `forwarded` is the address a proxy says it has."""

    def __init__(self, server: Server, forwarded: str | None = None, **cookies: str) -> None:
        headers = {"accept": "text/html"}
        if forwarded:
            headers["X-Forwarded-For"] = forwarded
        self.client = httpx.Client(base_url=server.url, timeout=30, headers=headers)
        for name, value in cookies.items():
            self.client.cookies.set(name, value)
        self.csrf = csrf_of(self.client.get("/login").text)

    def sign_in(self, email: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
        return self.client.post(
            "/login",
            data={"csrf": self.csrf, "email": email, "password": password},
            headers=headers,
        )

    def guess(self, emails: list[str], rounds: int) -> list[int]:
        """Wrong passwords for each of `emails` in turn, `rounds` times: the statuses."""
        return [
            self.sign_in(email, f"wrong guess {n}").status_code
            for n in range(rounds)
            for email in emails
        ]

    def close(self) -> None:
        self.client.close()


def _device_cookie(person: Person) -> str:
    value = person.client.cookies.get(DEVICE_COOKIE)
    assert value, f"{person.email}'s browser has no known-device cookie"
    return value


def _locked(answer: httpx.Response) -> bool:
    return answer.status_code == 429 and LOCKED in answer.text


def test_behind_the_proxy_a_guesser_locks_only_their_own_address(
    fresh_server: Server,
) -> None:
    fresh_server.env["ECHODASH_FORWARDED_ALLOW_IPS"] = "127.0.0.1"
    server = fresh_server.start()
    ada = first_admin(server)
    member(ada, "bob@example.com")
    guessed = ["ada@example.com", *(f"user{n}@example.com" for n in range(5))]
    guesser = Browser(server, forwarded=GUESSER)
    # 10 for each of 6 accounts: the address is locked after its 50th wrong password.
    assert guesser.guess(guessed, 10) == [401] * 50 + [429] * 10

    # That visitor's address is locked, for every account (Bob was never guessed at) ...
    assert _locked(Browser(server, forwarded=GUESSER).sign_in("bob@example.com"))
    # ... but not the proxy's: another visitor behind it signs in to an account that was
    # guessed at, and the scheme the proxy forwards is believed (the cookies are Secure).
    visitor = Browser(server, forwarded=VISITOR)
    answer = visitor.sign_in("ada@example.com", **{"X-Forwarded-Proto": "https"})
    assert answer.status_code == 303, answer.text
    assert all("secure" in c.lower() for c in answer.headers.get_list("set-cookie"))
    # And a connection from the proxy itself is its own visitor too.
    assert Browser(server).sign_in("bob@example.com").status_code == 303


def test_a_browser_that_signed_in_before_is_never_locked_out_by_others(
    fresh_server: Server,
) -> None:
    server = fresh_server.start()
    ada = first_admin(server)
    cookie = _device_cookie(ada)
    assert "ada" not in cookie.lower() and PASSWORD.split()[0] not in cookie
    assert ada.post("/logout").status_code == 303

    guesser = Browser(server)
    others = [f"user{n}@example.com" for n in range(4)]
    # Ada's account from this address (10), then others until the address is locked (50).
    statuses = (
        guesser.guess(["ada@example.com"], 10)
        + guesser.guess(others, 10)
        + guesser.guess(["ada@example.com", *others], 2)
    )
    assert statuses == [401] * 50 + [429] * 10
    # A browser that never signed in is refused even with the right password ...
    assert _locked(Browser(server).sign_in("ada@example.com"))
    # ... Ada's own browser, at the same locked address, is not.
    csrf = csrf_of(ada.client.get("/login").text)
    answer = ada.client.post(
        "/login", data={"csrf": csrf, "email": "ADA@example.com", "password": PASSWORD}
    )
    assert answer.status_code == 303, answer.text
    assert ada.client.get("/").status_code == 200


def test_the_device_cookie_is_long_lived_http_only_and_says_nothing(fresh_server: Server) -> None:
    server = fresh_server.start()
    first_admin(server).close()
    browser = Browser(server)
    answer = browser.sign_in("ada@example.com")
    assert answer.status_code == 303
    (set_cookie,) = [
        c for c in answer.headers.get_list("set-cookie") if c.startswith(DEVICE_COOKIE + "=")
    ]
    attributes = {part.strip().split("=")[0].lower(): part for part in set_cookie.split(";")}
    assert "httponly" in attributes and "samesite" in attributes
    assert int(attributes["max-age"].split("=")[1]) >= 300 * 24 * 3600
    value = set_cookie.split(";")[0].removeprefix(DEVICE_COOKIE + "=")
    assert "ada" not in value.lower() and "example" not in value and "horse" not in value


def test_a_forged_or_borrowed_device_cookie_buys_nothing(fresh_server: Server) -> None:
    server = fresh_server.start()
    ada = first_admin(server)
    bob = member(ada, "bob@example.com")
    ada_cookie, bob_cookie = _device_cookie(ada), _device_cookie(bob)
    device_id, made, mac = ada_cookie.split(".")
    assert Browser(server).guess(["ada@example.com"], 10) == [401] * 10

    forgeries = {
        "Bob's cookie": bob_cookie,
        "another signature": f"{device_id}.{made}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}",
        "another id": f"x{device_id[1:]}.{made}.{mac}",
        "another time": f"{device_id}.{int(made) - 1}.{mac}",
        "no signature": f"{device_id}.{made}",
        "junk": "~".join(["a.1.b"] * 40),
    }
    for name, value in forgeries.items():
        answer = Browser(server, **{DEVICE_COOKIE: value}).sign_in("ada@example.com")
        assert _locked(answer), name
    # The real one still works, also copied into a fresh browser (it is a proof, not a session).
    assert (
        Browser(server, **{DEVICE_COOKIE: ada_cookie}).sign_in("ada@example.com").status_code == 303
    )


def test_forwarded_addresses_are_ignored_without_the_setting(fresh_server: Server) -> None:
    server = fresh_server.start()
    first_admin(server).close()
    # Each wrong password claims another address; none is believed, all count as one.
    statuses = [
        Browser(server, forwarded=f"192.0.2.{n}").sign_in("ada@example.com", "wrong").status_code
        for n in range(10)
    ]
    assert statuses == [401] * 10
    spoofer = Browser(server, forwarded="192.0.2.200")
    assert _locked(spoofer.sign_in("ada@example.com", **{"X-Forwarded-Proto": "https"}))
    page = spoofer.client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert all("secure" not in c.lower() for c in page.headers.get_list("set-cookie"))
