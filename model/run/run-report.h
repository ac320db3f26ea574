/*
 * What a run tells its user: the summary table, the memory figures, the expectations' verdict
 * (the JUnit report is junit-report.h).
 */
#ifndef SIPSIM_RUN_RUN_REPORT_H
#define SIPSIM_RUN_RUN_REPORT_H

#include "run/expectations.h"
#include "run/run-world.h"
#include "trace/trace-summary.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace sipsim::run {

/// The summary table: calls, post-dial delay, registrations, messages per node, proxy load.
void PrintSummary(std::ostream& out, const trace::Summary& sum, const World& w, double warmup);

/**
 * The process's memory when the simulation stops (before anything is torn down): the heap the
 * allocator has handed out and not had back (tcmalloc's current allocated bytes when it is the
 * allocator, glibc's mallinfo2 otherwise), and the peak resident set size of the whole run
 * (VmHWM). Zero where they cannot be read.
 */
struct MemoryUse
{
    uint64_t heapInUse = 0;
    uint64_t peakRss = 0;
};

MemoryUse MeasureMemory();

void PrintMemory(std::ostream& out, const MemoryUse& m);

/// "Outputs:" and what the run wrote: the output folder's files (pcaps counted), and the
/// stats CSV and JUnit report when they are elsewhere.
void PrintOutputs(std::ostream& out, const std::string& outDir, const std::string& statsFile,
                  const std::string& junitFile);

/// "Expectations:" and one line per result; returns the number violated.
size_t PrintVerdict(std::ostream& out, const std::vector<ExpectationResult>& results);

} // namespace sipsim::run

#endif // SIPSIM_RUN_RUN_REPORT_H
