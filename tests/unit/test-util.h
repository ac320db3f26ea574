/*
 * Helpers shared by the unit tests.
 */
#ifndef SIPSIM_TEST_UTIL_H
#define SIPSIM_TEST_UTIL_H

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sipsim {
namespace test {

/// Reads tests/data/<relative> as bytes; throws (failing the test) when it cannot.
inline std::string
ReadData(const std::string& relative)
{
    const std::string path = std::string(SIPSIM_TEST_DATA) + "/" + relative;
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        throw std::runtime_error("cannot open test data " + path);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Joins lines with CRLF and ends the header section with an empty line.
inline std::string
Crlf(std::initializer_list<const char*> lines, const std::string& body = "")
{
    std::string out;
    for (const char* line : lines)
    {
        out += line;
        out += "\r\n";
    }
    out += "\r\n";
    out += body;
    return out;
}

} // namespace test
} // namespace sipsim

#endif // SIPSIM_TEST_UTIL_H
