/* Parsing of `parbench run` arguments. Every message names the option, in
 * the user's language; a sentence of the core inside one (a workload's
 * parameter, a backend) stays English, as it is in the result files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parbench/i18n.h"
#include "parbench/registry.h"

int pb__cli_parse_count(const char *opt, const char *text, unsigned min, unsigned max,
                       unsigned *out, pb_error *err)
{
    uint64_t v;
    int rc = pb_parse_u64(text, &v);
    if (rc == PB_E_ARG)
        return pb_fail(err, PB_E_ARG, _("%s: '%s' is not a number (allowed: %u to %u)"), opt, text, min, max);
    if (rc && pb_is_fraction(text))
        return pb_fail(err, PB_E_RANGE, _("%s: %s is not a whole number (allowed: %u to %u)"), opt, text, min, max);
    if (rc || v < min || v > max)
        return pb_fail(err, PB_E_RANGE, _("%s: %s is out of range (allowed: %u to %u)"), opt, text, min, max);
    *out = (unsigned)v;
    return 0;
}

/* A list with an empty item ("a,,b", "a,", ",a"), which strtok_r would
 * pass over in silence: refused, naming the option. */
static int refuse_empty_items(const char *opt, const char *text, pb_error *err)
{
    size_t n = strlen(text);
    if (n && (text[0] == ',' || text[n - 1] == ',' || strstr(text, ",,")))
        return pb_fail(err, PB_E_ARG, _("%s: '%s' has an empty item (items are separated by single commas)"), opt,
                       text);
    return 0;
}

static void names_of_backends(char *buf, size_t size)
{
    size_t len = 0;
    for (size_t i = 0; pb_backends[i] && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", pb_backends[i]->name);
}

int pb__cli_parse_workload(const char *text, pb_workload_spec *out, pb_error *err)
{
    pb_error inner;
    int rc = pb_workload_spec_parse(text, out, &inner);
    if (rc && !out->workload && !strchr(text, ':') && strchr(text, ',') && strchr(text, '='))
        return pb_fail(err, rc, _("--workload: %s; parameters follow the name after a colon, as in counter:n=1e6,tasks=4"),
                       inner.msg);
    if (rc)   /* a wrong name reads "--workload: unknown ...", a wrong parameter "--workload counter: ..." */
        return pb_fail(err, rc, out->workload ? "--workload %s" : "--workload: %s", inner.msg);
    return 0;
}

/* Append b unless the set has it already. */
static void add_backend(pb_backend_set *set, const pb_backend *b)
{
    for (unsigned k = 0; k < set->count; k++)
        if (set->backend[k] == b)
            return;
    if (set->count < PB_MAX_BACKENDS)
        set->backend[set->count++] = b;
}

int pb__cli_parse_backends(const char *text, pb_backend_set *out, pb_error *err)
{
    char buf[512], names[256];
    out->count = 0;
    names_of_backends(names, sizeof names);
    if (strlen(text) >= sizeof buf)
        return pb_fail(err, PB_E_ARG, _("%s: the list is too long"), "--backend");
    strcpy(buf, text);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        if (strcmp(item, "all") == 0) {   /* every backend that runs here, but those named on their own */
            for (size_t i = 0; pb_backends[i]; i++)
                if (!pb_backends[i]->opt_in && !*pb_backend_unavailable(pb_backends[i]))
                    add_backend(out, pb_backends[i]);
            continue;
        }
        const pb_backend *b = pb_find_backend(item);
        if (!b)
            return pb_fail(err, PB_E_ARG, _("--backend: unknown backend '%s' (backends: %s, or all)"), item, names);
        const char *why = pb_backend_unavailable(b);
        if (*why)
            return pb_fail(err, PB_E_UNSUPP, _("--backend %s: not available here: %s"), item, why);
        add_backend(out, b);
    }
    if (out->count == 0)
        return pb_fail(err, PB_E_ARG, _("--backend: no backend named (backends: %s, or all)"), names);
    return refuse_empty_items("--backend", text, err);
}

int pb__cli_parse_workers(const char *text, pb_workers_spec *out, pb_error *err)
{
    char buf[512];
    out->count = 0;
    if (strlen(text) >= sizeof buf)
        return pb_fail(err, PB_E_ARG, _("%s: the list is too long"), "--workers");
    strcpy(buf, text);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        if (out->count == PB_WORKERS_MAX_ITEMS)
            return pb_fail(err, PB_E_RANGE, _("--workers: more than %d items"), PB_WORKERS_MAX_ITEMS);
        memset(&out->item[out->count], 0, sizeof out->item[0]);
        if (strcmp(item, "cores") == 0) {
            out->item[out->count++].cores = true;
            continue;
        }
        if (strcmp(item, "tasks") == 0) {
            out->item[out->count++].tasks = true;
            continue;
        }
        unsigned lo, hi;
        char *dash = strchr(item + 1, '-');   /* item+1: a leading '-' is a sign, refused below */
        int rc;
        if (dash) {
            *dash = '\0';
            if ((rc = pb__cli_parse_count("--workers", item, 1, PB_MAX_WORKERS, &lo, err)) ||
                (rc = pb__cli_parse_count("--workers", dash + 1, 1, PB_MAX_WORKERS, &hi, err)))
                return rc;
            if (hi < lo)
                return pb_fail(err, PB_E_RANGE, _("--workers: range %u-%u runs backwards"), lo, hi);
        } else {
            if ((rc = pb__cli_parse_count("--workers", item, 1, PB_MAX_WORKERS, &lo, err)))
                return rc;
            hi = lo;
        }
        out->item[out->count].lo = lo;
        out->item[out->count].hi = hi;
        out->count++;
    }
    if (out->count == 0)
        return pb_fail(err, PB_E_ARG, "%s",
                       _("--workers: no worker count given (examples: 4; 1,2,4; 1-8; cores; tasks)"));
    return refuse_empty_items("--workers", text, err);
}

int pb__cli_parse_ipc(const char *text, pb_ipc_set *out, pb_error *err)
{
    char buf[256];
    *out = 0;
    if (strlen(text) >= sizeof buf)
        return pb_fail(err, PB_E_ARG, _("%s: the list is too long"), "--ipc");
    strcpy(buf, text);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        if (strcmp(item, "arena") == 0)
            *out |= 1u << PB_IPC_ARENA;
        else if (strcmp(item, "pipe") == 0)
            *out |= 1u << PB_IPC_PIPE;
        else if (strcmp(item, "tcp") == 0)
            *out |= 1u << PB_IPC_TCP;
        else
            return pb_fail(err, PB_E_ARG, _("--ipc: unknown transport '%s' (transports: arena, pipe, tcp)"), item);
    }
    if (!*out)
        return pb_fail(err, PB_E_ARG, "%s", _("--ipc: no transport named (transports: arena, pipe, tcp)"));
    return refuse_empty_items("--ipc", text, err);
}

int pb__cli_parse_seconds(const char *opt, const char *text, double max, int64_t *out_ns, pb_error *err)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || v != v)
        return pb_fail(err, PB_E_ARG, _("%s: '%s' is not a number of seconds (examples: 2, 0.5)"), opt, text);
    if (!(v > 0) || v > max)
        return pb_fail(err, PB_E_RANGE, _("%s: %s is out of range (allowed: more than 0, up to %g seconds)"), opt, text,
                       max);
    *out_ns = (int64_t)(v * 1e9);
    if (*out_ns < 1)
        *out_ns = 1;
    return 0;
}

int pb__cli_parse_chunk(const char *text, uint64_t *out, pb_error *err)
{
    if (strcmp(text, "auto") == 0) {
        *out = 0;
        return 0;
    }
    uint64_t v;
    int rc = pb_parse_u64(text, &v);
    if (rc == PB_E_ARG)
        return pb_fail(err, PB_E_ARG, _("--chunk: '%s' is not a number (allowed: 1 to 2^40, or auto)"), text);
    if (rc && pb_is_fraction(text))
        return pb_fail(err, PB_E_RANGE, _("--chunk: %s is not a whole number (allowed: 1 to 2^40, or auto)"), text);
    if (rc || v < 1 || v > ((uint64_t)1 << 40))
        return pb_fail(err, PB_E_RANGE, _("--chunk: %s is out of range (allowed: 1 to 2^40, or auto)"), text);
    *out = v;
    return 0;
}

int pb__cli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out, pb_error *err)
{
    uint64_t v;
    int rc = pb_parse_u64(text, &v);
    if (rc == PB_E_ARG)
        return pb_fail(err, PB_E_ARG, _("%s: '%s' is not a whole number (allowed: %llu to %llu)"), opt, text,
                       (unsigned long long)min, (unsigned long long)max);
    if (rc && pb_is_fraction(text))
        return pb_fail(err, PB_E_RANGE, _("%s: %s is not a whole number (allowed: %llu to %llu)"), opt, text,
                       (unsigned long long)min, (unsigned long long)max);
    if (rc || v < min || v > max)
        return pb_fail(err, PB_E_RANGE, _("%s: %s is out of range (allowed: %llu to %llu)"), opt, text,
                       (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
}

int pb__cli_parse_order(const char *text, pb_order *out, pb_error *err)
{
    if (strcmp(text, "interleaved") == 0)
        *out = PB_ORDER_INTERLEAVED;
    else if (strcmp(text, "grouped") == 0)
        *out = PB_ORDER_GROUPED;
    else
        return pb_fail(err, PB_E_ARG, _("--order: unknown order '%s' (orders: interleaved, grouped)"), text);
    return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

unsigned pb__cli_resolve_workers(const pb_workers_spec *w, unsigned pus, size_t ntasks,
                                unsigned *out, unsigned max_out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < w->count; i++) {
        unsigned lo = w->item[i].lo, hi = w->item[i].hi;
        if (w->item[i].cores)
            lo = hi = pus;
        if (w->item[i].tasks)
            lo = hi = ntasks > PB_MAX_WORKERS ? PB_MAX_WORKERS : (unsigned)ntasks;
        for (unsigned v = lo; v <= hi && n < max_out; v++)
            out[n++] = v;
    }
    qsort(out, n, sizeof *out, cmp_unsigned);
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        if (k == 0 || out[k - 1] != out[i])
            out[k++] = out[i];
    return k;
}

void pb__cli_join_command(int argc, char **argv, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "parbench");
    for (int i = 0; i < argc && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, " %s", argv[i]);
}

void pb__cli_backend_label(const pb_config *cfg, char *buf, size_t size)
{
    char pin[PB_PIN_TEXT_MAX + 1] = "";
    if (cfg->pin && cfg->pin->kind != PB_PIN_NONE) {
        pin[0] = '@';
        pb_pin_format(cfg->pin, pin + 1, sizeof pin - 1);
    }
    snprintf(buf, size, "%s%s%s%s", cfg->backend->name, cfg->ipc == PB_IPC_PIPE ? "/pipe" : "", cfg->gil ? "+gil" : "",
             pin);
}
