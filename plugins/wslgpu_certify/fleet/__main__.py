"""`python -m wslgpu_certify.fleet collect ...` is `wslgpu-fleet collect ...`."""

import sys

from .cli import main

sys.exit(main())
