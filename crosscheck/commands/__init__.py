"""One module per ``crosscheck`` subcommand: its arguments, printing and exit codes."""
