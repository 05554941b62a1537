"""`python -m pipegen_compiler` is `pipegen`."""

import sys

from .cli import main

sys.exit(main())
