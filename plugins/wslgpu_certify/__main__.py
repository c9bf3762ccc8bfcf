"""`python -m wslgpu_certify`: the same as the `wslgpu-certify` console script."""

import sys

from .cli import main

sys.exit(main())
