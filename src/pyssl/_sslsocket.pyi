# SSLObject and SSLSocket are defined here at run time but belong to the
# package's API (their __module__ is "pyssl"); see __init__.pyi.
from . import (
    CHANNEL_BINDING_TYPES as CHANNEL_BINDING_TYPES,
    SSLObject as SSLObject,
    SSLSocket as SSLSocket,
)
