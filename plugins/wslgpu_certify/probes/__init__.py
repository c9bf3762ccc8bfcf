"""What is asked of a host: a probe is an exact command string and the parser of its output.

    probe.py       Probe, read (run, keep the evidence, parse), run, prefetch
    programs.py    a program that could not be started: which one, and how to get it
    windows.py     read on the Windows host (role "windows")
    distro.py      read in the distro (role "wsl")
    containers.py  read from the guide's containers (roles "docker" and "container:<role>")
    identity.py    the distro, user and profile a run leaves open, read once as it starts (profile_facts.py: the profile)

Command strings are snapshot keys: once released, they stay byte for byte.
"""
