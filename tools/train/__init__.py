"""Training, export and reference code of the embedded models (docs/model-package.md).

A package: run its commands as `python3 -m train.<command>` with tools/ on PYTHONPATH, or through
the entry points tools/pyproject.toml declares (tools/train/README.md).
"""
