/* Placement policies: which PUs each of W workers is bound to. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology_internal.h"

static const char *const pin_names[] = {
#define PB_X_(id, name, doc) name,
    PB_PIN_LIST(PB_X_)
#undef PB_X_
};

/* "pus:" and the list, runs of consecutive PUs as ranges (0-3,8): the
 * length the whole text needs, written into buf as far as it fits. */
static size_t pin_list_text(const pb_pin_policy *p, char *buf, size_t size)
{
    size_t len = 0;
    char part[32];
    const char *head = "pus:";
    for (size_t k = 0; head[k]; k++, len++)
        if (len + 1 < size)
            buf[len] = head[k];
    for (unsigned i = 0; i < p->count;) {
        unsigned j = i;
        while (j + 1 < p->count && p->pu[j + 1] == p->pu[j] + 1)
            j++;
        int n = j > i ? snprintf(part, sizeof part, "%s%d-%d", i ? "," : "", p->pu[i], p->pu[j])
                      : snprintf(part, sizeof part, "%s%d", i ? "," : "", p->pu[i]);
        for (int k = 0; k < n; k++, len++)
            if (len + 1 < size)
                buf[len] = part[k];
        i = j + 1;
    }
    if (size)
        buf[len < size ? len : size - 1] = '\0';
    return len;
}

int pb_pin_parse(const char *text, pb_pin_policy *out, pb_error *err)
{
    memset(out, 0, sizeof *out);
    for (int k = PB_PIN_NONE; k <= PB_PIN_CORE; k++)
        if (strcmp(text, pin_names[k]) == 0) {
            out->kind = (pb_pin_kind)k;
            return 0;
        }
    /* a list: numbers and ranges, in the order given (repeats allowed); also
     * as runs.csv's pin column writes it, pus:LIST */
    const char *list = strncmp(text, "pus:", 4) == 0 ? text + 4 : text;
    if (!isdigit((unsigned char)list[0]))
        return pb_fail(err, PB_E_ARG, "--pin: '%s' is not a policy (none, compact, scatter, core) or a PU list (0,2,4-7)",
                       text);
    out->kind = PB_PIN_PUS;
    const char *p = list;
    while (*p) {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p || lo < 0 || lo > 65535)
            return pb_fail(err, PB_E_ARG, "--pin: '%s' is not a PU list (example: 0,2,4-7)", text);
        p = end;
        if (*p == '-') {
            hi = strtol(p + 1, &end, 10);
            if (end == p + 1 || hi < lo || hi > 65535)
                return pb_fail(err, PB_E_ARG, "--pin: '%s' has a bad range (example: 4-7)", text);
            p = end;
        }
        for (long v = lo; v <= hi; v++) {
            if (out->count == PB_PIN_MAX_LIST)
                return pb_fail(err, PB_E_RANGE, "--pin: more than %d PUs listed", PB_PIN_MAX_LIST);
            out->pu[out->count++] = (int)v;
        }
        if (*p == ',')
            p++;
        else if (*p)
            return pb_fail(err, PB_E_ARG, "--pin: '%s' is not a PU list (example: 0,2,4-7)", text);
    }
    char written[PB_PIN_TEXT_MAX];
    if (pin_list_text(out, written, sizeof written) >= sizeof written)
        return pb_fail(err, PB_E_RANGE, "--pin: the PU list is too long to record: at most %d characters once "
                       "written with ranges (%s...)", PB_PIN_TEXT_MAX - 1, written);
    return 0;
}

void pb_pin_format(const pb_pin_policy *p, char *buf, size_t size)
{
    if (p->kind != PB_PIN_PUS) {
        snprintf(buf, size, "%s", pin_names[p->kind]);
        return;
    }
    pin_list_text(p, buf, size);
}

int pb_pin_check(const pb_topology *t, const pb_pin_policy *p, pb_error *err)
{
    for (unsigned i = 0; p->kind == PB_PIN_PUS && i < p->count; i++)
        if (!hwloc_bitmap_isset(t->usable, (unsigned)p->pu[i])) {
            char usable[256];
            hwloc_bitmap_list_snprintf(usable, sizeof usable, t->usable);
            return pb_fail(err, PB_E_RANGE, "--pin: PU %d is not one this process may use (usable: %s)", p->pu[i], usable);
        }
    return 0;
}

/* The usable PUs of an object, in logical order (OS numbers). */
static unsigned usable_pus(const pb_topology *t, hwloc_obj_t obj, int *out, unsigned max)
{
    unsigned n = 0;
    hwloc_obj_t pu = NULL;
    while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(t->topo, obj->cpuset, HWLOC_OBJ_PU, pu)) && n < max)
        if (hwloc_bitmap_isset(t->usable, pu->os_index))
            out[n++] = (int)pu->os_index;
    return n;
}

/* Cores with a usable PU, in logical order; a PU outside any core counts as one. */
static unsigned usable_cores(const pb_topology *t, hwloc_obj_t *out, unsigned max)
{
    unsigned n = 0;
    int depth = hwloc_get_type_depth(t->topo, HWLOC_OBJ_CORE);
    hwloc_obj_type_t type = depth < 0 ? HWLOC_OBJ_PU : HWLOC_OBJ_CORE;
    hwloc_obj_t o = NULL;
    while ((o = hwloc_get_next_obj_by_type(t->topo, type, o)) && n < max)
        if (hwloc_bitmap_intersects(o->cpuset, t->usable))
            out[n++] = o;
    return n;
}

/* hwloc_distrib's rule over the usable PUs only: split n workers among an
 * object's children in proportion to their usable PUs, recursively. */
static void distribute(const pb_topology *t, hwloc_obj_t obj, unsigned n, int *out, unsigned *k)
{
    if (n == 0)
        return;
    unsigned total = 0;
    for (hwloc_obj_t c = obj->first_child; c; c = c->next_sibling) {
        hwloc_bitmap_t b = hwloc_bitmap_alloc();
        hwloc_bitmap_and(b, c->cpuset, t->usable);
        total += (unsigned)hwloc_bitmap_weight(b);
        hwloc_bitmap_free(b);
    }
    if (obj->type == HWLOC_OBJ_PU || total == 0) {
        int pu[1];
        usable_pus(t, obj, pu, 1);
        for (unsigned i = 0; i < n; i++)
            out[(*k)++] = pu[0];
        return;
    }
    unsigned cum = 0, given = 0;
    for (hwloc_obj_t c = obj->first_child; c; c = c->next_sibling) {
        hwloc_bitmap_t b = hwloc_bitmap_alloc();
        hwloc_bitmap_and(b, c->cpuset, t->usable);
        unsigned w = (unsigned)hwloc_bitmap_weight(b);
        hwloc_bitmap_free(b);
        if (!w)
            continue;
        cum += w;
        /* ceil: the first of equal children gets the first worker, as hwloc_distrib does */
        unsigned upto = (unsigned)(((unsigned long long)n * cum + total - 1) / total);
        distribute(t, c, upto - given, out, k);
        given = upto;
    }
}

int pb_place(const pb_topology *t, const pb_pin_policy *p, unsigned workers, pb_placement *out, pb_error *err)
{
    memset(out, 0, sizeof *out);
    out->kind = p->kind;
    out->workers = workers;
    out->place = calloc(workers ? workers : 1, sizeof *out->place);
    if (!out->place)
        return pb_fail(err, PB_E_NOMEM, "placement: out of memory");
    unsigned npu = (unsigned)hwloc_bitmap_weight(t->usable);
    int *order = calloc(npu, sizeof *order);
    hwloc_obj_t *cores = calloc(npu, sizeof *cores);
    if (!order || !cores) {
        free(order);
        free(cores);
        pb_placement_free(out);
        return pb_fail(err, PB_E_NOMEM, "placement: out of memory");
    }
    unsigned units = npu;   /* what workers are spread over before they must share */
    switch (p->kind) {
    case PB_PIN_NONE:
        break;
    case PB_PIN_COMPACT: {
        /* one PU per core, core after core; then the second PU of each core ... */
        unsigned ncores = usable_cores(t, cores, npu), k = 0;
        for (unsigned rank = 0; k < npu; rank++) {
            for (unsigned c = 0; c < ncores; c++) {
                int pus[PB_PLACE_MAX_PUS * 4];
                unsigned n = usable_pus(t, cores[c], pus, sizeof pus / sizeof pus[0]);
                if (rank < n)
                    order[k++] = pus[rank];
            }
            if (rank > 64)
                break;
        }
        for (unsigned w = 0; w < workers; w++) {
            out->place[w].count = 1;
            out->place[w].pu[0] = order[w % npu];
        }
        break;
    }
    case PB_PIN_SCATTER: {
        unsigned k = 0, n = workers < npu ? workers : npu;
        distribute(t, hwloc_get_root_obj(t->topo), n, order, &k);
        for (unsigned w = 0; w < workers; w++) {
            out->place[w].count = 1;
            out->place[w].pu[0] = order[w % n];
        }
        break;
    }
    case PB_PIN_CORE: {
        units = usable_cores(t, cores, npu);
        for (unsigned w = 0; w < workers; w++)
            out->place[w].count = usable_pus(t, cores[w % units], out->place[w].pu, PB_PLACE_MAX_PUS);
        break;
    }
    case PB_PIN_PUS:
        units = p->count;
        for (unsigned w = 0; w < workers; w++) {
            out->place[w].count = 1;
            out->place[w].pu[0] = p->pu[w % p->count];
        }
        break;
    }
    out->oversubscribed = workers > units;
    free(order);
    free(cores);
    return 0;
}

void pb_placement_free(pb_placement *pl)
{
    free(pl->place);
    pl->place = NULL;
    pl->workers = 0;
}

void pb_placement_format(const pb_placement *pl, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    if (pl->kind == PB_PIN_NONE) {
        snprintf(buf, size, "-");
        return;
    }
    for (unsigned w = 0; w < pl->workers && len + 1 < size; w++) {
        const pb_worker_place *wp = &pl->place[w];
        len += (size_t)snprintf(buf + len, size - len, "%s", w ? " " : "");
        if (wp->count > 1 && wp->pu[wp->count - 1] - wp->pu[0] == (int)wp->count - 1)
            len += (size_t)snprintf(buf + len, size - len, "%d-%d", wp->pu[0], wp->pu[wp->count - 1]);
        else
            for (unsigned i = 0; i < wp->count && len < size; i++)
                len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "+" : "", wp->pu[i]);
    }
}

bool pb_place_has(const pb_worker_place *wp, int cpu)
{
    if (wp->count == 0)
        return true;
    for (unsigned i = 0; i < wp->count; i++)
        if (wp->pu[i] == cpu)
            return true;
    return false;
}
