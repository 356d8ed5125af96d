#include "parbench/resultset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/sampler.h"

/* Create `dir`/<kind's file> (it must not exist) with its header row: the
 * schema's columns, in order. */
static int open_file(pb_csv_file *f, const char *dir, pb_set_file kind, pb_error *err)
{
    const pb_file_schema *fs = pb_schema_file(kind);
    const char *names[PB_SCHEMA_MAX_COLUMNS];
    for (size_t c = 0; c < fs->ncolumns; c++)
        names[c] = fs->columns[c].name;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, pb_set_file_name[kind]);
    return pb_csv_open(f, path, names, (unsigned)fs->ncolumns, err);
}

/* mkdir -p of every parent of `path` (not path itself). */
static int make_parents(const char *path, pb_error *err)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return pb_fail(err, PB_E_ARG, "output folder name is too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return pb_fail_errno(err, PB_E_IO, errno, "cannot create folder %s", buf);
        *p = '/';
    }
    return 0;
}

int pb_resultset_check_dir(const char *dir, pb_error *err)
{
    struct stat st;
    if (!*dir)
        return pb_fail(err, PB_E_ARG, "--out: the folder name is empty");
    if (stat(dir, &st) == 0)
        return pb_fail(err, PB_E_EXISTS, "--out %s: that folder already exists (a result set is never overwritten; name a new folder)", dir);
    char probe[PATH_MAX];
    if (snprintf(probe, sizeof probe, "%s", dir) >= (int)sizeof probe)
        return pb_fail(err, PB_E_ARG, "--out: the folder name is too long");
    /* climb to the nearest existing ancestor: it must be a writable folder */
    for (;;) {
        char *slash = strrchr(probe, '/');
        while (slash && slash > probe && slash[1] == '\0') {   /* trailing slashes */
            *slash = '\0';
            slash = strrchr(probe, '/');
        }
        if (!slash)
            snprintf(probe, sizeof probe, ".");
        else if (slash == probe)
            probe[1] = '\0';
        else
            *slash = '\0';
        if (stat(probe, &st) == 0)
            break;
        if (errno != ENOENT)
            return pb_fail_errno(err, PB_E_IO, errno, "--out %s: cannot inspect %s", dir, probe);
    }
    if (!S_ISDIR(st.st_mode))
        return pb_fail(err, PB_E_IO, "--out %s: %s is not a folder", dir, probe);
    if (access(probe, W_OK | X_OK) != 0)
        return pb_fail_errno(err, PB_E_IO, errno, "--out %s: cannot write in %s", dir, probe);
    return 0;
}

typedef struct machine_writer {
    pb_csv_file *file;
    int rc;
    pb_error *err;
} machine_writer;

static void emit_pair(void *user, const char *key, const char *value)
{
    machine_writer *m = user;
    if (m->rc)
        return;
    pb_csv_row row;
    pb_csv_begin(&row);
    pb_csv_str(&row, key);
    pb_csv_str(&row, value);
    pb_csv_end(&row);
    m->rc = pb_csv_write(m->file, &row, m->err);
}

static int write_machine(const char *dir, const char *command, const char *const *extra, pb_error *err)
{
    pb_csv_file f;
    int rc = open_file(&f, dir, PB_FILE_MACHINE, err);
    if (rc)
        return rc;
    machine_writer m = { .file = &f, .err = err };
    char buf[64];
    snprintf(buf, sizeof buf, "%d", PB_SCHEMA_VERSION);
    emit_pair(&m, "schema_version", buf);
    time_t now = time(NULL);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    emit_pair(&m, "started_utc", buf);
    emit_pair(&m, "command", command);
    pb_machine_describe(emit_pair, &m);
    for (; extra && extra[0] && extra[1]; extra += 2)
        emit_pair(&m, extra[0], extra[1]);
    pb_csv_close(&f);
    return m.rc;
}

int pb_resultset_write_machine(const char *dir, const char *command, pb_error *err)
{
    return write_machine(dir, command, NULL, err);
}

int pb_resultset_create(pb_resultset *rs, const char *dir, const char *root, const char *command,
                        const char *const *extra, pb_error *err)
{
    memset(rs, 0, sizeof *rs);
    rs->runs.fd = rs->tasks.fd = rs->samples.fd = rs->measures.fd = -1;
    rs->next_run_id = 1;
    int rc;
    if (dir) {
        if ((rc = pb_resultset_check_dir(dir, err)) != 0 || (rc = make_parents(dir, err)) != 0)
            return rc;
        if (mkdir(dir, 0755) != 0)
            return pb_fail_errno(err, errno == EEXIST ? PB_E_EXISTS : PB_E_IO, errno,
                                 "--out %s: cannot create the folder", dir);
        snprintf(rs->dir, sizeof rs->dir, "%s", dir);
    } else {
        char stamp[32], host[64], base[PATH_MAX];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
        pb_host_name(host, sizeof host);
        snprintf(base, sizeof base, "%s/%s-%s", root, stamp, host);
        if ((rc = make_parents(base, err)) != 0)
            return rc;
        for (int k = 1;; k++) {   /* never reuse a folder: -2, -3 ... within one second */
            if (k == 1)
                snprintf(rs->dir, sizeof rs->dir, "%s", base);
            else
                snprintf(rs->dir, sizeof rs->dir, "%s-%d", base, k);
            if (mkdir(rs->dir, 0755) == 0)
                break;
            if (errno != EEXIST || k > 1000)
                return pb_fail_errno(err, PB_E_IO, errno, "cannot create result folder %s", rs->dir);
        }
    }
    rs->t0_ns = pb_now_ns();
    if ((rc = write_machine(rs->dir, command, extra, err)) != 0)
        return rc;
    if ((rc = open_file(&rs->runs, rs->dir, PB_FILE_RUNS, err)) != 0 ||
        (rc = open_file(&rs->tasks, rs->dir, PB_FILE_TASKS, err)) != 0)
        return rc;
    return open_file(&rs->samples, rs->dir, PB_FILE_SAMPLES, err);
}

int pb_resultset_add_machine(pb_resultset *rs, const char *key, const char *value, pb_error *err)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", rs->dir, pb_set_file_name[PB_FILE_MACHINE]);
    pb_csv_file f = { .columns = (unsigned)pb_schema_file(PB_FILE_MACHINE)->ncolumns };
    snprintf(f.path, sizeof f.path, "%s", path);
    f.fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (f.fd < 0)
        return pb_fail_errno(err, PB_E_IO, errno, "cannot open %s", path);
    pb_csv_row row;
    pb_csv_begin(&row);
    pb_csv_str(&row, key);
    pb_csv_str(&row, value);
    pb_csv_end(&row);
    int rc = pb_csv_write(&f, &row, err);
    pb_csv_close(&f);
    return rc;
}

/* This host's name as the workers report theirs (gethostname, whole). */
static const char *this_host(void)
{
    static char host[256];
    if (!host[0] && gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "localhost");
    return host;
}

static const char *status_name(int status)
{
    switch (status) {
    case PB_TASK_DONE: return "done";
    case PB_TASK_LOST: return "lost";
    case PB_TASK_RUNNING: return "running";
    default: return "pending";
    }
}

static int add_tasks(pb_resultset *rs, uint64_t run_id, uint64_t config_id, const pb_plan *plan,
                     const pb_run_record *rec, unsigned cfg_workers, pb_error *err)
{
    for (size_t i = 0; i < plan->ntasks; i++) {
        const pb_outcome *o = &plan->outcomes[i];
        bool started = o->status != PB_TASK_PENDING;
        pb_csv_row row;
        pb_csv_begin(&row);
        pb_csv_u64(&row, run_id);
        pb_csv_u64(&row, config_id);
        pb_csv_u64(&row, rec->rep);
        pb_csv_u64(&row, i);
        if (started) {
            pb_csv_i64(&row, o->worker);
            if (o->seq)
                pb_csv_u64(&row, o->seq);
            else
                pb_csv_str(&row, "");
            pb_csv_i64(&row, o->cpu_start);
        } else {
            pb_csv_str(&row, "");
            pb_csv_str(&row, "");
            pb_csv_str(&row, "");
        }
        bool done = o->status == PB_TASK_DONE;
        if (done)
            pb_csv_i64(&row, o->cpu_end);
        else
            pb_csv_str(&row, "");
        if (started)
            pb_csv_f64(&row, (double)(o->t_start_ns - rec->t_start_ns) / 1e9, 9);
        else
            pb_csv_str(&row, "");
        if (done) {
            pb_csv_f64(&row, (double)(o->t_end_ns - rec->t_start_ns) / 1e9, 9);
            pb_csv_f64(&row, (double)o->cpu_ns / 1e9, 9);
            pb_csv_f64(&row, (double)o->sleep_ns / 1e9, 9);
        } else {
            pb_csv_str(&row, "");
            pb_csv_str(&row, "");
            pb_csv_str(&row, "");
        }
        pb_csv_str(&row, status_name(o->status));
        if (o->status == PB_TASK_LOST) {
            if (o->signal)
                pb_csv_i64(&row, o->signal);
            else
                pb_csv_str(&row, "");
            if (o->signal)
                pb_csv_str(&row, "");
            else
                pb_csv_i64(&row, o->exit_status);
        } else {
            pb_csv_str(&row, "");
            pb_csv_str(&row, "");
        }
        if (!started)
            pb_csv_str(&row, "");
        else if (rec->worker_host && o->worker >= 0 && (unsigned)o->worker < cfg_workers)
            pb_csv_str(&row, rec->worker_host[o->worker]);
        else
            pb_csv_str(&row, this_host());
        pb_csv_end(&row);
        int rc = pb_csv_append(&rs->tasks, &row, err);
        if (rc)
            return rc;
    }
    return pb_csv_flush(&rs->tasks, err);
}

static int add_samples(pb_resultset *rs, uint64_t run_id, uint64_t config_id, const pb_run_record *rec,
                       const pb_sampler *s, pb_error *err)
{
    size_t n = pb_sampler_intervals(s, NULL);
    for (size_t k = 0; k < n; k++) {
        double t = (double)(pb_sampler_interval_end(s, k) - rec->t_start_ns) / 1e9;
        double dt = (double)pb_sampler_interval_ns(s, k) / 1e9;
        for (unsigned c = 0; c < pb_sampler_cpus(s); c++) {
            pb_cpu_share sh = pb_sampler_share(s, k, c);
            pb_csv_row row;
            pb_csv_begin(&row);
            pb_csv_u64(&row, run_id);
            pb_csv_u64(&row, config_id);
            pb_csv_u64(&row, rec->rep);
            pb_csv_f64(&row, t, 6);
            pb_csv_f64(&row, dt, 6);
            pb_csv_i64(&row, pb_sampler_cpu_id(s, c));
            pb_csv_f64(&row, (double)sh.user + (double)sh.system, 4);
            pb_csv_f64(&row, sh.user, 4);
            pb_csv_f64(&row, sh.system, 4);
            pb_csv_f64(&row, sh.steal, 4);
            pb_csv_str(&row, this_host());
            pb_csv_end(&row);
            int rc = pb_csv_append(&rs->samples, &row, err);
            if (rc)
                return rc;
        }
    }
    return pb_csv_flush(&rs->samples, err);
}

/* What samplers on the workers' other hosts saw (MPI ranks there). */
static int add_host_samples(pb_resultset *rs, uint64_t run_id, uint64_t config_id, const pb_run_record *rec,
                            pb_error *err)
{
    for (unsigned h = 0; h < rec->nhost_samples; h++) {
        const pb_host_samples *hs = &rec->host_samples[h];
        for (size_t k = 0; k < hs->intervals; k++) {
            for (unsigned c = 0; c < hs->ncpus; c++) {
                const float *f = &hs->share[(k * hs->ncpus + c) * 3];
                pb_csv_row row;
                pb_csv_begin(&row);
                pb_csv_u64(&row, run_id);
                pb_csv_u64(&row, config_id);
                pb_csv_u64(&row, rec->rep);
                pb_csv_f64(&row, (double)(hs->end_ns[k] - rec->t_start_ns) / 1e9, 6);
                pb_csv_f64(&row, (double)hs->len_ns[k] / 1e9, 6);
                pb_csv_i64(&row, hs->cpu[c]);
                pb_csv_f64(&row, (double)f[0] + (double)f[1], 4);
                pb_csv_f64(&row, f[0], 4);
                pb_csv_f64(&row, f[1], 4);
                pb_csv_f64(&row, f[2], 4);
                pb_csv_str(&row, hs->host);
                pb_csv_end(&row);
                int rc = pb_csv_append(&rs->samples, &row, err);
                if (rc)
                    return rc;
            }
        }
    }
    return pb_csv_flush(&rs->samples, err);
}

int pb_resultset_add_run(pb_resultset *rs, uint64_t config_id, const pb_config *cfg,
                         const pb_plan *plan, const pb_run_record *rec, const pb_sampler *sampler,
                         pb_error *err)
{
    char params[1024];
    pb_params_format(&cfg->params, params, sizeof params, true);
    pb_csv_row row;
    pb_csv_begin(&row);
    pb_csv_u64(&row, rs->next_run_id);
    pb_csv_u64(&row, config_id);
    pb_csv_str(&row, cfg->workload->name);
    pb_csv_str(&row, params);
    pb_csv_str(&row, cfg->backend->name);
    pb_csv_u64(&row, cfg->workers);
    pb_csv_u64(&row, plan->ntasks);
    pb_csv_str(&row, rec->pin);
    pb_csv_str(&row, rec->pus_used);
    pb_csv_u64(&row, rec->oversubscribed);
    if (rec->bound < 0)
        pb_csv_str(&row, "");
    else
        pb_csv_u64(&row, (uint64_t)rec->bound);
    if (rec->held < 0)
        pb_csv_str(&row, "");
    else
        pb_csv_u64(&row, (uint64_t)rec->held);
    pb_csv_u64(&row, cfg->gil ? 1 : 0);
    pb_csv_str(&row, pb_ipc_name(cfg->ipc));
    pb_csv_u64(&row, rec->chunk);
    pb_csv_u64(&row, rec->rep);
    if (rec->ran) {
        pb_csv_f64(&row, (double)(rec->t_start_ns - rs->t0_ns) / 1e9, 6);
        pb_csv_f64(&row, rec->wall_s, 9);
        pb_csv_f64(&row, rec->spawn_s, 9);
        pb_csv_f64(&row, rec->work_s, 9);
        pb_csv_f64(&row, rec->join_s, 9);
        pb_csv_f64(&row, rec->user_s, 9);
        pb_csv_f64(&row, rec->sys_s, 9);
        pb_csv_f64(&row, rec->cpu_window_s, 9);
        pb_csv_f64(&row, rec->busy_cores, 4);
        pb_csv_f64(&row, rec->cpu_util, 4);
        pb_csv_f64(&row, rec->startup_s, 9);
        pb_csv_f64(&row, rec->ideal_s, 9);
        pb_csv_f64(&row, rec->wall_s > 0 ? rec->ideal_s / rec->wall_s : 0, 4);
        pb_csv_i64(&row, rec->usage.nvcsw);
        pb_csv_i64(&row, rec->usage.nivcsw);
        pb_csv_i64(&row, rec->usage.minflt);
        pb_csv_i64(&row, rec->usage.majflt);
        pb_csv_i64(&row, rec->usage.maxrss_kb);
    } else {
        /* nothing ran: the time it took to fail to start, and empty measurements */
        pb_csv_f64(&row, (double)(pb_now_ns() - rs->t0_ns) / 1e9, 6);
        for (int k = 0; k < 9; k++)
            pb_csv_str(&row, "");              /* wall_s .. cpu_util */
        pb_csv_f64(&row, rec->startup_s, 9);
        for (int k = 0; k < 7; k++)
            pb_csv_str(&row, "");              /* ideal_s .. maxrss_kb */
    }
    pb_csv_u64(&row, rec->pus);
    pb_csv_u64(&row, rec->replaced);
    if (rec->ran) {
        pb_csv_f64(&row, rec->sampler_cpu_s, 9);
        pb_csv_u64(&row, rec->samples);
    } else {
        pb_csv_str(&row, "");
        pb_csv_str(&row, "");
    }
    pb_csv_u64(&row, rec->ok ? 1 : 0);
    pb_csv_str(&row, rec->result);
    pb_csv_str(&row, rec->note);
    pb_csv_u64(&row, rec->round);
    pb_csv_u64(&row, rec->position);
    if (rec->ran) {
        pb_csv_f64(&row, rec->idle_before_s, 9);   /* NaN (first run): empty */
        pb_csv_f64(&row, rec->bind_s, 9);
    } else {
        pb_csv_str(&row, "");
        pb_csv_str(&row, "");
    }
    if (cfg->backend->uses_wait) {
        pb_csv_str(&row, pb_wait_name(cfg->wait.kind));
        if (cfg->wait.kind == PB_WAIT_ACTIVE)
            pb_csv_str(&row, "");
        else
            pb_csv_u64(&row, (uint64_t)(pb_wait_spin_ns(&cfg->wait, false) / 1000));
    } else {
        pb_csv_str(&row, "");
        pb_csv_str(&row, "");
    }
    pb_csv_str(&row, rec->hosts[0] ? rec->hosts : this_host());
    pb_csv_end(&row);
    /* tasks and samples first: a run in runs.csv always has them */
    uint64_t run_id = rs->next_run_id;
    int rc = add_tasks(rs, run_id, config_id, plan, rec, cfg->workers, err);
    if (rc == 0 && sampler && rec->ran)
        rc = add_samples(rs, run_id, config_id, rec, sampler, err);
    if (rc == 0 && rec->ran && rec->nhost_samples)
        rc = add_host_samples(rs, run_id, config_id, rec, err);
    if (rc == 0)
        rc = pb_csv_write(&rs->runs, &row, err);
    if (rc == 0)
        rs->next_run_id++;
    return rc;
}

/* A number as it reads best: whole numbers without decimals. */
static void measure_value(pb_csv_row *row, double v)
{
    if (v == v && v > -1e15 && v < 1e15 && v == (double)(int64_t)v)
        pb_csv_i64(row, (int64_t)v);
    else
        pb_csv_f64(row, v, 9);
}

int pb_resultset_add_measure(pb_resultset *rs, const char *demo, const char *what, const char *metric,
                             double value, const char *unit, double expected, uint64_t run_id, pb_error *err)
{
    int rc;
    if (rs->measures.fd < 0 && (rc = open_file(&rs->measures, rs->dir, PB_FILE_MEASURES, err)) != 0)
        return rc;
    pb_csv_row row;
    pb_csv_begin(&row);
    pb_csv_str(&row, demo);
    pb_csv_str(&row, what);
    pb_csv_str(&row, metric);
    measure_value(&row, value);
    pb_csv_str(&row, unit);
    if (expected == expected)
        measure_value(&row, expected);
    else
        pb_csv_str(&row, "");
    if (run_id)
        pb_csv_u64(&row, run_id);
    else
        pb_csv_str(&row, "");
    pb_csv_end(&row);
    return pb_csv_write(&rs->measures, &row, err);
}

void pb_resultset_close(pb_resultset *rs)
{
    pb_csv_close(&rs->runs);
    pb_csv_close(&rs->tasks);
    pb_csv_close(&rs->samples);
    pb_csv_close(&rs->measures);
}
