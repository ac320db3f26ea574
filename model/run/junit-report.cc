#include "run/junit-report.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <libxml/xmlwriter.h>
#include <memory>
#include <unistd.h>

namespace sipsim::run {

namespace {

const char* const kReplacement = "\xef\xbf\xbd"; // U+FFFD

/// The length of the UTF-8 sequence at text[at] that XML 1.0 allows (RFC 3629, XML 1.0 2.2
/// Char), or 0.
size_t
XmlCharLength(const std::string& text, size_t at)
{
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char c = byte(at);
    if (c < 0x80)
    {
        return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? 1 : 0;
    }
    size_t length = 0;
    uint32_t code = 0;
    if ((c & 0xe0) == 0xc0)
    {
        length = 2;
        code = c & 0x1f;
    }
    else if ((c & 0xf0) == 0xe0)
    {
        length = 3;
        code = c & 0x0f;
    }
    else if ((c & 0xf8) == 0xf0)
    {
        length = 4;
        code = c & 0x07;
    }
    else
    {
        return 0;
    }
    if (at + length > text.size())
    {
        return 0;
    }
    for (size_t i = 1; i < length; ++i)
    {
        if ((byte(at + i) & 0xc0) != 0x80)
        {
            return 0;
        }
        code = (code << 6) | (byte(at + i) & 0x3f);
    }
    const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    const bool overlong = code < least[length];
    const bool surrogate = code >= 0xd800 && code <= 0xdfff;
    const bool nonCharacter = code == 0xfffe || code == 0xffff;
    return overlong || surrogate || nonCharacter || code > 0x10ffff ? 0 : length;
}

struct WriterDeleter
{
    void operator()(xmlTextWriter* w) const { xmlFreeTextWriter(w); }
};

const xmlChar*
X(const char* text)
{
    return reinterpret_cast<const xmlChar*>(text);
}

} // namespace

std::string
XmlText(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t at = 0; at < text.size();)
    {
        const size_t n = XmlCharLength(text, at);
        if (n == 0)
        {
            out += kReplacement;
            ++at;
            continue;
        }
        out.append(text, at, n);
        at += n;
    }
    return out;
}

std::string
IsoTimestampNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    return buffer;
}

bool
CanWriteJUnit(const std::string& file, std::string* error)
{
    namespace fs = std::filesystem;
    const fs::path path(file);
    std::error_code ec;
    if (fs::is_directory(path, ec))
    {
        *error = "is a folder";
        return false;
    }
    // Missing folders are made when it is written (it may go in the run's output folder): the
    // nearest one that exists must be a writable folder.
    fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    while (!fs::exists(dir, ec) && dir.has_parent_path() && dir.parent_path() != dir)
    {
        dir = dir.parent_path();
    }
    if (!fs::exists(dir, ec))
    {
        dir = ".";
    }
    if (!fs::is_directory(dir, ec))
    {
        *error = dir.string() + " is not a folder";
        return false;
    }
    if (::access(dir.c_str(), W_OK) != 0)
    {
        *error = dir.string() + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

bool
WriteJUnit(const std::string& file, const JUnitReport& report, std::string* error)
{
    const std::filesystem::path path(file);
    std::error_code ec;
    if (path.has_parent_path())
    {
        std::filesystem::create_directories(path.parent_path(), ec);
    }
    std::unique_ptr<xmlTextWriter, WriterDeleter> w(xmlNewTextWriterFilename(file.c_str(), 0));
    if (!w)
    {
        *error = std::strerror(errno);
        return false;
    }
    size_t failures = 0;
    for (const auto& r : report.results)
    {
        failures += r.failure.empty() ? 0 : 1;
    }
    const bool errored = !report.errorType.empty();
    const std::string tests = std::to_string(errored ? 1 : report.results.size());
    const std::string errors = errored ? "1" : "0";
    const std::string failed = std::to_string(errored ? 0 : failures);
    char time[32];
    std::snprintf(time, sizeof time, "%.3f", report.timeS);
    const std::string suite = XmlText(report.suite);
    const auto attribute = [&](const char* name, const std::string& value) {
        return xmlTextWriterWriteAttribute(w.get(), X(name), X(XmlText(value).c_str())) >= 0;
    };
    bool ok = xmlTextWriterSetIndent(w.get(), 1) >= 0
              && xmlTextWriterSetIndentString(w.get(), X("  ")) >= 0
              && xmlTextWriterStartDocument(w.get(), "1.0", "UTF-8", nullptr) >= 0
              && xmlTextWriterStartElement(w.get(), X("testsuites")) >= 0
              && attribute("name", "sipsim") && attribute("tests", tests)
              && attribute("failures", failed) && attribute("errors", errors)
              && attribute("time", time) && xmlTextWriterStartElement(w.get(), X("testsuite")) >= 0
              && attribute("name", suite) && attribute("tests", tests)
              && attribute("failures", failed) && attribute("errors", errors)
              && attribute("skipped", "0") && attribute("time", time)
              && attribute("timestamp", report.timestamp)
              && xmlTextWriterStartElement(w.get(), X("properties")) >= 0;
    for (const auto& [name, value] : report.properties)
    {
        ok = ok && xmlTextWriterStartElement(w.get(), X("property")) >= 0 && attribute("name", name)
             && attribute("value", value) && xmlTextWriterEndElement(w.get()) >= 0;
    }
    ok = ok && xmlTextWriterEndElement(w.get()) >= 0; // properties
    if (errored)
    {
        ok = ok && xmlTextWriterStartElement(w.get(), X("testcase")) >= 0
             && attribute("classname", suite) && attribute("name", "run") && attribute("time", time)
             && xmlTextWriterStartElement(w.get(), X("error")) >= 0
             && attribute("message", report.errorMessage) && attribute("type", report.errorType)
             && xmlTextWriterWriteString(w.get(), X(XmlText(report.errorDetails).c_str())) >= 0
             && xmlTextWriterEndElement(w.get()) >= 0 && xmlTextWriterEndElement(w.get()) >= 0;
    }
    for (const auto& r : errored ? std::vector<ExpectationResult>{} : report.results)
    {
        ok = ok && xmlTextWriterStartElement(w.get(), X("testcase")) >= 0
             && attribute("classname", suite) && attribute("name", r.name)
             && attribute("time", "0");
        if (!r.failure.empty())
        {
            // The measured value is the message; the text says what was expected of it.
            ok = ok && xmlTextWriterStartElement(w.get(), X("failure")) >= 0
                 && attribute("message", r.failure) && attribute("type", "expectation")
                 && xmlTextWriterWriteString(w.get(), X(XmlText(r.name + ": " + r.failure).c_str()))
                        >= 0
                 && xmlTextWriterEndElement(w.get()) >= 0;
        }
        if (!r.description.empty())
        {
            ok = ok
                 && xmlTextWriterWriteElement(w.get(), X("system-out"),
                                              X(XmlText(r.description).c_str()))
                        >= 0;
        }
        ok = ok && xmlTextWriterEndElement(w.get()) >= 0;
    }
    ok = ok && xmlTextWriterEndDocument(w.get()) >= 0;
    const int flushed = xmlTextWriterFlush(w.get());
    w.reset();
    if (!ok || flushed < 0)
    {
        *error = "cannot write";
        return false;
    }
    return true;
}

} // namespace sipsim::run
