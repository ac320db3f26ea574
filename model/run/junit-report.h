/*
 * The JUnit XML report of a run, as Jenkins and GitLab read it: a <testsuites> root with one
 * <testsuite> (name, tests, failures, errors, time, timestamp), its <properties> (scenario,
 * seed, run, overrides, sipsim version), and one <testcase> per expectation, with a
 * <failure> whose message is the measured value; a scenario that does not load, or a run that
 * is stopped, is one <testcase> with an <error>. Written with libxml2; text that XML 1.0
 * cannot carry (control characters, bytes that are not UTF-8) becomes U+FFFD, so no scenario
 * name or value can make the file malformed.
 */
#ifndef SIPSIM_RUN_JUNIT_REPORT_H
#define SIPSIM_RUN_JUNIT_REPORT_H

#include "run/expectations.h"

#include <string>
#include <utility>
#include <vector>

namespace sipsim::run {

struct JUnitReport
{
    std::string suite;     ///< the scenario's name (or its file when it did not load)
    std::string timestamp; ///< the run's start, ISO 8601 in UTC ("2026-12-08T00:10:00")
    double timeS = 0;      ///< the run's wall time in seconds
    std::vector<std::pair<std::string, std::string>> properties; ///< in order, names may repeat
    std::vector<ExpectationResult> results;                      ///< one testcase each
    /// Set when the run ended without a verdict: one testcase "run" with an <error> of this
    /// type ("invalid-scenario", "interrupted", ...) and message; the details go in its text.
    std::string errorType;
    std::string errorMessage;
    std::string errorDetails;
};

/// Writes the report; false (with `*error`) when the file cannot be written.
bool WriteJUnit(const std::string& file, const JUnitReport& report, std::string* error);

/// Whether a JUnit file can be written there (its folder exists and is writable), checked
/// before a run starts; false with the reason.
bool CanWriteJUnit(const std::string& file, std::string* error);

/// `text` with what XML 1.0 cannot carry (C0 controls but tab, LF and CR; U+FFFE, U+FFFF;
/// bytes that are not UTF-8) replaced by U+FFFD.
std::string XmlText(const std::string& text);

/// The current wall-clock time, ISO 8601 in UTC.
std::string IsoTimestampNow();

} // namespace sipsim::run

#endif // SIPSIM_RUN_JUNIT_REPORT_H
