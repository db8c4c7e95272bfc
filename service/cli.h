/*
 * cli.h: the oaprobe subcommands. Each takes the arguments after its own
 * name (argv[0] is the subcommand name) and returns the process exit code.
 */
#ifndef OAPROBE_CLI_H
#define OAPROBE_CLI_H

int cmd_check(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_validports(int argc, char **argv);

#endif /* OAPROBE_CLI_H */
