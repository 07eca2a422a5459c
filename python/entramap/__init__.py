"""Microsoft Entra ID's provisioning attribute-mapping language, offline.

The same Rust engine as the ``entramap`` command: evaluate expressions as Entra's
provisioning service does, check them, and run mapping sets over users to get the exact SCIM
requests Entra would send. See docs/python.md.

>>> import entramap
>>> entramap.evaluate('Join(".", [givenName], [surname])', {"givenName": "Ada", "surname": "Lovelace"})
'Ada.Lovelace'
"""

from ._entramap import (
    Diagnostic,
    Error,
    EvaluationError,
    Expression,
    ExpressionError,
    InputError,
    Mapping,
    MappingError,
    Run,
    __version__,
    check,
    evaluate,
)

__all__ = [
    "Diagnostic",
    "Error",
    "EvaluationError",
    "Expression",
    "ExpressionError",
    "InputError",
    "Mapping",
    "MappingError",
    "Run",
    "__version__",
    "check",
    "evaluate",
]
