"""Allow `python -m handout`, identical to the `handout` command."""

from handout.cli import cli

if __name__ == "__main__":
    cli(prog_name="handout")
