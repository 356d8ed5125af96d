/* The CSV reader: what the writer writes reads back the same (random fields,
 * quotes, commas, line ends), and every kind of damage is refused with its
 * line. Then the result-set checks on single files. */
#include <stdlib.h>

#include "check.h"
#include "parbench/csv.h"
#include "parbench/csv_read.h"
#include "parbench/resultset_check.h"
#include "parbench/rng.h"

static void refused(const char *text, const char *want)
{
    pb_csv_table t;
    pb_error err = { 0 };
    int rc = pb_csv_parse(text, strlen(text), "x.csv", &t, &err);
    CHECK_MSG(rc != 0 && strstr(err.msg, want), "[%s]: rc %d, message [%s], expected [%s]", text, rc, err.msg, want);
}

static void table_ok(pb_set_file kind, const char *text, bool want_ok, const char *want)
{
    pb_csv_table t;
    pb_error err = { 0 };
    int rc = pb_csv_parse(text, strlen(text), pb_set_file_name[kind], &t, &err);
    CHECK_MSG(rc == 0, "parse: %s", err.msg);
    if (rc)
        return;
    rc = pb_resultset_check_table(kind, &t, &err);
    CHECK_MSG((rc == 0) == want_ok && (want_ok || strstr(err.msg, want)), "[%s]: rc %d [%s], expected [%s]", text,
              rc, err.msg, want ? want : "ok");
    pb_csv_table_free(&t);
}

int main(void)
{
    /* round trip: rows of random fields, written by the writer, read back */
    static const char alphabet[] = "ab,\"\r\n xy0";
    uint64_t draw = 0;
    for (int round = 0; round < 300; round++) {
        enum { ROWS = 5, COLS = 4 };
        char field[ROWS][COLS][16];
        char *text = malloc(ROWS * 8192);
        size_t len = 0;
        for (int r = 0; r < ROWS; r++) {
            pb_csv_row row;
            pb_csv_begin(&row);
            for (int c = 0; c < COLS; c++) {
                size_t n = pb_uniform(7, draw++, 0, 7);
                for (size_t k = 0; k < n; k++)
                    field[r][c][k] = alphabet[pb_uniform(7, draw++, 0, sizeof alphabet - 2)];
                field[r][c][n] = '\0';
                pb_csv_str(&row, field[r][c]);
            }
            pb_csv_end(&row);
            memcpy(text + len, row.buf, row.len);
            len += row.len;
        }
        pb_csv_table t;
        pb_error err = { 0 };
        int rc = pb_csv_parse(text, len, "round.csv", &t, &err);
        CHECK_MSG(rc == 0, "round %d: %s", round, err.msg);
        if (rc == 0) {
            CHECK(t.rows == ROWS && t.cols == COLS);
            for (int r = 0; r < ROWS && t.rows == ROWS; r++)
                for (int c = 0; c < COLS; c++)
                    CHECK_MSG(strcmp(pb_csv_cell(&t, (size_t)r, (size_t)c), field[r][c]) == 0,
                              "round %d row %d col %d: [%s] read as [%s]", round, r, c, field[r][c],
                              pb_csv_cell(&t, (size_t)r, (size_t)c));
            pb_csv_table_free(&t);
        }
        free(text);
    }

    /* a quoted field spanning lines: the next record's line is counted right */
    pb_csv_table t;
    pb_error err;
    const char *two = "a,b\r\n\"x\ny\",1\r\nz,2\r\n";
    CHECK(pb_csv_parse(two, strlen(two), "t", &t, &err) == 0);
    CHECK(t.rows == 3 && t.line[1] == 2 && t.line[2] == 4);
    CHECK_STR(pb_csv_cell(&t, 1, 0), "x\ny");
    pb_csv_table_free(&t);

    refused("", "empty");
    refused("a,b\r\n1,2", "truncated");
    refused("a,b\r\n1,2,3\r\n", "line 2: 3 fields, the header has 2");
    refused("a,b\r\n1\r\n", "line 2: 1 fields");
    refused("a,b\r\n\"1,2\r\n", "line 2: a quote is never closed");
    refused("a,b\r\n\"1\"x,2\r\n", "line 2: text after a closing quote");
    refused("a,b\r\n1\"x,2\r\n", "line 2: a quote inside an unquoted field");
    refused("a,b\r\n1,\0\r\n", "truncated");   /* strlen stops at the NUL: cut short */
    {
        const char nul[] = "a,b\r\n1,\0\r\n";
        CHECK(pb_csv_parse(nul, sizeof nul - 1, "n", &t, &err) != 0 && strstr(err.msg, "NUL"));
    }

    /* single files against their schema */
    table_ok(PB_FILE_MACHINE, "key,value\r\nschema_version,1\r\n", true, NULL);
    table_ok(PB_FILE_MACHINE, "key,value\r\nhost,x\r\n", false, "no schema_version");
    table_ok(PB_FILE_MACHINE, "key,value\r\nschema_version,99\r\n", false, "newer than this parbench");
    table_ok(PB_FILE_SAMPLES, "run_id,t_s,cpu,busy\r\n1,0.05,0,0.5\r\n1,0.10,1,\r\n", true, NULL);
    table_ok(PB_FILE_SAMPLES, "run_id,t_s,cpu,busy\r\n1,0.05,0,1.5\r\n", false, "busy='1.5' is not a fraction");
    table_ok(PB_FILE_SAMPLES, "run_id,t_s,cpu,busy\r\n0,0.05,0,0.5\r\n", false, "run_id='0' is not a whole number from 1");
    table_ok(PB_FILE_SAMPLES, "run_id,t_s,cpu\r\n1,0.05,0\r\n", false, "no column busy");
    table_ok(PB_FILE_TASKS, "run_id,task,worker,start_s,end_s,status\r\n1,0,0,0.1,0.2,done\r\n", true, NULL);
    table_ok(PB_FILE_TASKS, "run_id,task,worker,start_s,end_s,status\r\n1,0,0,0.1,0.2,finished\r\n", false,
             "status='finished'");
    table_ok(PB_FILE_TASKS, "run_id,task,worker,start_s,end_s,status\r\n1,0,0,nan,0.2,done\r\n", false,
             "start_s='nan' is not a number");
    static const char runs_head[] = "run_id,config_id,workload,params,backend,workers,tasks,ipc,rep,wall_s,busy_cores,"
                                    "ideal_s,pus,ok,note\r\n";
    char runs[1024];
    snprintf(runs, sizeof runs, "%s1,1,counter,n=1,serial,1,1,arena,1,0.5,1,0.5,2,1,\r\n"
                                "2,1,counter,n=1,serial,1,1,arena,2,0.5,1,0.5,2,1,\r\n", runs_head);
    table_ok(PB_FILE_RUNS, runs, true, NULL);
    snprintf(runs, sizeof runs, "%s2,1,counter,n=1,serial,1,1,arena,1,0.5,1,0.5,2,1,\r\n"
                                "2,1,counter,n=1,serial,1,1,arena,2,0.5,1,0.5,2,1,\r\n", runs_head);
    table_ok(PB_FILE_RUNS, runs, false, "run_id 2 does not follow 2");
    snprintf(runs, sizeof runs, "%s1,1,counter,n=1,serial,1,1,arena,1,,,,2,1,\r\n", runs_head);
    table_ok(PB_FILE_RUNS, runs, false, "no wall_s cannot be ok");
    snprintf(runs, sizeof runs, "%s1,1,counter,n=1,serial,1,1,arena,1,-0.5,1,0.5,2,1,\r\n", runs_head);
    table_ok(PB_FILE_RUNS, runs, false, "wall_s='-0.5' is not a number >= 0");
    snprintf(runs, sizeof runs, "%s1,1,counter,n=1,serial,1,1,arena,1,0.5,1,0.5,2,yes,\r\n", runs_head);
    table_ok(PB_FILE_RUNS, runs, false, "ok='yes' is not 0 or 1");
    return check_report("csv_read");
}
