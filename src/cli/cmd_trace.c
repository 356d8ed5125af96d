/* parbench trace: a result set as a timeline in Chrome's Trace Event Format,
 * for Perfetto or chrome://tracing. The arguments are checked here, the
 * trace is written by plots/trace_events.py: the JSON is built from the same checked
 * reader (plots/resultset.py) as the pictures and the report, and Python's
 * json module quotes every name and note correctly. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "parbench/i18n.h"

static const char *const trace_help =
    N_("Usage: parbench trace RESULT_SET [--run ID | --config ID] [-o FILE]\n"
       "\n"
       "Write a result set as a timeline in Chrome's Trace Event Format (JSON), which\n"
       "Perfetto (https://ui.perfetto.dev, Open trace file; it keeps working offline\n"
       "once loaded) and chrome://tracing open. One process per configuration, named\n"
       "as its summary row; a runner track with each repetition and its phases spawn,\n"
       "work and join; a track per worker with one slice per task (args: CPUs at its\n"
       "start and end, CPU time, sleep, status, signal); a counter per CPU with the\n"
       "whole machine's busy fraction from samples.csv. Times in microseconds from\n"
       "the configuration's first repetition, repetitions laid one after the other.\n"
       "\n"
       "  --run ID      only this run (runs.csv run_id)\n"
       "  --config ID   only this configuration's repetitions (config_id)\n"
       "  -o, --output FILE  where to write (default: RESULT_SET/trace.json, or\n"
       "                trace-run-ID.json, trace-config-ID.json for a selection)\n");

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "parbench trace: ");
    vfprintf(stderr, fmt, ap);
    fputs(_("\nTry 'parbench trace --help'.\n"), stderr);
    va_end(ap);
    return PB_EXIT_USAGE;
}

/* The folder FILE would be written in must exist, and FILE must not be a folder. */
static int check_output(const char *path)
{
    struct stat st;
    if (!path[0])
        return usage("%s", _("-o: the file name is empty"));
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return usage(_("-o %s: that is a folder; name the file to write"), path);
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    if (stat(dir, &st) != 0)
        return usage(_("-o %s: folder %s does not exist"), path, dir);
    if (!S_ISDIR(st.st_mode))
        return usage(_("-o %s: %s is not a folder"), path, dir);
    return 0;
}

int pb__cmd_trace(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(_(trace_help), stdout);
        return PB_EXIT_OK;
    }
    const char *set = NULL, *out = NULL;
    char run[24] = "", config[24] = "";   /* the ids as whole numbers ("1e2" given: "100") */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool is_id = strcmp(a, "--run") == 0 || strcmp(a, "--config") == 0;
        bool is_out = strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0;
        if (is_id || is_out) {
            if (i + 1 >= argc)
                return usage(_("%s needs a value"), a);
            const char *v = argv[++i];
            if (is_id) {
                uint64_t id;
                pb_error err;
                if (pb__cli_parse_u64(a, v, 1, UINT32_MAX, &id, &err))
                    return usage("%s", err.msg);
                char *slot = strcmp(a, "--run") == 0 ? run : config;
                if (slot[0])
                    return usage(_("%s is given twice"), a);
                snprintf(slot, sizeof run, "%llu", (unsigned long long)id);
            } else {
                if (check_output(v))
                    return PB_EXIT_USAGE;
                out = v;
            }
        } else if (a[0] == '-' && a[1]) {
            return usage(_("unknown option '%s'"), a);
        } else if (!set) {
            set = a;
        } else {
            return usage(_("unexpected argument '%s'"), a);
        }
    }
    if (!set)
        return usage("%s", _("expected RESULT_SET [--run ID | --config ID] [-o FILE]"));
    if (run[0] && config[0])
        return usage("%s", _("--run and --config cannot be combined (a run belongs to one configuration)"));
    char *args[8];
    int n = 0;
    args[n++] = (char *)set;
    if (run[0]) {
        args[n++] = "--run";
        args[n++] = run;
    }
    if (config[0]) {
        args[n++] = "--config";
        args[n++] = config;
    }
    if (out) {
        args[n++] = "-o";
        args[n++] = (char *)out;
    }
    return pb__cli_run_script("trace_events.py", args, n);
}
