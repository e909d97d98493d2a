"""The built-in strategy library, registered through the powergame.strategies entry point."""
