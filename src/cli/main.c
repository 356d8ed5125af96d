/* parbench: measure what threads and processes cost and gain. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parbench/demo.h"
#include "parbench/i18n.h"
#include "pb_build_config.h"

/* Every subcommand, once: its name, its entry and its line of help. */
typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;       /* English; shown through gettext */
} command;

static const command commands[] = {
    { "run", pb__cmd_run, N_("run workloads under backends and worker counts (the default suite when given\n"
                            "no option); writes results/<time>-<host>/") },
    { "list", pb__cmd_list, N_("workloads with their parameters, backends, suites") },
    { "schema", pb__cmd_schema, N_("the columns of every file of a result set") },
    { "topology", pb__cmd_topology, N_("packages, cores and PUs (hwloc), and where --pin puts workers") },
    { "plot", pb__cmd_plot, N_("draw a result set (the newest by default): pictures next to it") },
    { "report", pb__cmd_report, N_("a result set's summary as Markdown; --compare two result sets") },
    { "check", pb__cmd_check, N_("is a result set whole? (after an interrupt, a full disk, a copy)") },
    { "trace", pb__cmd_trace, N_("a result set as a timeline for Perfetto (Trace Event JSON)") },
    { "demo", pb__cmd_demo, N_("lessons of the course notes as narrated, measured runs (--lang ko)") },
    { "__demo-child", pb_demo_child_main, NULL },   /* hidden: the fresh parbench of a demo (pickling, daemon) */
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static void print_help(FILE *out)
{
    fputs(_("Usage: parbench COMMAND [OPTIONS]\n"
            "\n"
            "Runs identical workloads serially, with threads and with processes, times\n"
            "each run in phases (spawn, work, join), verifies every result, and writes\n"
            "CSV that shows what threads and processes really cost and gain.\n"
            "\n"
            "Commands:\n"), out);
    for (int i = 0; i < NCOMMANDS; i++) {
        if (!commands[i].summary)
            continue;   /* hidden */
        /* a summary's later lines are indented under its first */
        fprintf(out, "  %-9s", commands[i].name);
        for (const char *p = _(commands[i].summary); *p; p++) {
            fputc(*p, out);
            if (*p == '\n')
                fputs("           ", out);
        }
        fputc('\n', out);
    }
    fputs(_("\n"
            "Options:\n"
            "  -h, --help     this help; `parbench COMMAND --help` for a command's\n"
            "  -V, --version  version and git revision\n"
            "\n"
            "Start with:\n"
            "  parbench demo                        # the course's lessons, measured (--lang ko)\n"
            "  parbench list\n"
            "  parbench run --suite quick\n"
            "  parbench run -w square-cube -n 2     # note 003: 1.6 s serial, 0.8 s with 2 workers\n"), out);
}

int main(int argc, char **argv)
{
    pb_i18n_init(NULL);
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? PB_EXIT_USAGE : PB_EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("parbench %s (%s)\n", PB_VERSION, PB_GIT_REVISION);
        return PB_EXIT_OK;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    char names[256];
    size_t len = 0;
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].summary)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", commands[i].name);
    fprintf(stderr, _("parbench: unknown command '%s' (commands: %s)\nTry 'parbench --help'.\n"), argv[1], names);
    return PB_EXIT_USAGE;
}
