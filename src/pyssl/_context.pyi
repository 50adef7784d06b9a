# SSLContext is defined here at run time but belongs to the package's API
# (its __module__ is "pyssl"); it is described in __init__.pyi.
from . import SSLContext as SSLContext
