/*
 * Scenario files: reading (bounded, UTF-8), parsing text format or JSON with file:line:col
 * errors. Overrides are in overrides.cc, the checks in validator.cc and validate-*.cc.
 */
#include "scenario/scenario-loader.h"

#include "profile/text-format-errors.h"
#include "scenario/positions.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

namespace sipsim {
namespace scenario {

using google::protobuf::TextFormat;

std::string
Diagnostic::ToString() const
{
    if (line <= 0)
    {
        return file + ": " + message;
    }
    return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message;
}

std::optional<std::string>
ReadScenarioText(const std::string& path, std::string* error)
{
    const auto fail = [&](const std::string& what) -> std::optional<std::string> {
        if (error != nullptr)
        {
            *error = path + ": " + what;
        }
        return std::nullopt;
    };
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        const int why = errno;
        return fail("cannot read the scenario"
                    + (why != 0 ? ": " + std::string(std::strerror(why)) : std::string()));
    }
    // At most kMaxScenarioBytes: a device or a pipe (/dev/zero) is read no further.
    std::string text(kMaxScenarioBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad())
    {
        return fail("cannot read the scenario: read error");
    }
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxScenarioBytes)
    {
        return fail("larger than " + std::to_string(kMaxScenarioBytes / (1024 * 1024))
                    + " MiB: not a scenario file");
    }
    return text;
}

void
LineColumnOf(std::string_view text, size_t offset, int* line, int* column)
{
    LineColOf(text, offset, line, column);
    ++*line;
    ++*column;
}

bool
CheckUtf8(std::string_view text, size_t* badOffset)
{
    size_t i = 0;
    while (i < text.size())
    {
        const auto c = static_cast<unsigned char>(text[i]);
        size_t length = 0;
        uint32_t code = 0;
        if (c < 0x80)
        {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
        {
            length = 2;
            code = c & 0x1F;
        }
        else if ((c & 0xF0) == 0xE0)
        {
            length = 3;
            code = c & 0x0F;
        }
        else if ((c & 0xF8) == 0xF0)
        {
            length = 4;
            code = c & 0x07;
        }
        else
        {
            *badOffset = i;
            return false;
        }
        if (i + length > text.size())
        {
            *badOffset = i;
            return false;
        }
        for (size_t k = 1; k < length; ++k)
        {
            const auto d = static_cast<unsigned char>(text[i + k]);
            if ((d & 0xC0) != 0x80)
            {
                *badOffset = i;
                return false;
            }
            code = (code << 6) | (d & 0x3F);
        }
        // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
        const uint32_t minimum = length == 2 ? 0x80 : (length == 3 ? 0x800 : 0x10000);
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        {
            *badOffset = i;
            return false;
        }
        i += length;
    }
    return true;
}

bool
IsJsonFile(std::string_view path)
{
    return path.size() >= 5 && path.substr(path.size() - 5) == ".json";
}

std::optional<Scenario>
ParseScenario(std::string_view text, std::string_view fileName, bool json, std::string* error)
{
    Scenario scenario;
    const std::string file(fileName);
    const auto failAt = [&](size_t offset, const std::string& message) {
        if (error != nullptr)
        {
            int line = 0;
            int column = 0;
            LineColOf(text, offset, &line, &column);
            *error = file + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": "
                     + message;
        }
        return std::nullopt;
    };
    size_t bad = 0;
    if (!CheckUtf8(text, &bad))
    {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
        return failAt(bad, std::string("byte ") + hex
                               + " is not UTF-8 (a scenario file is UTF-8 text; save it as UTF-8)");
    }
    if (json)
    {
        size_t problemAt = 0;
        std::string problem = JsonSyntaxProblem(text, &problemAt);
        if (problem.empty())
        {
            problem = StrictJsonProblem(text, &problemAt);
        }
        if (!problem.empty())
        {
            return failAt(problemAt, problem);
        }
        google::protobuf::util::JsonParseOptions options;
        options.ignore_unknown_fields = false;
        const auto status
            = google::protobuf::util::JsonStringToMessage(std::string(text), &scenario, options);
        if (status.ok())
        {
            return scenario;
        }
        if (error != nullptr)
        {
            // The library names neither line nor offset; its message may start with the
            // field path ("traffic.calls_per_secnd: Cannot find field.") or quote the culprit.
            // protobuf 3.21 writes "(traffic) calls_per_secnd: Cannot find field.": the
            // enclosing path in parentheses, then the culprit.
            std::string message(status.message());
            size_t at = std::string_view::npos;
            std::string where;
            if (!message.empty() && message[0] == '(')
            {
                const auto close = message.find(") ");
                if (close != std::string::npos)
                {
                    where = message.substr(1, close - 1);
                    where += (where.empty() ? "" : ".") + message.substr(close + 2);
                }
            }
            else
            {
                where = message;
            }
            const auto colon = where.find(": ");
            if (colon != std::string::npos
                && std::all_of(where.begin(), where.begin() + colon, [](char c) {
                       return IsWordChar(c) || c == '.' || c == '[' || c == ']';
                   }))
            {
                std::vector<PathPart> parts;
                size_t offset = 0;
                if (SplitPath(where.substr(0, colon), &parts))
                {
                    if (LocateJson(text, parts, &offset) || offset != 0)
                    {
                        at = offset;
                    }
                }
            }
            if (at == std::string_view::npos)
            {
                for (const auto& word : QuotedWords(message))
                {
                    at = text.find("\"" + word + "\"");
                    if (at != std::string_view::npos)
                    {
                        break;
                    }
                }
            }
            int line = 0;
            int column = 0;
            if (at != std::string_view::npos)
            {
                LineColOf(text, at + 1, &line, &column); // on the word, after its quote
            }
            *error = file + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": "
                     + message;
        }
        return std::nullopt;
    }
    TextFormat::Parser parser;
    TextFormatErrors collector(fileName, text);
    parser.RecordErrorsTo(&collector);
    if (!parser.ParseFromString(std::string(text), &scenario))
    {
        if (error != nullptr)
        {
            *error = collector.Error().empty() ? file + ":1:1: not a sipsim.scenario.Scenario"
                                               : collector.Error();
        }
        return std::nullopt;
    }
    return scenario;
}

std::optional<Scenario>
LoadScenario(const std::string& path, std::string* error)
{
    const auto text = ReadScenarioText(path, error);
    if (!text)
    {
        return std::nullopt;
    }
    return ParseScenario(*text, path, IsJsonFile(path), error);
}

} // namespace scenario
} // namespace sipsim
