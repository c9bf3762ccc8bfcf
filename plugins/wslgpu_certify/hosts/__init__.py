"""How a command reaches a host: the runner every command goes through, and the ways to reach each role.

    records.py           CommandRecord: what one command did (the unit of evidence, recording, replay)
    runner.py            CommandRunner: timeout, memoization, prefetch, progress callbacks
    executors.py         how a command string becomes a process (local shell, interop, wsl.exe) or a replayed record
    testinfra_backend.py every host fixture is a real testinfra Host over a CommandRunner
    snapshot.py          the snapshot format: load (extends, null deletes), save (redacted); snapshot_file.py reads one as untrusted input
    machine.py           the machine being certified, and ROLES: how each host role is reached, live and on replay

Nothing here imports containers/: the container side hands its executors in (machine.runner(role, live)).
"""
