"""The distribution this package comes in, and how to install its optional extras."""

NAME = "influence-autodiff"
"""Its name on the package index (the import packages are ``autodiff`` and ``nn``)."""


def install_hint(extra: str) -> str:
    """The command that installs an extra, for error messages."""
    return (
        f'pip install "{NAME}[{extra}]" (until it is published, from a checkout: '
        f'pip install -e ".[{extra}]")'
    )
