/*
 * Runs the sipsim command as a user would, for the tests of tests/scenario: a shell command
 * line, its exit status and what it printed.
 */
#ifndef SIPSIM_TESTS_SUPPORT_SIPSIM_COMMAND_H
#define SIPSIM_TESTS_SUPPORT_SIPSIM_COMMAND_H

#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace sipsim::test {

struct CommandResult
{
    int exit = -1;      ///< the exit status; -1 when it died of a signal or did not start
    std::string output; ///< stdout and stderr
};

/// Runs `binary arguments` through the shell with stderr joined to stdout.
inline CommandResult
RunCommand(const std::string& binary, const std::string& arguments)
{
    const std::string command = binary + " " + arguments + " 2>&1";
    CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr)
    {
        return result;
    }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
    {
        result.output.append(buffer, n);
    }
    const int status = pclose(pipe);
    result.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

} // namespace sipsim::test

#endif // SIPSIM_TESTS_SUPPORT_SIPSIM_COMMAND_H
