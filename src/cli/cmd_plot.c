/* parbench plot and parbench report: the pictures and the Markdown report
 * of a result set are made by the scripts in plots/ (matplotlib, standard
 * library CSV); these commands find the result set and run them. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "parbench/i18n.h"
#include "pb_build_config.h"

/* The newest result set under results/, into out; false if there is none.
 * Folder names start with the UTC time, so the greatest such name
 * (reference/ and others are not runs). */
static bool newest_result_set(char *out, size_t size)
{
    DIR *d = opendir("results");
    struct dirent *e;
    char best[256] = "";
    while (d && (e = readdir(d))) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "results/%s", e->d_name);
        if (!isdigit((unsigned char)e->d_name[0]) || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        snprintf(path, sizeof path, "results/%s/runs.csv", e->d_name);
        if (access(path, R_OK) == 0 && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    if (!best[0])
        return false;
    snprintf(out, size, "results/%s", best);
    return true;
}

/* Where the plotting scripts are: beside an installed parbench
 * (<prefix>/bin/parbench finds <prefix>/share/parbench/plots, wherever the
 * prefix was moved), else in the source tree it was built from. */
static void script_path(const char *exe_path, const char *script, char *path, size_t size)
{
    if (*exe_path) {
        char exe[4096];
        snprintf(exe, sizeof exe, "%s", exe_path);
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(path, size, "%s/../share/parbench/plots/%s", exe, script);
            if (access(path, R_OK) == 0)
                return;
        }
    }
    snprintf(path, size, "%s/%s", PB_PLOTS_DIR, script);
}

int pb__cli_run_script(const char *script, char **args, int nargs)
{
    char exe[4096] = "", path[8192];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);   /* this parbench */
    exe[len > 0 ? len : 0] = '\0';
    script_path(exe, script, path, sizeof path);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, _("parbench: cannot find %s (the plotting scripts: <prefix>/share/parbench/plots beside an "
                          "installed parbench, or the source tree's plots/)\n"), path);
        return PB_EXIT_FAILED;
    }
    char *argv[16] = { (char *)PB_PYTHON, path };
    int n = 2;
    for (int i = 0; i < nargs && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    /* the scripts read the columns and their types from this parbench's `schema --csv` (plots/resultset.py) */
    if (*exe && setenv("PARBENCH_EXE", exe, 1) != 0) {
        fprintf(stderr, _("parbench: cannot set PARBENCH_EXE for %s: %s\n"), script, strerror(errno));
        return PB_EXIT_FAILED;
    }
    fflush(NULL);
    execv(PB_PYTHON, argv);
    fprintf(stderr, _("parbench: cannot run %s: %s\n"), PB_PYTHON, strerror(errno));
    return PB_EXIT_FAILED;
}

int pb__cmd_plot(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(_("Usage: parbench plot [RESULT_SET] [--svg]\n\n"
                "Draw a result set's pictures next to it (PNG; SVG too with --svg): wall time,\n"
                "speedup and efficiency against workers, per-CPU pictures, task timelines, the\n"
                "bench programs' costs, and what demos measured. Default: the newest set under\n"
                "results/.\n"),
              stdout);
        return PB_EXIT_OK;
    }
    const char *set = NULL;
    bool svg = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--svg") == 0) {
            svg = true;
        } else if (argv[i][0] == '-' || set) {
            fprintf(stderr, _("parbench plot: unexpected argument '%s'\nTry 'parbench plot --help'.\n"), argv[i]);
            return PB_EXIT_USAGE;
        } else {
            set = argv[i];
        }
    }
    char dir[512];
    if (set)
        snprintf(dir, sizeof dir, "%s", set);
    else if (!newest_result_set(dir, sizeof dir)) {
        fputs(_("parbench plot: no result set under results/ (run `parbench run` first, or name one)\n"), stderr);
        return PB_EXIT_USAGE;
    }
    char *args[] = { dir, "--svg" };
    return pb__cli_run_script("plot.py", args, svg ? 2 : 1);
}

int pb__cmd_report(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf(_("Usage: parbench report RESULT_SET [--compare OTHER_SET]\n\n"
                 "Print a result set's summary as Markdown and write into it report.md, report.html\n"
                 "(one self-contained page: the machine, the summary, every picture) and trace.json\n"
                 "(the timeline, for Perfetto): each median with its 95%% interval, outlying\n"
                 "repetitions flagged (hyperfine's rule) and warned about, and what demos measured.\n"
                 "A set of a demo's own measures alone is reported too.\n"
                 "With --compare: each configuration of OTHER_SET against its twin in RESULT_SET\n"
                 "(or the one that differs only in ipc, pin, gil or wait, named in the row): the\n"
                 "ratio of medians, each side's interval, a Mann-Whitney U test and its p after\n"
                 "Holm's correction over the rows. A difference is called only when the intervals\n"
                 "do not overlap, the medians differ by 3%% or more AND the corrected p < 0.05;\n"
                 "fault-injected runs are not compared (compare.md, compare.png, compare.html in\n"
                 "OTHER_SET).\n"));
        return PB_EXIT_OK;
    }
    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--compare") == 0)) {
        fputs(_("parbench report: expected RESULT_SET [--compare OTHER_SET]\nTry 'parbench report --help'.\n"), stderr);
        return PB_EXIT_USAGE;
    }
    struct stat other;
    if (argc == 4 && (stat(argv[3], &other) != 0 || !S_ISDIR(other.st_mode))) {
        fprintf(stderr, _("parbench report: --compare %s: not a folder (a result set to compare with)\n"), argv[3]);
        return PB_EXIT_USAGE;
    }
    return pb__cli_run_script("report.py", argv + 1, argc - 1);
}
