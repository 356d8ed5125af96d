// The C shim's derived rows: ratios of results computed after the runs,
// each with its goal ("<=1.25"), said MET or NOT MET (unresolved: NOT MET),
// listed in the closing lines, and written to every output that can hold
// them (parbench's CSV and the JSON files; console-format files as text).
#include "pb_gbench.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "pb_gbench_internal.h"

namespace pb_gb_shim {

void Files::summarise_goals()
{
    int goals = 0, missed = 0;
    std::string list;
    for (const Derived &d : derived) {
        if (d.met < 0)
            continue;
        goals++;
        if (!d.met) {
            missed++;
            char line[512];
            std::snprintf(line, sizeof line, "  NOT MET: %s: %.3f %s, goal %s\n", d.benchmark.c_str(), d.value,
                          d.unit.c_str(), d.goal.c_str());
            list += line;
        }
    }
    if (!goals)
        return;
    char line[160];
    std::snprintf(line, sizeof line, "\n%d goal(s): %d MET, %d NOT MET\n", goals, goals - missed, missed);
    say(line);
    say(list.c_str());
}

void Files::finish(benchmark::BenchmarkReporter *out)
{
    if (!out)
        return;
    if (!derived.empty()) {
        if (dynamic_cast<benchmark::JSONReporter *>(out)) {
            std::vector<Run> runs;
            for (size_t i = 0; i < derived.size(); i++)
                runs.push_back(as_run(derived[i], i));
            out->ReportRuns(runs);
        } else if (dynamic_cast<benchmark::ConsoleReporter *>(out)) {
            out->GetOutputStream() << derived_text;
        }
        // Google Benchmark's CSV reporter takes no row whose counters its
        // first row did not have: the derived rows stay out of CSV files.
    }
    out->Finalize();
}

benchmark::BenchmarkReporter::Run Files::as_run(const Derived &d, size_t i)
{
    Run r;
    r.run_name.function_name = d.benchmark;
    r.family_index = 1000000 + static_cast<int64_t>(i);   // after every registered family
    r.per_family_instance_index = 0;
    r.repetitions = 1;
    r.repetition_index = 0;
    r.threads = 1;
    r.iterations = 1;
    r.real_accumulated_time = r.cpu_accumulated_time = 0;
    if (!std::isnan(d.value))   // an unresolved goal has no number: JSON has none to write
        r.counters[d.metric] = benchmark::Counter(d.value);
    if (d.met >= 0) {
        double limit = std::strtod(d.goal.c_str() + 2, nullptr);
        r.counters[d.goal[0] == '<' ? "goal_max" : "goal_min"] = benchmark::Counter(limit);
        r.counters["met"] = benchmark::Counter(d.met);
        r.report_label = "derived " + d.metric + ", goal " + d.goal + ": " + (d.met ? "MET" : "NOT MET");
    } else {
        r.report_label = "derived " + d.metric + ", shown";
    }
    return r;
}

}  // namespace pb_gb_shim

using pb_gb_shim::current;
using pb_gb_shim::Derived;
using pb_gb_shim::Row;

extern "C" {

double pb_gb_result(const char *benchmark, const char *metric)
{
    std::vector<double> v;
    for (const Row &r : current->rows)
        if (r.run_type == "iteration" && (r.name == benchmark || r.base == benchmark) && r.metric == metric &&
            r.error.empty())
            v.push_back(r.value);
    if (v.empty())
        return NAN;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int pb_gb_add_result(const char *benchmark, const char *metric, double value, const char *unit, const char *goal)
{
    char line[512];
    if (std::isnan(value) && goal && *goal) {
        /* a goal whose measurement does not tell (an overhead at or below zero, or nothing run): it is not
         * met; listed with the rest, and a row with an empty value (there is no number to write) */
        std::snprintf(line, sizeof line, "  %-72s unresolved goal %-7s NOT MET\n", benchmark, goal);
        current->say(line);
        current->derived.push_back(Derived{ benchmark, metric, unit ? unit : "", goal, value, 0 });
        Row r;
        r.name = r.base = benchmark;
        r.run_type = "derived";
        r.goal = goal;
        r.met = 0;
        current->add(r, metric, value, unit ? unit : "");
        return 0;
    }
    if (std::isnan(value)) {
        std::snprintf(line, sizeof line, "  %-72s not measured in this run (filtered out?)\n", benchmark);
        current->say(line);
        return -1;
    }
    Derived d{ benchmark, metric, unit ? unit : "", goal ? goal : "", value, -1 };
    if (!d.goal.empty()) {
        char *end = nullptr;
        double limit = d.goal.size() > 2 ? std::strtod(d.goal.c_str() + 2, &end) : NAN;
        bool at_most = d.goal.compare(0, 2, "<=") == 0, at_least = d.goal.compare(0, 2, ">=") == 0;
        if (!(at_most || at_least) || !end || *end || std::isnan(limit)) {
            std::fprintf(stderr, "%s: pb_gb_add_result: goal \"%s\" is neither \"<=X\" nor \">=X\"\n",
                         benchmark, d.goal.c_str());
            current->any_error = true;
            return -1;
        }
        d.met = at_most ? value <= limit : value >= limit;
    }
    if (d.met < 0)
        std::snprintf(line, sizeof line, "  %-72s %8.3f %-2s  (shown)\n", benchmark, value, d.unit.c_str());
    else
        std::snprintf(line, sizeof line, "  %-72s %8.3f %-2s  goal %-7s %s\n", benchmark, value, d.unit.c_str(),
                      d.goal.c_str(), d.met ? "MET" : "NOT MET");
    current->say(line);
    current->derived.push_back(d);
    Row r;
    r.name = r.base = benchmark;
    r.run_type = "derived";
    r.goal = d.goal;
    r.met = d.met;
    current->add(r, metric, value, d.unit.c_str());
    return d.met;
}

FILE *pb_gb_text(void)
{
    return current ? current->text : stdout;
}

}  // extern "C"
