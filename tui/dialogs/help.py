"""The help screen: what each screen is for and its keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# estate

Find the riskiest legacy technology and what to fix first.

| Key | Where | Does |
|---|---|---|
| `o` | anywhere | Overview: the estate at a glance |
| `r` | anywhere | Ranking: every system by remediation priority, filtered as you left it |
| `escape` | anywhere | Back to the screen before, as you left it (and on, screen by screen) |
| `/` | ranking | Search as you type (name, key, owner) |
| `1`-`9`, `0`, `-` | ranking | Sort by a column (below); again to reverse (or click a heading) |
| `delete` | ranking | Clear the filters and the search |
| `enter` | ranking, tree | Open the system: every score explained |
| `n` | system | Go to its neighbours; `enter` jumps to one |
| `e` | system | Dependency explorer: what it depends on and what depends on it |
| `w` | ranking | Migration waves of the systems shown |
| `p` | anywhere | Technology portfolio; `enter` lists a product's or release's systems |
| `c` | anywhere | Changes since the last period; `s` looks further back, `enter` opens a system |
| `i` | anywhere | Import a return: check, read the report (`ctrl+e`: the choices), confirm |
| `x` | anywhere | Export the systems shown (xlsx, csv, json, markdown) |
| `f5` | anywhere | Refresh the estate (offered when another import has changed it) |
| `g` | anywhere | Go to system: type part of its key or name, `enter` opens it |
| `ctrl+p` | anywhere | Command palette: any system, screen or action; ranking by department, band |
| `q` | anywhere | Quit |

The sort keys `1`-`9`, `0` and `-` stand for #, System, Name, Dept, Priority, Legacy, Band,
Cloud, Gaps, Criticality and Hosting. The ranking shows the columns that fit the terminal
(system, name, priority and band always); on a narrow one a system's criteria and gaps are laid
out one block each.

The overview charts red-rated and legacy systems period by period, each period scored as at
its end with today's policy; a system's screen ends with its history, each change with the
file, sheet and cell it came from.

Scores follow the CDDO Legacy IT Risk Assessment Framework (likelihood x impact, red-rated
from 16), cloud readiness categories, and CAF / Secure by Design gaps. Each criterion says
whether it was self-assessed, derived (and from what) or unknown.

Opened again, estate shows the ranking and overview of its last scoring at once, saying when
that was and whether anything has changed since, while it scores the estate afresh. The
dependency explorer and the waves open as soon as the graph is read, a system's explanation at
once when nothing has changed; export follows when the fresh scores are in.
"""


class HelpDialog(ModalScreen[None]):
    """Keys and what the screens are for."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Markdown(HELP)
