"""The guide's long-running containers: the Docker SDK side and the container fixtures.

    plans.py      what to start: the guide's `docker run` options per role, one plan per image
    engine.py     labels, the run's identity, the Docker client, removing a run's containers
    manager.py    ContainerManager: starts each image once per run (across xdist workers)
    executors.py  the "docker" and "container:<role>" host roles' executors (start records, logs, exec)
    fixtures.py   the pytest side: docker_host, tensorflow_container, rstudio_container, cleanup, prefetch

The only package that imports `docker`, and only inside functions that start or remove
containers, so a replay never loads the SDK.
"""
