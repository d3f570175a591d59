"""The isindex command line: cli.main builds the parser from each command group's
module (add_parsers) and runs the chosen command."""
