# The message-callback enums are built here at run time but belong to the
# package's API (their __module__ is "pyssl"); see __init__.pyi.
from . import (
    _TLSAlertType as _TLSAlertType,
    _TLSContentType as _TLSContentType,
    _TLSMessageType as _TLSMessageType,
)

__all__ = ["_TLSContentType", "_TLSAlertType", "_TLSMessageType"]
