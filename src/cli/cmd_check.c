/* parbench check: is a result set whole and readable? After an interrupt,
 * a full disk or a copy between machines, before trusting its numbers. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parbench/i18n.h"
#include "parbench/resultset_check.h"

static const char *const check_help =
    N_("Usage: parbench check RESULT_SET\n"
       "\n"
       "Reads every file of a result set as a reader would and says whether it is\n"
       "whole: each file is CSV with its schema's columns (parbench schema), each\n"
       "value has its type and range, run ids follow each other, and every run in\n"
       "runs.csv has all its tasks in tasks.csv. Tasks or samples of a run that\n"
       "runs.csv lacks (a run cut short) are reported as a warning.\n"
       "\n"
       "Exit status: 0 whole, 1 damaged (the first problem is named with its file\n"
       "and line), 2 not a result set or bad arguments.\n");

int pb__cmd_check(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(_(check_help), stdout);
        return PB_EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '-') {
        if (argc > 2)
            fprintf(stderr, _("parbench check: expected one RESULT_SET (unexpected '%s')\n"
                              "Try 'parbench check --help'.\n"), argv[2]);
        else
            fputs(_("parbench check: expected one RESULT_SET\nTry 'parbench check --help'.\n"), stderr);
        return PB_EXIT_USAGE;
    }
    pb_set_summary sum;
    pb_error err;
    int rc = pb_resultset_check(argv[1], &sum, &err);
    if (rc) {
        bool not_a_set = strstr(err.msg, "not a folder") || strstr(err.msg, "runs.csv: missing");
        fprintf(stderr, "parbench check: %s\n", err.msg);
        return not_a_set ? PB_EXIT_USAGE : PB_EXIT_FAILED;
    }
    printf("%s: whole: %zu runs (%zu not ok), %zu tasks, %zu samples", argv[1], sum.rows[PB_FILE_RUNS],
           sum.runs_failed, sum.rows[PB_FILE_TASKS], sum.rows[PB_FILE_SAMPLES]);
    if (sum.rows[PB_FILE_MEASURES])
        printf(", %zu demo measures", sum.rows[PB_FILE_MEASURES]);
    printf("\n");
    if (sum.warnings)
        printf("warning: %s%s\n", sum.warning, sum.warnings > 1 ? " (and more like it)" : "");
    return PB_EXIT_OK;
}
