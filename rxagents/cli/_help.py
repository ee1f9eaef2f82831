"""How ``rxagents --help`` looks: flags shown without a ``<bool>`` type."""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

__all__ = ["FlagsWithoutTypes"]


def _no_type(ctx: Any) -> None:
    return None


def _hide_flag_types(command: Any) -> None:
    """No ``<bool>`` beside flags in help: a flag takes no value, so it has no type to show."""
    for param in command.params:
        if getattr(param, "is_flag", False):
            setattr(param, "display_type_rich", _no_type)  # noqa: B010 (overrides a method)
    make_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help_option(ctx)
        if option is not None:
            setattr(option, "display_type_rich", _no_type)  # noqa: B010
        return option

    setattr(command, "get_help_option", get_help_option)  # noqa: B010


class FlagsWithoutTypes(TyperGroup):
    """The root command, with the help of every subcommand showing flags without types."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in (self, *self.commands.values()):
            _hide_flag_types(command)
