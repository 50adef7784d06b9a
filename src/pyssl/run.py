"""``python -m pyssl.run script.py [args]``: run a program with pyssl
switched in as its ssl module. See pyssl._run."""

import sys

from pyssl._run import main

if __name__ == "__main__":
    sys.exit(main())
