"""Tournament formats, their analysis and the bundled TOML specs."""
