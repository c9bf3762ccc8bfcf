"""rpy2 layer: R from a Python notebook in the RStudio image (setup-guide §4.3).

The guide's ggplot2 cell is run twice: as a script whose PNG is copied out of the
container and validated, and inside a notebook executed headless with nbclient.
"""

import pytest

from wslgpu_certify import CheckFailed, check, prefetch, publish, read
from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.images import read_png
from wslgpu_certify.probes import containers

pytestmark = pytest.mark.usefixtures("_prefetch_slow_container_steps")  # slow steps start with the first (containers/fixtures.py)

PNG_NAME = "rpy2-ggplot-mtcars.png"  # saved in the run folder as evidence
MIN_SIDE = 100  # pixels; image_png's default is 512 x 512
MIN_COLOURS = 4  # background, grid, points, three cyl colours and their bands: far more in practice


@check("rpy2.module.finds_r")
@prefetch("rstudio_container", containers.RPY2_SITUATION, containers.RPY2_STARTS_R)
def test_rpy2_finds_r(rstudio_container):
    situation = read(rstudio_container, containers.RPY2_SITUATION)
    publish("rpy2", situation.rpy2_version or "unknown")
    if situation.error:
        raise CheckFailed(f"rpy2 cannot load R: {situation.error}")
    if not situation.r_home:
        raise CheckFailed("rpy2.situation found no R home")
    embedded = read(rstudio_container, containers.RPY2_STARTS_R)
    if embedded.home is None:
        raise CheckFailed(f"rpy2 found R at {situation.r_home} but could not start it: {embedded.error}")
    publish("R", f"{embedded.version or situation.r_version or 'unknown'} at {embedded.home}")


@check("rpy2.ggplot.png")
@prefetch("rstudio_container", containers.GGPLOT_PNG)
def test_ggplot_png(rstudio_container, run_directory):
    data = read(rstudio_container, containers.GGPLOT_PNG)
    try:
        png = read_png(data)
    except UnreadableOutput as exc:
        raise CheckFailed(f"the ggplot2 output is not a valid PNG: {exc.what}") from None
    if run_directory is not None:
        try:
            (run_directory / PNG_NAME).write_bytes(data)
            publish("png", PNG_NAME)
        except OSError:  # a full disk: the report goes without the picture; the run's one line says why
            pass
    publish("png_size", f"{png.width}x{png.height}, {png.distinct_colours} colours")
    if min(png.width, png.height) < MIN_SIDE:
        raise CheckFailed(f"the ggplot2 PNG is only {png.width}x{png.height} pixels")
    if png.is_blank or png.distinct_colours < MIN_COLOURS:
        raise CheckFailed(f"the ggplot2 PNG is blank ({png.distinct_colours} colour(s))")


@check("rpy2.notebook.png")
@prefetch("rstudio_container", containers.NOTEBOOK)
def test_notebook_renders_png(rstudio_container):
    run = read(rstudio_container, containers.NOTEBOOK)
    publish("outputs", ", ".join(run.mime_types) or "none")
    if run.error:
        raise CheckFailed(f"the guide's rpy2 cell failed in the notebook: {run.error}")
    if not run.has_png:
        raise CheckFailed("the notebook cell ran but its output holds no image/png")
