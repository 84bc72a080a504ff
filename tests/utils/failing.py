"""A demo board with pages that answer 503 every time until the test fixes them."""

from __future__ import annotations

from jobcrawl.demo.ads import generate_ads
from jobcrawl.demo.server import DemoBoard
from jobcrawl.demo.site import DEFAULT_ORIGIN, Board, Response


class FailingBoard(Board):
    """The demo board; request targets in ``failing`` (``/jobs?page=2``, ``/jobs/<id>``)
    answer HTTP 503 however often they are retried."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.failing: set[str] = set()

    def render(self, target: str, origin: str = DEFAULT_ORIGIN) -> Response:
        if target in self.failing:
            return 503, "text/plain; charset=utf-8", b"Service Unavailable\n"
        return super().render(target, origin)


class FailingDemoBoard(DemoBoard):
    """A FailingBoard on a real port: set ``failing``, crawl, ``fix()``, crawl again."""

    board: FailingBoard

    def __init__(self, n_ads: int = 60, seed: int = 2013, *, per_page: int = 20) -> None:
        super().__init__(board=FailingBoard(generate_ads(n_ads, seed), per_page))

    @property
    def failing(self) -> set[str]:
        return self.board.failing

    def fix(self) -> None:
        """Every page answers again."""
        self.board.failing.clear()
