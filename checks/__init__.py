"""The suite's checks: one test_<layer>.py module and its <layer>.toml catalog per layer (shipped in the wheel as wslgpu_certify.checks)."""
