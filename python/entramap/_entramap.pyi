"""Type stubs of the extension module (docs/python.md)."""

from collections.abc import Iterable, Mapping as MappingABC
from os import PathLike
from typing import Any, Optional, Union

__version__: str

#: What an expression or a mapping gives: text, several texts, a Boolean, an integer, a date
#: as Entra shows it (text), or None when nothing flows.
Value = Union[str, list[str], bool, int, None]
User = MappingABC[str, Any]
Options = dict[str, Any]

class Error(Exception):
    """Every error entramap raises."""

class ExpressionError(Error):
    """An expression does not parse, check or compile."""

    diagnostics: list[Diagnostic]

class EvaluationError(Error):
    """Evaluating an expression, or one mapping of a set, failed for a record."""

class MappingError(Error):
    """A mapping set cannot be loaded or does not compile."""

class InputError(Error):
    """An argument is not what it should be (a user that is not a dict, unknown options, ...)."""

class Diagnostic:
    """One finding about an expression; ``str(d)`` is the rendered, caret-underlined text."""

    code: str
    severity: str
    message: str
    line: int
    column: int
    help: Optional[str]
    rendered: str

def check(expression: str, *, options: Optional[Options] = None) -> list[Diagnostic]:
    """Every error and warning of ``expression``, as ``entramap check -f`` finds them."""

def evaluate(
    expression: str,
    user: User,
    *,
    options: Optional[Options] = None,
    now: Optional[str] = None,
) -> Value:
    """Compile ``expression`` and evaluate it for one user (a dict of attributes)."""

class Expression:
    """An expression compiled once; raises ExpressionError when it cannot be compiled."""

    def __init__(self, expression: str, *, options: Optional[Options] = None) -> None: ...
    def evaluate(self, user: User) -> Value:
        """The value for one user."""
    def to_graph(self) -> dict[str, Any]:
        """The tree the service stores for it (Graph's attributeMappingSource)."""
    @property
    def text(self) -> str: ...
    @property
    def warnings(self) -> list[Diagnostic]: ...

class Run:
    """What ``Mapping.map`` gives."""

    requests: list[dict[str, Any]]
    summary: dict[str, int]
    state: list[dict[str, str]]
    errors: list[dict[str, Any]]
    warnings: list[str]

class Mapping:
    """A mapping set: built in (``"code42"``), a file, or a Graph schema (``from_graph``)."""

    def __init__(
        self, name_or_path: Union[str, PathLike[str]], *, options: Optional[Options] = None
    ) -> None: ...
    @staticmethod
    def from_graph(schema: dict[str, Any], *, options: Optional[Options] = None) -> Mapping: ...
    @property
    def name(self) -> str: ...
    @property
    def warnings(self) -> list[str]: ...
    def values(self, user: User) -> dict[str, Value]:
        """What each user attribute receives, as ``map`` computes it on create."""
    def map(
        self,
        users: Iterable[User],
        *,
        groups: Optional[Iterable[User]] = None,
        current: Optional[Iterable[User]] = None,
        state: Optional[Iterable[dict[str, str]]] = None,
        options: Optional[Options] = None,
    ) -> Run:
        """Run users (and groups) as ``entramap map`` does."""

def run_cli(argv: list[str]) -> int: ...
