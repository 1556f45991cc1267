"""A real Dovecot IMAP server on 127.0.0.1 for tests: its own configuration, users
(a passwd-file, plaintext login) and maildirs in a temporary directory, started in the
foreground as the test's own process on a free port and stopped by its pid.

Dovecot never lets a mailbox belong to root, so as root the mail is kept as the
`dovecot` user (the Debian package creates it); otherwise as the user running the test.

    def test_it_polls(dovecot):
        dovecot.append(raw_message)
        ...dovecot.url...
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conferral.testing.servers import ServerUnavailable, _stop, _wait_for_port, free_port
from conferral.testing.services import unavailable

USER = "bounces@conferral.test"
PASSWORD = "correct horse battery"
START_TIMEOUT = 20.0

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/home/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth-worker {{
  user = {internal_user}
}}
service stats {{
  unix_listener stats-reader {{
    user = {internal_user}
  }}
  unix_listener stats-writer {{
    user = {internal_user}
  }}
}}
"""


def dovecot_binary() -> str:
    binary = shutil.which("dovecot", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if binary is None:
        raise ServerUnavailable("Dovecot is not installed (no dovecot); run scripts/install-deps")
    return binary


@dataclass
class Dovecot:
    port: int
    directory: Path
    proc: subprocess.Popen[bytes]
    user: str = USER
    password: str = PASSWORD

    def url(self, mailbox: str = "INBOX") -> str:
        user = self.user.replace("@", "%40")
        password = self.password.replace(" ", "%20")
        return f"imap://{user}:{password}@127.0.0.1:{self.port}/{mailbox}"

    @contextlib.contextmanager
    def client(self, mailbox: str = "INBOX") -> Iterator[imaplib.IMAP4]:
        """A logged-in IMAP client with `mailbox` selected."""
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            client.login(self.user, self.password)
            client.select(mailbox)
            yield client
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def append(self, raw: bytes, mailbox: str = "INBOX") -> None:
        """Deliver a message into the mailbox, unseen (IMAP APPEND)."""
        with self.client(mailbox) as client:
            typ, data = client.append(mailbox, "", None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")

    def flags(self, mailbox: str = "INBOX") -> list[set[str]]:
        """Each message's flags, in mailbox order (expunged messages are gone)."""
        with self.client(mailbox) as client:
            typ, data = client.fetch("1:*", "(FLAGS)")
            if typ != "OK" or data == [None]:
                return []
            found = []
            for line in data:
                text = line.decode() if isinstance(line, bytes) else str(line)
                match = re.search(r"FLAGS \(([^)]*)\)", text)
                found.append(set(match.group(1).split()) if match else set())
            return found

    def stop(self) -> None:
        _stop(self.proc)


def _accounts() -> tuple[int, int, str, str]:
    """The uid and gid the mail is kept as, and the users Dovecot's own processes run as
    (login, internal): as root, the users the Debian package creates."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
    try:
        pwd.getpwnam("dovenull")
        dovecot = pwd.getpwnam("dovecot")
    except KeyError as exc:
        raise ServerUnavailable(f"Dovecot's system users are missing ({exc})") from exc
    return dovecot.pw_uid, dovecot.pw_gid, "dovenull", "dovecot"


@contextlib.contextmanager
def dovecot_server() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    directory = Path(tempfile.mkdtemp(prefix="conferral-dovecot-"))
    port = free_port()
    uid, gid, login_user, internal_user = _accounts()
    try:
        for sub in ("run", "state", "home"):
            (directory / sub).mkdir()
        (directory / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        config = directory / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                directory=directory,
                port=port,
                uid=uid,
                gid=gid,
                login_user=login_user,
                internal_user=internal_user,
                internal_group=grp.getgrgid(gid).gr_name,
            )
        )
        if os.geteuid() == 0:
            os.chown(directory / "home", uid, gid)
            os.chmod(directory, 0o755)  # noqa: S103 (the dovecot user reads its config)
            os.chmod(directory / "passwd", 0o644)
        proc = subprocess.Popen(
            [binary, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(directory / "dovecot.stderr", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
    except OSError as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise ServerUnavailable(f"Dovecot could not start: {exc}") from exc
    server = Dovecot(port=port, directory=directory, proc=proc)
    try:
        try:
            _wait_for_port(port, proc, "Dovecot", START_TIMEOUT)
        except ServerUnavailable as exc:
            log = _read(directory / "dovecot.stderr") + _read(directory / "dovecot.log")
            raise ServerUnavailable(f"{exc}: {log[-2000:]}") from exc
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A running Dovecot with one user and an empty INBOX (skipped without Dovecot on a
    developer's machine; a failure with CI=true)."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(dovecot_server())
        except ServerUnavailable as exc:
            unavailable(str(exc))
        yield server
