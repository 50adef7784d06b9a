"""Print the `test` extra of pyproject.toml, one requirement per line,
without spaces.

The CI venvs install these so every interpreter runs the same tests the
README's test command runs; the list lives only in pyproject.toml. (A
regular expression, not tomllib, so it runs on 3.8.)
"""

import os
import re

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(here, "pyproject.toml")) as f:
    text = f.read()
match = re.search(r"^test\s*=\s*\[([^\]]*)\]", text, re.M)
for item in re.findall(r'"([^"]+)"', match.group(1) if match else ""):
    # Callers pass the output through the shell's word splitting: a marker
    # ("uvloop; sys_platform != 'win32'") must stay one word, and pip
    # reads it the same without spaces.
    print(item.replace(" ", ""))
