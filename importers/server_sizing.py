"""A system's size from the servers its rows list.

Migration tools export one row per server (AWS Migration Hub's import file, AWS Cloud Migration
Factory's intake form, a ServiceNow server list with an application column), and where a column
names each server's application the rows group into one system per application. The system's
running figures are then its servers', added up:

- virtual machines: the number of distinct servers it lists (a sheet that has its own count
  column has that column summed instead); where the sheet says which servers are physical
  (Azure Migrate's `Server type`), those are its physical servers instead;
- cores or vCPUs, memory, storage and metered energy: summed over its servers;
- average CPU utilisation: the servers' averages weighted by their cores, or their plain mean
  where a server giving a utilisation does not give its cores.

A server listed twice for the same system counts once (its first row's figures). A server in
several systems (AWS's `Applications` may list several) counts in full in each, as the tool
itself shows it in each application; the import says which servers, since a total over those
systems counts them more than once. A figure some of a system's servers leave blank is the sum
of those given, and said. A figure a server's cell could not be read for (`--skip-invalid`) is
not imported for its system: the stored value stays, rather than a sum missing a server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from estate.enums import normalise
from estate.words import counted
from importers.problems import listed

SUMMED = ("vcpus", "memory_gb", "storage_tb", "metered_kwh")
"""Figures a system has as the sum of its servers'."""
UTILISATION = "cpu_utilisation"
COUNT = "virtual_machines"
PHYSICAL = "physical_servers"
"""Counted instead of COUNT for the servers a sheet says are physical (`ServerKinds`)."""
FIELDS = (*SUMMED, UTILISATION, COUNT, PHYSICAL)
"""Every figure this module settles for a system; a repeated row's own value for one is not
merged as other fields are."""


@dataclass
class _Server:
    label: str
    row: int
    figures: dict[str, Any]
    physical: bool | None = None
    """Whether the sheet says it is a physical server (False: virtual; None: not said)."""


@dataclass
class ServerKinds:
    """A sheet's column saying whether each server is physical or virtual: its header and the
    tool's words for each (folded), from the sheet's profile."""

    header: str
    words: dict[str, str]
    unknown: dict[str, int] = field(default_factory=dict)
    """Words neither physical nor virtual -> the first row giving each."""


@dataclass
class _System:
    name: str
    values: dict[str, Any]
    unread: set[str]
    servers: dict[str, _Server] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)
    """Figures a server's cell could not be read for."""


@dataclass(frozen=True)
class Said:
    """A warning the sizing leaves for the sheet: its text, the row it points at, and the field
    whose column it is about, if one."""

    message: str
    row: int
    field_name: str | None = None


@dataclass
class ServerSizing:
    """The servers of each system of one sheet, added up once the sheet is read (`settle`)."""

    read: frozenset[str]
    """The figures the sheet has columns for."""
    headers: dict[str, str]
    """Field -> its column's header, for the warnings."""
    systems: dict[int, _System] = field(default_factory=dict)
    duplicates: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(system, server, its first row, the row repeating it)."""
    kinds: ServerKinds | None = None
    """Where the sheet says which servers are physical: those are counted as the system's
    physical servers, the rest as its virtual machines."""

    def add(
        self,
        system: dict[str, Any],
        system_unread: set[str],
        row_values: dict[str, Any],
        row_unread: set[str],
        row: int,
        server: str | None,
        kind: str | None = None,
    ) -> None:
        """Count one row's server for the system whose stored values are `system` (the first
        row's record of it): `server` is the row's server cell, None when blank (the row is
        then a server of its own); `kind`, the sheet's word for whether it is physical or
        virtual (`kinds`). A blank word, or one the profile does not know (said once), leaves
        its kind unknown: it is counted as a virtual machine, as a server of no stated kind
        is, and its system's physical servers are unknown unless others are physical."""
        entry = self.systems.get(id(system))
        if entry is None:
            entry = self.systems[id(system)] = _System(
                str(system.get("name") or system.get("reference")), system, system_unread
            )
        label = server or f"row {row}"
        key = _key(server, row)
        earlier = entry.servers.get(key)
        if earlier is not None:
            self.duplicates.append((entry.name, label, earlier.row, row))
            return
        figures = {name: row_values.get(name) for name in FIELDS if name in self.read}
        entry.servers[key] = _Server(label, row, figures, self._physical(kind, row))
        entry.lost |= row_unread & set(FIELDS)

    def _physical(self, word: str | None, row: int) -> bool | None:
        """Whether the sheet's `word` for a server says it is physical (False: virtual), None
        where the sheet says nothing it knows."""
        if self.kinds is None or not word:
            return None
        kind = self.kinds.words.get(normalise(word))
        if kind is None:
            self.kinds.unknown.setdefault(word, row)
            return None
        return kind == "physical"

    def settle(self) -> list[Said]:
        """Write each system's figures from its servers' and say what a reader should know:
        servers in several systems, servers listed twice, figures some servers leave blank."""
        blanks: dict[str, list[_Blank]] = {}
        for entry in self.systems.values():
            servers = list(entry.servers.values())
            for name in (*SUMMED, COUNT):
                if name in self.read:
                    total, missing = _sum(servers, name)
                    entry.values[name] = total
                    if missing and total is not None:
                        case = _Blank(entry.name, missing, len(servers), servers[0].row)
                        blanks.setdefault(name, []).append(case)
            if self.kinds is not None and PHYSICAL not in self.read:
                physical = sum(1 for server in servers if server.physical)
                said = all(server.physical is not None for server in servers)
                # none said physical and some not said: how many are physical is not known
                entry.values[PHYSICAL] = physical if physical or said else None
                if COUNT not in self.read:
                    entry.values[COUNT] = len(servers) - physical
            elif COUNT not in self.read:
                entry.values[COUNT] = len(servers)
            if UTILISATION in self.read:
                entry.values[UTILISATION] = _utilisation(servers)
            for name in entry.lost:
                entry.values[name] = None
                entry.unread.add(name)
        return [*self._shared(), *self._duplicated(), *self._blanks(blanks), *self._unknown()]

    def _unknown(self) -> list[Said]:
        """One line for the server kinds the profile does not know."""
        if self.kinds is None or not self.kinds.unknown:
            return []
        words = sorted(self.kinds.unknown, key=self.kinds.unknown.__getitem__)
        known = listed(sorted({word for word in self.kinds.words}))
        return [
            Said(
                f"{self.kinds.header}: {listed([repr(w) for w in words])} neither physical nor "
                f"virtual (the words read are {known}): those servers are counted as virtual "
                "machines",
                self.kinds.unknown[words[0]],
            )
        ]

    def _shared(self) -> list[Said]:
        """One line for the servers counted in more than one system."""
        homes: dict[str, list[str]] = {}
        first: dict[str, _Server] = {}
        for entry in self.systems.values():
            for key, server in entry.servers.items():
                homes.setdefault(key, []).append(entry.name)
                first.setdefault(key, server)
        shared = sorted(
            ((first[key].row, first[key].label, names) for key, names in homes.items()),
            key=lambda case: case[:2],
        )
        shared = [case for case in shared if len(set(case[2])) > 1]
        if not shared:
            return []
        cases = [f"{label} in {' and '.join(names)}" for _row, label, names in shared]
        many = len(shared) > 1
        return [
            Said(
                f"{counted(len(shared), 'server')} {'are' if many else 'is'} in more than one "
                f"system ({listed(cases)}): each is counted in full in every system it is in "
                "(its cores, memory and utilisation), so a total over those systems counts "
                f"{'them' if many else 'it'} more than once",
                shared[0][0],
            )
        ]

    def _duplicated(self) -> list[Said]:
        """One line for the rows listing a server again for the same system."""
        if not self.duplicates:
            return []
        system, server, first, row = self.duplicates[0]
        verb = "lists" if len(self.duplicates) == 1 else "list"
        return [
            Said(
                f"{counted(len(self.duplicates), 'row')} {verb} a server already listed for the "
                "same system; each server is counted once, from its first row (server "
                f"{server} of {system}: rows {first} and {row})",
                row,
            )
        ]

    def _blanks(self, blanks: dict[str, list[_Blank]]) -> list[Said]:
        """One line per figure some systems' servers leave blank."""
        said = []
        for name, cases in blanks.items():
            case = cases[0]
            said.append(
                Said(
                    f"{self.headers.get(name, name)}: not given for some servers of "
                    f"{counted(len(cases), 'system')}; each system's figure is the sum of "
                    f"those given (system {case.system}: none for {listed(case.missing)}, "
                    f"{len(case.missing)} of its {case.servers} servers)",
                    case.row,
                    name,
                )
            )
        return said


def _key(server: str | None, row: int) -> str:
    """A server as a system's servers are told apart: by its name, whatever its case; a row
    naming none is a server of its own."""
    return server.casefold() if server else f"\0row {row}"


@dataclass(frozen=True)
class _Blank:
    """A system some of whose servers leave a figure blank."""

    system: str
    missing: list[str]
    servers: int
    row: int


def _sum(servers: list[_Server], name: str) -> tuple[float | int | None, list[str]]:
    """The sum of the servers' figures (None when none gives one), and the servers without."""
    given = [s.figures[name] for s in servers if s.figures.get(name) is not None]
    missing = [s.label for s in servers if s.figures.get(name) is None]
    if not given:
        return None, missing
    return sum(given), missing


def _utilisation(servers: list[_Server]) -> float | None:
    """The servers' average CPU utilisation weighted by their cores; their plain mean where a
    server giving a utilisation gives no cores (or none gives any); None when none gives one."""
    pairs: list[tuple[float, int]] = [
        (float(s.figures[UTILISATION]), int(s.figures.get("vcpus") or 0))
        for s in servers
        if s.figures.get(UTILISATION) is not None
    ]
    if not pairs:
        return None
    if all(cores for _u, cores in pairs):
        return round(sum(u * c for u, c in pairs) / sum(c for _u, c in pairs), 2)
    return round(sum(u for u, _c in pairs) / len(pairs), 2)
