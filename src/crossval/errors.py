"""Exceptions raised by crossval.

Every error a caller can provoke with bad input derives from ``ValueError`` or
``TypeError`` so that ordinary ``except ValueError`` code keeps working, and
every message names the offending argument and what would have been allowed.
"""

from __future__ import annotations


class CrossvalError(Exception):
    """Base class of every exception crossval raises on purpose."""


class InputError(CrossvalError, ValueError):
    """An argument has a value crossval cannot compute with."""


class InputTypeError(CrossvalError, TypeError):
    """An argument has a type crossval cannot compute with."""


class RUnavailableError(CrossvalError, RuntimeError):
    """R (or rpy2, or the ``survival`` package) cannot be loaded."""


class RError(CrossvalError, RuntimeError):
    """R itself raised an error; the message carries R's own text."""
