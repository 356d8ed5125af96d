/* parbench: measure what threads and processes cost and gain. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pb_build_config.h"

static const char main_help[] =
"Usage: parbench COMMAND [OPTIONS]\n"
"\n"
"Runs identical workloads serially, with threads and with processes, times\n"
"each run in phases (spawn, work, join), verifies every result, and writes\n"
"CSV that shows what threads and processes really cost and gain.\n"
"\n"
"Commands:\n"
"  run      run workloads under backends and worker counts (default suite\n"
"           when given no option); writes results/<time>-<host>/\n"
"  list     workloads with their parameters, backends, suites\n"
"  schema   the columns of every file of a result set\n"
"  topology packages, cores and PUs (hwloc), and where --pin puts workers\n"
"  plot     draw a result set (newest by default): PNG and SVG next to it\n"
"  report   a result set's summary as Markdown; --compare two result sets\n"
"  check    is a result set whole? (after an interrupt, a full disk, a copy)\n"
"  trace    a result set as a timeline for Perfetto (Trace Event JSON)\n"
"  demo     lessons of the course notes as narrated, measured runs (--lang ko)\n"
"\n"
"Options:\n"
"  -h, --help     this help; `parbench COMMAND --help` for a command's\n"
"  -V, --version  version and git revision\n"
"\n"
"Start with:\n"
"  parbench list\n"
"  parbench run --suite quick\n"
"  parbench run -w square-cube -n 2     # note 003: 1.6 s serial, 0.8 s with 2 workers\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? PB_EXIT_USAGE : PB_EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("parbench %s (%s)\n", PB_VERSION, PB_GIT_REVISION);
        return PB_EXIT_OK;
    }
    if (strcmp(argv[1], "run") == 0)
        return pb_cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return pb_cmd_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "schema") == 0)
        return pb_cmd_schema(argc - 1, argv + 1);
    if (strcmp(argv[1], "topology") == 0)
        return pb_cmd_topology(argc - 1, argv + 1);
    if (strcmp(argv[1], "demo") == 0)
        return pb_cmd_demo(argc - 1, argv + 1);
    if (strcmp(argv[1], "plot") == 0)
        return pb_cmd_plot(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return pb_cmd_report(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return pb_cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "trace") == 0)
        return pb_cmd_trace(argc - 1, argv + 1);
    fprintf(stderr, "parbench: unknown command '%s' (commands: run, list, schema, topology, plot, report, check, trace, demo)\n"
                    "Try 'parbench --help'.\n",
            argv[1]);
    return PB_EXIT_USAGE;
}
