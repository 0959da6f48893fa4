"""What a system depends on and what depends on it, to any depth, as a tree: cycles are marked,
each system shows its band, and the blast radius heads the screen."""

from __future__ import annotations

import networkx as nx
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree
from textual.worker import get_current_worker

from estate.graph import EstateGraph
from estate.render.system import BAND_STYLE

NodeData = tuple[str, str, tuple[str, ...]]
"""(system key, direction "down" or "up", the path of keys from the root)."""


class ExplorerScreen(Screen[None]):
    """The dependency tree around one system."""

    BINDINGS = [
        Binding("escape,backspace", "app.go_back", "Back"),
        Binding("enter", "open", "Open system"),
    ]

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.graph_arrived = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="blast")
        yield Tree[NodeData](self.key, id="tree")
        yield Footer()

    def on_mount(self) -> None:
        self.data = self.app.data  # type: ignore[attr-defined]
        self.sub_title = f"Dependencies of {self.key}"
        self.query_one("#blast", Static).update(Text("Reading the dependencies..."))
        self.watch(self.app, "graph", self._graph_read, init=True)

    def _graph_read(self, graph: EstateGraph | None) -> None:
        """The graph comes from the app's load, seconds before the scores; the first to
        arrive is shown."""
        if graph is not None and not self.graph_arrived:
            self.graph_arrived = True
            self.work_out_heading(graph)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def work_out_heading(self, graph: EstateGraph) -> None:
        """Work out the heading off the event loop: a central system's dependents can be
        most of the estate."""
        heading = self._heading(graph)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, graph, heading)

    def _heading(self, graph: EstateGraph) -> Text:
        """The system's blast radius, and the cycle it must move with, if any."""
        node = graph.nodes.get(self.key)
        if node is None:  # listed by a kept ranking, deleted since
            return Text(f"{self.key} is no longer in the estate.", style="bold")
        dependents = nx.ancestors(graph.graph, self.key)
        in_cycle = dependents & nx.descendants(graph.graph, self.key)
        what = "is no longer in the estate, and" if node.placeholder else f"{node.name}:"
        text = Text(f"{self.key} {what} ", style="bold")
        text.append(f"{graph.blast_radius_of(self.key, dependents).describe()}.")
        if in_cycle:
            text.append(
                f"\nIn a dependency cycle with {len(in_cycle)} others: they must move together.",
                style="yellow",
            )
        return text

    def show(self, graph: EstateGraph, heading: Text) -> None:
        """Head the screen and grow the tree."""
        self.graph = graph
        self.query_one("#blast", Static).update(heading)
        if self.key not in graph.nodes:
            return
        tree = self.query_one("#tree", Tree)
        tree.root.set_label(self._label(self.key))
        tree.root.data = (self.key, "root", (self.key,))
        down = tree.root.add(Text("depends on", style="bold"), data=(self.key, "down", (self.key,)))
        up = tree.root.add(Text("used by", style="bold"), data=(self.key, "up", (self.key,)))
        for branch, why in (
            (down, "none: it depends on no other system"),
            (up, "none: nothing depends on it"),
        ):
            self._fill(branch)
            if not branch.children:
                branch.add_leaf(Text(why, style="dim"))
        tree.root.expand()
        down.expand()
        up.expand()
        tree.focus()

    def _label(self, key: str, cycle: bool = False) -> Text:
        band = self.data.band(key)
        node = self.graph.nodes[key]
        label = Text(f"{key} {node.name if not node.placeholder else ''} ")
        label.append(
            band or ("not in the estate" if node.placeholder else "unknown"),
            style=BAND_STYLE.get(band, "yellow"),
        )
        if cycle:
            label.append("  ↻ cycle", style="bold yellow")
        return label

    def _fill(self, branch: Tree.NodeType) -> None:  # type: ignore[name-defined]
        """Add the next level under `branch`, lazily, marking systems already on the path."""
        key, direction, path = branch.data
        graph = self.graph.graph
        neighbours = graph.successors(key) if direction == "down" else graph.predecessors(key)
        for neighbour in sorted(neighbours):
            cycle = neighbour in path
            child = branch.add(
                self._label(neighbour, cycle),
                data=(neighbour, direction, (*path, neighbour)),
                allow_expand=not cycle and self._has_more(neighbour, direction),
            )
            child.data = (neighbour, direction, (*path, neighbour))

    def _has_more(self, key: str, direction: str) -> bool:
        graph = self.graph.graph
        return bool(graph.out_degree(key) if direction == "down" else graph.in_degree(key))

    @on(Tree.NodeExpanded)
    def grow(self, event: Tree.NodeExpanded[NodeData]) -> None:
        node = event.node
        if (
            node.data
            and node.data[1] in ("down", "up")
            and not node.children
            and node is not self.query_one(Tree).root
        ):
            self._fill(node)

    def action_open(self) -> None:

        node = self.query_one("#tree", Tree).cursor_node
        if node is not None and node.data and node.data[0] in self.data.by_key:
            self.app.open_system(node.data[0])  # type: ignore[attr-defined]
