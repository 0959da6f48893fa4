"""Reading technology text as tools print it, before the catalogue's names are looked for.

Tools wrap the product and version in their own words: labels (`OS Name:`, `PRETTY_NAME=`,
`Description:`), the platform a binary was built for (`Apache/2.4.6 (CentOS)`, `mysql  Ver
14.14 Distrib 5.7.42, for Linux`), a distribution's package revision (`-0ubuntu0.18.04.17`,
`.el7`, `+deb10u1`) or a version command's sentence (`This is perl 5, version 34`). Each
recogniser below is one row of a table, a regular expression over the raw text and what it
becomes, so a new tool's format is a new row rather than a new branch of code. The products'
own ways of writing versions (NT kernel versions, technology levels, editions) are rewrites in
`builtin.toml`, next to each product.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from estate.enums import normalise

_SPLIT = re.compile(r"[a-z]+|\d+")

RAW_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        # Trade marks ("Windows(R)", "Red Hat(R)").
        (r"\((?:r|tm|c)\)|[®™©]", " "),
        # Labels of systeminfo, os-release, lsb_release, httpd -v, PowerShell lists.
        (
            r"^\s*(?:os name|os version|description|distributor id|caption|pretty_name|name"
            r"|server version|product ?version|version|productname|os)\s*[:=]\s*",
            "",
        ),
        # A web server's banner: the server and its version first, then its platform and
        # modules ("Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips PHP/5.4.16").
        (r"^((?:server(?: version)?:\s*)?[a-z][\w-]*/\d+\.\d[^\s/]*)\s.*$", r"\1"),
        # java -version's vendor, in parentheses or glued to its build, is the product.
        (
            r"\bOpenJDK (?:Runtime Environment|64-Bit Server VM)\s*"
            r"\((Temurin|AdoptOpenJDK|Eclipse Adoptium|Zulu[^)]*)\)",
            r"\1 ",
        ),
        (
            r"\bOpenJDK (?:Runtime Environment|64-Bit Server VM)\s+"
            r"(?=Temurin|Zulu|Corretto|Microsoft-)",
            "",
        ),
        # Oracle's Java 10 and 11 print a release date as a version: "Environment 18.9 (build".
        (r"\b(Runtime Environment) 1[89]\.\d{1,2}(?= \(build)", r"\1"),
        # A server's version string naming its compiler and platform (PostgreSQL's version()).
        (r",?\s+compiled by\b.*$", ""),
        (r"\bon (?:x86_64|i[3-6]86|aarch64|powerpc\w*|s390x|sparc\w*)-\S+", ""),
        # Debian's library package of OpenSSL, and package epochs ("1:10.3.39").
        (r"\blibssl[\d.]*\s+", "openssl "),
        (r"(?<=\s)\d{1,2}:(?=\d+\.\d)", ""),
        # Run-together names that would split wrongly: "WinXP", "Win7", "Win2k8".
        (r"\bwin ?xp\b", "windows xp"),
        (r"\bwindows(?=server|\d)", "windows "),
        (r"\bserver(?=\d)", "server "),
        (r"\bwin ?(\d+)\b", r"windows \1"),
        # Debian's package of Apache httpd is named for its major version.
        (r"\bapache2\b(?! ?[.]\d)", "apache httpd"),
        # The distribution's name glued to a package revision: "Ubuntu-4ubuntu0.5".
        (r"\b(?:ubuntu|debian)-\d\S*", ""),
        # A package named for its major version before the full one: python3-3.6.8,
        # tomcat9 9.0.31, postgresql-12 12.17, python3.8 3.8.10; a collection's
        # php74-php-7.4.33, rh-php73-php-7.3.33, httpd24-httpd-2.4.34.
        (r"\b([a-z][a-z]*?)-?(\d+(?:\.\d+)?)[- ](?=\2[.\s-])", r"\1 "),
        (r"\b(?:rh-)?([a-z]+)(\d)(\d)-\1-(?=\2\.\3)", r"\1-"),
        # A distribution's package revision after an upstream version: 2.4.41-4ubuntu3.14,
        # 7.2.24-0ubuntu0.18.04.17, 1.8.0.392.b08-2.el7_9, 2.4.38-3+deb10u8, 1.20.1-1~bpo11+1.
        (
            r"(?<=[0-9a-z])[-+~.:_](?:\d+[.~+])?\d*"
            r"(?:ubuntu|deb\d|el\d|(?-i:fc)\d|amzn\d|suse|sles|bpo|mga\d|module\+el)[^\s()]*",
            "",
        ),
        # mysql's client: "Ver 14.14 Distrib 5.7.42" names the server release after Distrib.
        (r"\bver\s+[\d.]+\s+distrib\b", ""),
        # The platform a client was built for, and its line-editing library.
        (
            r"\bfor\s+(?:[\w.]*-)*(?:linux|win(?:32|64)|osx|macos|solaris|freebsd|unknown|pc)"
            r"[\w.-]*(?:\s+on\s+\w+)?",
            "",
        ),
        (r"\busing\s+(?:readline|editline|libedit)\b.*$", ""),
        # An application "for Windows" names the platform it runs on last: "Citrix Workspace app
        # 2305 for Windows" is not Windows.
        (r"\s+for\s+windows(?:\s+(?:x64|x86|64-bit|32-bit))?\s*$", ""),
        # An agent, client or app "for (Microsoft) Windows" is not Windows: "Veeam Agent for
        # Microsoft Windows 6.0", "Horizon Client for Windows 8.10".
        (r"\b(agent|client|tools|app)\s+for\s+(?:microsoft\s+)?windows\b", r"\1"),
        # Db2's server banner names its platform: "Database server = DB2/LINUXX8664 11.5.8.0".
        (r"\bDB2/(?:LINUX|AIX|NT|SUN|HPUX|WIN)\w*", "DB2"),
        # perl -v: "This is perl 5, version 34, subversion 0 (v5.34.0)".
        (r"\bperl (\d+), version (\d+), subversion \d+", r"perl \1.\2"),
        # PAN-OS `show system info` names its software "sw-version".
        (r"^\s*sw-version:\s*", "PAN-OS "),
        # Bare `oslevel -r` / `oslevel -s` output is AIX's technology level.
        (r"^\s*([5-7][1-3]00-\d\d(?:-\d\d(?:-\d{4})?)?)\s*$", r"AIX \1"),
        # `show version` of IOS XE 16 and later names a release train in brackets where older
        # IOS XE said "IOS-XE Software": "Cisco IOS Software [Gibraltar], ... Version 16.12.4,".
        (r"^\s*Cisco IOS Software \[\w+\],.*?\bVersion (\d+\.\d+)\b.*$", r"Cisco IOS XE \1"),
        # kubectl version's Go structure: "Server Version: version.Info{Major:"1", Minor:"23","
        # (its label may already be gone).
        (
            r"^\s*(?:(?:Client|Server) Version: )?version\.Info\{"
            r"Major:\"(\d+)\", Minor:\"(\d+)\+?\".*$",
            r"Kubernetes \1.\2",
        ),
        # Get-ExchangeServer's AdminDisplayVersion: "Version 15.1 (Build 2507.6)".
        (r"^\s*Version (\d+)\.(\d+) \(Build (\d+)\.(\d+)\)\s*$", r"Exchange \1.\2.\3.\4"),
    )
)
"""How each tool's output is read before names are looked for, in order."""

_PARENTHESES = re.compile(r"\([^()]*\)")


def tokens(text: str) -> list[str]:
    """Letters and digits as separate lowercase tokens: "2008R2 SP1" -> 2008, r, 2, sp, 1."""
    return _SPLIT.findall(text.lower())


def spaced(text: str) -> str:
    """The token form as one string, which names and rewrites are written against."""
    return " ".join(tokens(normalise(text)))


def read(text: str) -> tuple[str, str]:
    """The text in token form as a whole, and with what parentheses hold left out.

    A banner names its own product first and the platform it runs on in parentheses second
    (`Apache/2.4.6 (CentOS)`, `nginx/1.18.0 (Ubuntu)`): the product is looked for outside the
    parentheses first, and the version read from the whole."""
    for pattern, replacement in RAW_REWRITES:
        text = pattern.sub(replacement, text)
    outside = _PARENTHESES.sub(" ", text) if "(" in text else text
    whole = spaced(text)
    return whole, (whole if outside is text else spaced(outside))


def skip_words(wanted: list[str], first_words: frozenset[str]) -> list[str]:
    """The version tokens from the first that can begin one of the product's releases: words
    an inventory puts between the product and its version ("Network Deployment 9.0.5",
    "Professional Plus 2010", "Informational tokens are v10.5") are passed over."""
    for index, token in enumerate(wanted):
        if token in first_words or not token.isalpha():
            return wanted[index:]
    return []


Builds = tuple[tuple[tuple[str, ...], tuple[tuple[int, str], ...]], ...]
"""Per release line (its tokens), the first build of each of its service packs, ascending."""


def by_build(builds: Builds, wanted: Sequence[str]) -> list[str] | None:
    """The release a build number belongs to: SQL Server "13.0.5026.0" is 2016 SP2, whose
    first build is 5026. None when the tokens are not a line followed by a build."""
    for line, starts in builds:
        size = len(line)
        if tuple(wanted[:size]) != line or len(wanted) <= size:
            continue
        build = wanted[size]
        if not build.isdigit() or len(build) < 3:
            return None
        found = [name for first, name in starts if int(build) >= first]
        return [*line, *tokens(found[-1])] if found else None
    return None


ANY_START = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
"""Every character a token can begin with."""


def first_characters(pattern: str) -> frozenset[str]:
    """The characters a match of a product name (a regular expression over the token form)
    can begin with, so that the matcher tries only the names that could start at one of a
    text's words. Anything this small reader does not follow gives every character: the set is
    never too small, only sometimes too large."""
    return _firsts(pattern.removeprefix("^").removeprefix(r"\b"))


def _firsts(source: str) -> frozenset[str]:
    if not source:
        return ANY_START
    head = source[0]
    if head.isalnum():
        rest = source[1:]
        if rest[:1] in ("?", "*"):
            return frozenset({head}) | _firsts(rest[1:])
        return frozenset({head})
    if source.startswith(r"\d"):
        digits = frozenset("0123456789")
        return digits | _firsts(source[3:]) if source[2:3] in ("?", "*") else digits
    if source.startswith("(?:"):
        end = _closing(source)
        if end is None:
            return ANY_START
        found: frozenset[str] = frozenset()
        for alternative in _alternatives(source[3:end]):
            found |= _firsts(alternative.removeprefix(r"\b"))
        if source[end + 1 : end + 2] in ("?", "*"):
            found |= _firsts(source[end + 2 :].removeprefix(r"\b"))
        return found
    return ANY_START


def _closing(source: str) -> int | None:
    """The index of the parenthesis closing the group `source` opens."""
    depth = 0
    escaped = False
    for index, char in enumerate(source):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def _alternatives(source: str) -> list[str]:
    """A group's body split at its own `|`, not those of groups inside it."""
    parts: list[str] = []
    depth, start, escaped = 0, 0, False
    for index, char in enumerate(source):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[start:index])
            start = index + 1
    parts.append(source[start:])
    return parts
