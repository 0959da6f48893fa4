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
        # A major version before the whole version it begins: a name that carries its major,
        # then the version (Azure Migrate's OS name "VMware ESXi 6" beside its OS version
        # "6.7"); the version is read once.
        (r"(?<![\d.])(\d+)\s+(?=\1\.\d)", ""),
        # Labels of systeminfo, os-release, lsb_release, httpd -v, PowerShell lists.
        (
            r"^\s*(?:os name|os version|description|distributor id|caption|pretty_name|name"
            r"|server version|product ?version|version|productname|os)\s*[:=]\s*",
            "",
        ),
        # AIX's `uname -a`: the host, then the release and the version ("AIX db01 2 7
        # 00F6AB0E4C00" is AIX 7.2).
        (r"^\s*AIX\s+\S+\s+(\d)\s+(\d)\s+[0-9A-F]{12}\b.*$", r"AIX \2.\1"),
        # Get-CimInstance's table row, version before caption: "10.0.19043 Microsoft Windows
        # 10 Pro".
        (r"^\s*(\d+\.\d+\.\d{4,5})\s+(Microsoft Windows\b.*?)\s*$", r"\2 \1"),
        # ESXi's `uname -a`: "VMkernel host 7.0.3 #1 SMP Release build-18644231 ... ESXi".
        (r"^\s*VMkernel\s+\S+\s+(\d+\.\d+(?:\.\d+)?)\b.*$", r"VMware ESXi \1"),
        # A CPE name (scanners, SBOMs, os-release's CPE_NAME, nmap's "OS CPE:"):
        # "cpe:/o:suse:sles:12:sp1", "cpe:2.3:o:microsoft:windows_server_2012:r2:*:*..." is
        # vendor, product, version, update.
        (
            r"^(?:cpe_name\s*=\s*|os cpe:\s*)?\"?cpe:(?:2\.3:|/)[aoh]:([^:\"]+):([^:\"]+)"
            r"(?::([^:*\"]*))?(?::([^:*\"]*))?.*$",
            r"\1 \2 \3 \4",
        ),
        # VMware's guest OS identifiers (vCenter's guestId, as RVTools and vSphere exports give
        # it): "rhel7_64Guest", "windows2019srv_64Guest"; "windows9Server64Guest" is VMware's
        # "Windows 10 Server", Windows Server 2016 or later.
        (
            r"^\s*winNet(?:Standard|Enterprise|Datacenter|Web|Business)(?:64)?Guest\s*$",
            "Windows 2003",
        ),
        (r"^\s*winXP(?:Home|Pro|Pro64)Guest\s*$", "Windows XP"),
        (r"^\s*winVista(?:64)?Guest\s*$", "Windows Vista"),
        (r"^\s*winNTGuest\s*$", "Windows NT 4.0"),
        (r"^\s*win2000(?:Serv|AdvServ)Guest\s*$", "Windows 2000 Server"),
        (r"^\s*windows7Server64Guest\s*$", "Windows Server 2008 R2"),
        (r"^\s*windows9Server64Guest\s*$", "Windows Server 10.0"),
        (r"^\s*windows2019srv_64Guest\s*$", "Windows Server 2019"),
        (r"^\s*windows2019srvNext_64Guest\s*$", "Windows Server 2022"),
        (r"^\s*windows2022srvNext_64Guest\s*$", "Windows Server 2025"),
        (r"^\s*windows(7|8|11)(?:_64)?Guest\s*$", r"Windows \1"),
        (r"^\s*windows9(?:_64)?Guest\s*$", "Windows 10"),
        (r"^\s*(rhel|sles|centos|debian|solaris)(\d+)(?:_64)?Guest\s*$", r"\1 \2"),
        (r"^\s*oracleLinux(\d+)(?:_64)?Guest\s*$", r"Oracle Linux \1"),
        # A web server's banner: the server and its version first, then its platform and
        # modules ("Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips PHP/5.4.16").
        (r"^((?:server(?: version)?:\s*)?[a-z][\w-]*/\d+\.\d[^\s/]*)\s.*$", r"\1"),
        # java -version's VM line gives the HotSpot version, not Java's: HotSpot 25 is Java 8
        # ("Server VM (build 25.392-b08"), 21 to 24 are Java 7.
        (r"VM\b(.*?)\(build 25\.(\d+)-b", r"VM\1(build 1.8.0_\2-b"),
        (r"VM\b(.*?)\(build 24\.(\d+)-b", r"VM\1(build 1.7.0_\2-b"),
        # HotSpot 20 to 23 shipped in both Java 6 and 7 (IcedTea6 has HotSpot 23): no release.
        (r"VM\b(.*?)\(build 2[0-3]\.\d+-b\d+", r"VM\1(HotSpot"),
        # IcedTea's own version is not Java's: "(IcedTea 2.5.3) (7u71-2.5.3-1)" is Java 7.
        (r"\(IcedTea\d?\s+[\d.]+\)", ""),
        # MariaDB's server version (`SELECT VERSION()`, a scanner's MySQL handshake, `mariadbd
        # -V`): the release first, after the "5.5.5-" replication prefix older clients need,
        # then the build's suffix ("5.5.5-10.3.20-MariaDB-1:10.3.20+maria~buster-log").
        (r"\b(?:5\.5\.5-)?(\d+\.\d+\.\d+)-MariaDB[^\s,]*", r"MariaDB \1"),
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
        # An rpm package's epoch between its name and version: java-17-openjdk-1:17.0.16.0.8.
        (r"(?<=[a-z]-)\d{1,2}:(?=\d+\.\d)", ""),
        # Run-together names that would split wrongly: "WinXP", "Win7", "Win2k8".
        (r"\bwin ?xp\b", "windows xp"),
        (r"\bwindowsxp\b", "windows xp"),
        (r"\bwindows(?=server|\d)", "windows "),
        (r"\bserver(?=\d)", "server "),
        (r"\bwin ?(\d+)\b", r"windows \1"),
        # A .NET hosting bundle's installer names the server it is for: "Microsoft .NET 8.0.1 -
        # Windows Server Hosting" is .NET, not Windows Server.
        (r"\s+-\s+Windows Server Hosting\b", " hosting bundle"),
        # Debian's package of Apache httpd is named for its major version.
        (r"\bapache2\b(?! ?[.]\d)", "apache httpd"),
        # The distribution's name glued to a package revision: "Ubuntu-4ubuntu0.5".
        (r"\b(?:ubuntu|debian)-\d\S*", ""),
        # A package named for its major version before the full one: python3-3.6.8,
        # tomcat9 9.0.31, postgresql-12 12.17, python3.8 3.8.10; a collection's
        # php74-php-7.4.33, rh-php73-php-7.3.33, httpd24-httpd-2.4.34.
        (r"\b([a-z][a-z]*?)-?(\d+(?:\.\d+)?)[- ](?=\2[.\s-])", r"\1 "),
        (r"\b(?:rh-)?([a-z]+)(\d)(\d)-\1-(?=\2\.\3)", r"\1-"),
        # Software Collections name the release without its dot: rh-nginx112-nginx-1.12.1,
        # rh-mariadb105-mariadb-server-10.5.16.
        (r"\b(?:rh-)?([a-z]+)\d+-\1-(?=(?:[a-z]+-)?\d+\.\d)", r"\1-"),
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
        # A client driver's own version is not the server's: "ODBC Driver 17 for SQL Server".
        (r"\b(ODBC|OLE DB) Driver [\d.]+ for SQL Server\b", r"SQL Server \1 Driver"),
        # The TNS row of Oracle's `v$version`: "TNS for 64-bit Windows: Version 11.2.0.2.0".
        (r"^\s*TNS\b[^:]*:\s*Version\b", "Oracle TNS listener"),
        # db2level's first line names the code release: "DB2 code release "SQL11055"" is 11.5.
        (r'^.*\bDB2 code release "?SQL(\d\d)(\d\d)\d.*$', r"DB2 \1.\2"),
        # Db2's product level over DRDA ("QDB2/LINUXX8664, Version: SQL11050") names the platform,
        # then the release as SQLvvrrm: SQL11050 is 11.5.
        (r"\bQDB2/\w+", ""),
        (r"\b(?-i:SQL)([01]\d)(0\d)\d\b", r"v\1.\2"),
        # perl -v: "This is perl 5, version 34, subversion 0 (v5.34.0)".
        (r"\bperl (\d+), version (\d+), subversion \d+", r"perl \1.\2"),
        # PAN-OS `show system info` names its software "sw-version".
        (r"^\s*sw-version:\s*", "PAN-OS "),
        # Bare `oslevel -r` / `oslevel -s` output is AIX's technology level.
        (r"^\s*([5-7][1-3]00-\d\d(?:-\d\d(?:-\d{4})?)?)\s*$", r"AIX \1"),
        # Microsoft's security-update product names: "Windows 10 Version 1809 for 32-bit
        # Systems", "Windows Server 2008 for x64-based Systems Service Pack 2".
        (r"\bfor (?:x64|x86|arm64|itanium)-based systems\b|\bfor (?:32|64)-bit systems\b", ""),
        # Metasploit's `sysinfo`: "Windows 10 (10.0 Build 17763)." is NT 10.0.17763.
        (r"\((\d+\.\d+) Build (\d+)", r"(\1.\2"),
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

JOINS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE | re.MULTILINE), replacement)
    for pattern, replacement in (
        # systeminfo's, Get-WmiObject's, Get-ComputerInfo's and macOS sw_vers's name and version
        # lines together: "OS Name: Microsoft Windows 10 Pro" / "OS Version: 10.0.19044 N/A
        # Build 19044"; "ProductName: Mac OS X" / "ProductVersion: 10.12".
        (
            r"^\s*(?:os name|caption|windowsproductname|productname)\s*:\s*(.+?)\s*\n"
            r"\s*(?:os ?version|product ?version|version)\s*:\s*"
            r"(\d+\.\d+(?:\.\d+)*(?: Service Pack \d+)?)[^\n]*",
            r"\1 \2",
        ),
        # uname's fields as machinfo lists them: "sysname  = HP-UX" ... "release  = B.11.23".
        (
            r"^\s*sysname\s*=\s*(\S+)\s*\n(?:[^\n]*\n)*?\s*release\s*=\s*(\S+)[^\n]*",
            r"\1 \2",
        ),
        # /etc/SuSE-release: the release, then its service pack as PATCHLEVEL.
        (
            r"^(SUSE Linux Enterprise \w+ \d+)\b.*\n\s*VERSION = \d+\s*\n"
            r"\s*PATCHLEVEL = ([1-9]\d*)\s*$",
            r"\1 SP\2",
        ),
    )
)
"""A tool's output over several lines whose lines name one release only together, joined
into one line before the lines are read apart."""

_BARE_NT = re.compile(
    r"^\s*(?:os ?version\s*:\s*|version\s*:\s*|os\s+)?(?:microsoft )?(?:windows )?(?:nt )?"
    r"((?:5|6|10)\.\d\.\d{4,5})(?:\.\d+)?(?:\s+n/a)?(?:\s+(service pack \d))?"
    r"(?:\s+\(?build \d+\)?)?\s*$",
    re.IGNORECASE,
)


_VERSION_LIST = re.compile(
    r"^\s*(.*?[a-z])\s+(\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)+)(\s+\((?:32|64)-bit\))\s*$", re.I
)


def joined(text: str) -> str:
    """A tool's multi-line output with the lines that name a release together joined."""
    for pattern, replacement in JOINS:
        text = pattern.sub(replacement, text)
    return text


def readings(text: str) -> tuple[str, tuple[str, ...]]:
    """A text that names several releases at once, and its reading as each, or ("", ()) when
    it names one.

    A bare Windows NT kernel version ("10.0.17763", systeminfo's `OS Version`, .NET's
    "Microsoft Windows NT 10.0.17763.0", PowerShell's `$PSVersionTable.OS`) is desktop Windows
    or Windows Server, which share kernel versions and builds (10.0.17763 is Windows 10 1809
    and Server 2019). VMware's guest OS names list the versions a guest type covers ("CentOS
    4/5/6/7 (64-bit)")."""
    found = _BARE_NT.match(text)
    if found is not None:
        version = " ".join(part for part in found.groups() if part)
        return version, (f"Windows {version}", f"Windows Server {version}")
    listed = _VERSION_LIST.match(text)
    if listed is not None:
        name, versions, rest = listed.groups()
        return versions, tuple(f"{name} {v}{rest}" for v in versions.split("/"))
    return "", ()


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


PREFIX = 3
"""How many characters of a product name's beginning the matcher's index reads."""
ANYWHERE = frozenset({""})
"""The beginnings of a name the reader cannot follow: tried against every text."""


def first_prefixes(pattern: str, size: int = PREFIX) -> frozenset[str]:
    """What a match of a product name (a regular expression over the token form) can begin
    with, each at most `size` characters of one word (a name's space ends its first word), so
    that the matcher tries only the names that could start at one of a text's words: the
    beginning of every match is one of these. Anything this small reader does not follow
    ends the beginning there, down to the empty beginning that every text has: the beginnings
    are never too long, only sometimes too short."""
    return _prefixes(pattern.removeprefix("^").removeprefix(r"\b"), size)


def _prefixes(source: str, size: int) -> frozenset[str]:
    if size == 0 or not source:
        return ANYWHERE
    head = source[0]
    if head.isalnum():
        rest = source[1:]
        if rest[:1] in ("?", "*"):
            after = rest[1:]
            return _led(head, _prefixes(after, size - 1)) | _prefixes(after, size)
        if rest[:1] in ("+", "{"):
            return frozenset({head})
        return _led(head, _prefixes(rest, size - 1))
    if source.startswith(r"\d"):
        digits = frozenset("0123456789")
        return digits | _prefixes(source[3:], size) if source[2:3] in ("?", "*") else digits
    if source.startswith(r"\b"):  # a boundary between words takes no character
        return _prefixes(source[2:], size)
    if source.startswith("(?:"):
        end = _closing(source)
        if end is None:
            return ANYWHERE
        after = source[end + 1 :]
        optional = after[:1] in ("?", "*")
        if after[:1] in ("+", "{"):
            after = ""  # the group repeats: its beginning alone is known
        elif optional:
            after = after[1:]
        found: frozenset[str] = frozenset()
        for alternative in _alternatives(source[3:end]):
            found |= _prefixes(alternative + after, size)
        if optional:
            found |= _prefixes(after, size)
        return found
    return ANYWHERE


def _led(head: str, rests: frozenset[str]) -> frozenset[str]:
    """Each of `rests` after `head`."""
    return frozenset(head + rest for rest in rests)


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
