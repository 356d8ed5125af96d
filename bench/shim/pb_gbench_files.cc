// The C shim's file reporter: every file is written by it, so that each
// sees the same runs (pb_gbench.cc says how the outputs are chosen): the
// user's --benchmark_out file, and parbench's folder with <program>.json,
// <program>.csv (one tidy row per run and metric) and machine.csv.
#include "pb_gbench_internal.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "parbench/csv.h"
#include "parbench/machine.h"
#include "parbench/resultset.h"
}

namespace pb_gb_shim {

Files *current;

namespace {

const char *unit_name(benchmark::TimeUnit u)
{
    switch (u) {
    case benchmark::kMicrosecond: return "us";
    case benchmark::kMillisecond: return "ms";
    case benchmark::kSecond: return "s";
    default: return "ns";
    }
}

// mkdir -p
bool make_folder(const std::string &dir, std::string &why)
{
    for (size_t i = 1; i <= dir.size(); i++) {
        if (i < dir.size() && dir[i] != '/')
            continue;
        std::string part = dir.substr(0, i);
        if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
            why = "cannot create the folder " + part + ": " + std::strerror(errno);
            return false;
        }
    }
    return true;
}

}  // namespace

bool exists(const std::string &path)
{
    return access(path.c_str(), F_OK) == 0;
}

BENCHMARK_DISABLE_DEPRECATED_WARNING
std::unique_ptr<benchmark::BenchmarkReporter> reporter_for(const std::string &format)
{
    if (format == "csv")
        return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::CSVReporter);
    if (format == "console")
        return std::unique_ptr<benchmark::BenchmarkReporter>(
            new benchmark::ConsoleReporter(benchmark::ConsoleReporter::OO_None));
    return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::JSONReporter);
}
BENCHMARK_RESTORE_DEPRECATED_WARNING

bool Files::ReportContext(const Context &context)
{
    if (want_pb_dir && !open_pb_dir()) {
        failed = true;
        std::fprintf(stderr, "%s: %s\n", prog.c_str(), why.c_str());
        return false;
    }
    ran = true;
    if (user) {
        user->SetOutputStream(&GetOutputStream());
        user->SetErrorStream(&GetErrorStream());
        user->ReportContext(context);
    }
    if (pb_json)
        pb_json->ReportContext(context);
    return true;
}

void Files::ReportRuns(const std::vector<Run> &report)
{
    if (user)
        user->ReportRuns(report);
    if (pb_json)
        pb_json->ReportRuns(report);
    for (const Run &r : report) {
        Row base;
        base.name = r.benchmark_name();
        base.base = r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args);
        base.run_type = r.run_type == Run::RT_Aggregate ? "aggregate" : "iteration";
        base.aggregate = r.aggregate_name;
        base.repetition = r.repetition_index;
        base.iterations = static_cast<int64_t>(r.iterations);
        base.error = r.error_occurred ? r.error_message : "";
        any_error |= r.error_occurred;
        const char *u = unit_name(r.time_unit);
        add(base, "real_time", r.GetAdjustedRealTime(), u);
        add(base, "cpu_time", r.GetAdjustedCPUTime(), u);
        for (const auto &c : r.counters)
            add(base, c.first, c.second.value, "");
    }
}

void Files::Finalize()
{
    if (!ran)
        return;   // the folder could not be made: nothing ran, nothing to close
    if (after) {
        std::fprintf(text, "\n");
        after();
        summarise_goals();
    }
    finish(user.get());
    finish(pb_json.get());
    if (pb_json_file.is_open())
        pb_json_file.close();
}

void Files::add(const Row &base, const std::string &metric, double value, const char *unit)
{
    Row r = base;
    r.metric = metric;
    r.value = value;
    r.unit = unit;
    rows.push_back(r);
}

void Files::say(const char *line)
{
    std::fputs(line, text);
    derived_text += line;
}

int Files::write_csv(std::string &why_not)
{
    static const char *const header[] = { "benchmark", "run_type", "aggregate", "repetition", "iterations",
                                          "metric", "value", "unit", "error", "goal", "met" };
    std::string path = pb_dir + "/" + prog + ".csv";
    pb_csv_file f;
    pb_error err;
    if (pb_csv_open(&f, path.c_str(), header, sizeof header / sizeof header[0], &err) != 0) {
        why_not = err.msg;
        return -1;
    }
    for (const Row &r : rows) {
        pb_csv_row row;
        pb_csv_begin(&row);
        pb_csv_str(&row, r.name.c_str());
        pb_csv_str(&row, r.run_type.c_str());
        pb_csv_str(&row, r.aggregate.c_str());
        pb_csv_i64(&row, r.repetition);
        pb_csv_i64(&row, r.iterations);
        pb_csv_str(&row, r.metric.c_str());
        if (std::isnan(r.value))
            pb_csv_str(&row, "");   /* an unresolved goal's: no number */
        else
            pb_csv_f64(&row, r.value, 9);
        pb_csv_str(&row, r.unit.c_str());
        pb_csv_str(&row, r.error.c_str());
        pb_csv_str(&row, r.goal.c_str());
        if (r.met < 0)
            pb_csv_str(&row, "");
        else
            pb_csv_i64(&row, r.met);
        pb_csv_end(&row);
        if (pb_csv_append(&f, &row, &err) != 0) {
            why_not = err.msg;
            pb_csv_close(&f);
            return -1;
        }
    }
    int rc = pb_csv_flush(&f, &err);
    if (rc)
        why_not = err.msg;
    pb_csv_close(&f);
    return rc;
}

bool Files::open_pb_dir()
{
    if (pb_dir.empty()) {   // a new folder under results/, never one that exists
        char stamp[32], host[64];
        time_t now = time(nullptr);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
        pb_host_name(host, sizeof host);
        std::string base = std::string("results/") + stamp + "-" + host + "-bench";
        if (!make_folder("results", why))
            return false;
        for (int k = 1;; k++) {
            pb_dir = k == 1 ? base : base + "-" + std::to_string(k);
            if (mkdir(pb_dir.c_str(), 0755) == 0)
                break;
            if (errno != EEXIST || k > 1000) {
                why = "cannot create the folder " + pb_dir + ": " + std::strerror(errno);
                return false;
            }
        }
    } else if (!make_folder(pb_dir, why)) {
        why = "--pb_out=" + pb_dir + ": " + why;
        return false;
    }
    if (!exists(pb_dir + "/machine.csv")) {   // a result set parbench made keeps its own
        wrote_machine = true;
        pb_error err;
        if (pb_resultset_write_machine(pb_dir.c_str(), command.c_str(), &err) != 0) {
            why = err.msg;
            return false;
        }
    }
    std::string json = pb_dir + "/" + prog + ".json";
    pb_json_file.open(json);
    if (!pb_json_file.is_open()) {
        why = "cannot write " + json;
        return false;
    }
    pb_json.reset(new benchmark::JSONReporter);
    pb_json->SetOutputStream(&pb_json_file);
    pb_json->SetErrorStream(&pb_json_file);
    return true;
}

}  // namespace pb_gb_shim
