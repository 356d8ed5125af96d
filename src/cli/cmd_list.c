/* parbench list: workloads with their parameters, backends, suites.
 * parbench schema: the columns of every result file (Markdown, or --csv). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parbench/demo.h"
#include "parbench/i18n.h"
#include "parbench/registry.h"
#include "parbench/schema.h"

static void print_param(const pb_param_spec *s)
{
    char range[128];
    if (s->type == PB_PARAM_ENUM) {
        size_t len = 0;
        range[0] = '\0';
        for (size_t c = 0; s->choices[c]; c++)
            len += (size_t)snprintf(range + len, sizeof range - len, "%s%s", c ? "|" : "", s->choices[c]);
    } else {
        snprintf(range, sizeof range, "%llu..%llu%s%s%s", (unsigned long long)s->min,
                 (unsigned long long)s->max, s->unit ? " " : "", s->unit ? s->unit : "",
                 s->allow_auto ? " or auto" : "");
    }
    printf("    %-9s default %-7s %-30s %s\n", s->name, s->defval, range, s->help);
}

int pb__cmd_list(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(_("Usage: parbench list [--names workloads|backends|suites|demos]\n\n"
                "Show the workloads (with their parameters, defaults and ranges),\n"
                "the backends and the suites that `parbench run` accepts.\n"
                "--names KIND prints only the names, one per line (for scripts and shell completion).\n"),
              stdout);
        return PB_EXIT_OK;
    }
    if (argc > 1 && strcmp(argv[1], "--names") == 0) {
        const char *kind = argc > 2 ? argv[2] : "";
        if (argc > 3) {
            fprintf(stderr, _("parbench list: unexpected argument '%s'\n"), argv[3]);
            return PB_EXIT_USAGE;
        }
        if (strcmp(kind, "workloads") == 0)
            for (size_t i = 0; pb_workloads[i]; i++)
                puts(pb_workloads[i]->name);
        else if (strcmp(kind, "backends") == 0) {
            for (size_t i = 0; pb_backends[i]; i++)
                if (!*pb_backend_unavailable(pb_backends[i]))   /* the ones this build can run */
                    puts(pb_backends[i]->name);
        } else if (strcmp(kind, "suites") == 0)
            for (const pb_suite *su = pb_suites; su->name; su++)
                puts(su->name);
        else if (strcmp(kind, "demos") == 0)
            for (size_t i = 0; pb_demos[i]; i++)
                puts(pb_demos[i]->name);
        else {
            fprintf(stderr, _("parbench list: --names: '%s' is not a kind (workloads, backends, suites, demos)\n"),
                    kind);
            return PB_EXIT_USAGE;
        }
        return PB_EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, _("parbench list: unexpected argument '%s'\nTry 'parbench list --help'.\n"), argv[1]);
        return PB_EXIT_USAGE;
    }
    printf("Workloads (--workload NAME[:k=v,...]):\n");
    for (size_t i = 0; pb_workloads[i]; i++) {
        const pb_workload *w = pb_workloads[i];
        printf("\n  %s  %s\n    from %s\n", w->name, w->summary, w->origin);
        for (const pb_param_spec *s = w->params; s->name; s++)
            print_param(s);
    }
    printf("\nBackends (--backend a,b or all):\n");
    for (size_t i = 0; pb_backends[i]; i++) {
        const char *why = pb_backend_unavailable(pb_backends[i]);
        printf("  %-14s %s%s\n", pb_backends[i]->name, pb_backends[i]->summary,
               pb_backends[i]->opt_in ? " (not in all: name it)" : "");
        if (*why)
            printf("  %-14s unavailable: %s\n", "", why);
    }
    printf("\nSuites (--suite NAME):\n");
    for (const pb_suite *s = pb_suites; s->name; s++) {
        printf("  %-14s %s; %u reps after %u warm-up\n", s->name, s->summary, s->reps, s->warmup);
        for (const pb_suite_entry *e = s->entries; e->workload; e++)
            printf("  %-14s   %-44s --backend %s --workers %s\n", "", e->workload, e->backends, e->workers);
    }
    return PB_EXIT_OK;
}

int pb__cmd_schema(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(_("Usage: parbench schema [--csv]\n\n"
                "Print the columns of every file of a result set, with their meaning (Markdown).\n"
                "--csv  the same for programs: one row per column, with the header\n"
                "       file,column,type,required,meaning (required: 1 when every set has the\n"
                "       column, 0 when older sets may lack it). The types:\n"),
              stdout);
        for (int t = 0; t < PB_COL_TYPES; t++)   /* the values marked N_ in src/output/schema.c */
            printf("         %-21s %s\n", pb_column_type_name((pb_column_type)t),
                   _(pb_column_type_values((pb_column_type)t)));
        return PB_EXIT_OK;
    }
    bool csv = argc > 1 && strcmp(argv[1], "--csv") == 0;
    if (argc > (csv ? 2 : 1)) {
        const char *arg = argv[csv ? 2 : 1];
        fprintf(stderr, arg[0] == '-' ? _("parbench schema: unknown option '%s'\nTry 'parbench schema --help'.\n")
                                      : _("parbench schema: unexpected argument '%s'\nTry 'parbench schema --help'.\n"),
                arg);
        return PB_EXIT_USAGE;
    }
    if (!csv) {
        pb_schema_print_markdown(stdout);
        return PB_EXIT_OK;
    }
    if (pb_schema_print_csv(stdout) != 0) {
        fprintf(stderr, _("parbench schema: cannot write the schema: %s\n"), strerror(errno));
        return PB_EXIT_FAILED;
    }
    return PB_EXIT_OK;
}
