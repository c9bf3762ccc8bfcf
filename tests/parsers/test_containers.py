"""The small parsers of container_facts: what our scripts print inside the containers."""

import pytest

from wslgpu_certify.parsers.containers import parse_base64_png, parse_embedded_r, parse_notebook_run
from wslgpu_certify.parsers.errors import UnreadableOutput


def test_embedded_r_started():
    r = parse_embedded_r("r home: /usr/lib/R\nr version: R version 4.0.3 (2020-10-10)\n")
    assert (r.home, r.version, r.error) == ("/usr/lib/R", "R version 4.0.3 (2020-10-10)", None)


def test_embedded_r_stale_r_home_names_the_fatal_error():
    r = parse_embedded_r("\ncannot find system Renviron\nFatal error: unable to open the base package\n")
    assert r.home is None and r.error == "Fatal error: unable to open the base package"


def test_embedded_r_silent_output_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_embedded_r("\n")


def test_notebook_summary_with_an_image():
    run = parse_notebook_run('nbclient: {"error": null, "outputs": [{"type": "display_data", "mime": ["image/png", "text/plain"]}]}\n')
    assert run.has_png and run.error is None


def test_base64_png_must_be_there_and_valid():
    assert parse_base64_png("png-base64: iVBORw0KGgo=\n") == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(UnreadableOutput):
        parse_base64_png("Error in loadNamespace(x) : there is no package called 'ggplot2'")
    with pytest.raises(UnreadableOutput):
        parse_base64_png("png-base64: iVBORw0KGgo\n")


def test_embedded_r_cut_before_its_version_line_is_unreadable():
    import pytest
    from wslgpu_certify.parsers.errors import UnreadableOutput
    for cut in ("r home: /usr/lib/R\n", "r home: /usr/lib/R\nr version: R v", "r home: /usr/lib/R\nr version: R version 4.0.3 (2020"):
        with pytest.raises(UnreadableOutput):
            parse_embedded_r(cut)
    assert parse_embedded_r("r home: /opt/R\nr version: R Under development (unstable) (2021-01-05 r79797)\n").home == "/opt/R"
