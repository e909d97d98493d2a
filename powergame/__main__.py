"""``python -m powergame``: the same as the ``powergame`` command."""

from powergame.cli import main

if __name__ == "__main__":
    main()
