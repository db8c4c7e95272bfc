/*
 * main.c: the oaprobe binary. Dispatches to a subcommand; each subcommand
 * lives in its own cmd_<name>.c and parses its own options.
 */
#include <stdio.h>
#include <string.h>

#include "service/cli.h"
#include "service/version.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"check", cmd_check, "check an Outlook Anywhere endpoint end to end"},
    {"config", cmd_config,
     "validate a service configuration file ('config check FILE'), list its keys ('config keys')"},
    {"serve", cmd_serve, "run the monitoring service ('serve --config FILE')"},
    {"validports", cmd_validports,
     "parse, check and correct an RpcProxy ValidPorts value"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: oaprobe [--version] [--help] COMMAND [ARGS]\n"
            "\n"
            "Checks Outlook Anywhere (RPC over HTTP) endpoints of legacy Exchange.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'oaprobe COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 3;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("oaprobe %s\n", OAPROBE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "oaprobe: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 3;
}
