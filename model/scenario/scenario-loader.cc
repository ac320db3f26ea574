/*
 * Scenario files: loading with file:line:col errors, --set overrides, checks before a run.
 */
#include "scenario/scenario-loader.h"

#include "profile/device-profile.h"
#include "profile/text-format-errors.h"
#include "scenario/metrics.h"

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
#include <map>
#include <set>
#include <sstream>

namespace sipsim {
namespace scenario {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

bool
IsWordChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

/// Byte offset of a 0-based (line, column) in text.
size_t
OffsetOf(std::string_view text, int line, int column)
{
    size_t offset = 0;
    for (int l = 0; l < line && offset < text.size(); ++l)
    {
        const auto nl = text.find('\n', offset);
        offset = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return std::min(text.size(), offset + static_cast<size_t>(std::max(column, 0)));
}

/// 0-based (line, column) of a byte offset.
void
LineColOf(std::string_view text, size_t offset, int* line, int* column)
{
    offset = std::min(offset, text.size());
    *line = static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
    const auto nl = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
    *column = static_cast<int>(nl == std::string_view::npos ? offset : offset - nl - 1);
}

/// The words a parser message quotes ("... has no field named \"rowz\"").
std::vector<std::string>
QuotedWords(const std::string& message)
{
    std::vector<std::string> words;
    size_t at = 0;
    while (true)
    {
        const auto open = message.find('"', at);
        if (open == std::string::npos)
        {
            break;
        }
        const auto close = message.find('"', open + 1);
        if (close == std::string::npos)
        {
            break;
        }
        if (close > open + 1)
        {
            words.push_back(message.substr(open + 1, close - open - 1));
        }
        at = close + 1;
    }
    return words;
}

/// One component of a field path: "groups[1]" is {groups, 1}, "attributes[Key]" {attributes, Key}.
struct PathPart
{
    std::string name;
    bool hasIndex = false;
    std::string index;
};

bool
SplitPath(std::string_view path, std::vector<PathPart>* parts)
{
    parts->clear();
    size_t at = 0;
    while (at <= path.size())
    {
        PathPart part;
        while (at < path.size() && path[at] != '.' && path[at] != '[')
        {
            part.name += path[at++];
        }
        if (part.name.empty())
        {
            return false;
        }
        if (at < path.size() && path[at] == '[')
        {
            const auto close = path.find(']', at);
            if (close == std::string_view::npos || close == at + 1)
            {
                return false;
            }
            part.hasIndex = true;
            part.index = std::string(path.substr(at + 1, close - at - 1));
            at = close + 1;
        }
        parts->push_back(part);
        if (at == path.size())
        {
            return true;
        }
        if (path[at] != '.')
        {
            return false;
        }
        ++at;
    }
    return false;
}

bool
ParseIndex(const std::string& text, int* index)
{
    if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        }))
    {
        return false;
    }
    *index = std::atoi(text.c_str());
    return true;
}

const FieldDescriptor*
FindField(const Descriptor* d, const std::string& name)
{
    const auto* field = d->FindFieldByName(name);
    return field != nullptr ? field : d->FindFieldByCamelcaseName(name);
}

/**
 * Sets a scalar field from text: index -1 sets a singular field, -2 adds to a repeated one,
 * otherwise sets that element.
 */
bool
SetScalar(Message* msg, const FieldDescriptor* field, int index, const std::string& text,
          std::string* why)
{
    const Reflection* r = msg->GetReflection();
    const bool add = index == -2;
    const bool single = index == -1;
    const auto bad = [&](const std::string& what) {
        *why = "'" + text + "' is not " + what;
        return false;
    };
    errno = 0;
    char* end = nullptr;
    switch (field->cpp_type())
    {
        case FieldDescriptor::CPPTYPE_DOUBLE:
        case FieldDescriptor::CPPTYPE_FLOAT:
        {
            const double v = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v))
            {
                return bad("a number");
            }
            if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE)
            {
                single ? r->SetDouble(msg, field, v)
                       : (add ? r->AddDouble(msg, field, v)
                              : r->SetRepeatedDouble(msg, field, index, v));
            }
            else
            {
                const auto f = static_cast<float>(v);
                single ? r->SetFloat(msg, field, f)
                       : (add ? r->AddFloat(msg, field, f)
                              : r->SetRepeatedFloat(msg, field, index, f));
            }
            return true;
        }
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
        {
            const long long v = std::strtoll(text.c_str(), &end, 10);
            const bool is32 = field->cpp_type() == FieldDescriptor::CPPTYPE_INT32;
            if (text.empty() || *end != '\0' || errno != 0
                || (is32 && (v < INT32_MIN || v > INT32_MAX)))
            {
                return bad(is32 ? "a 32-bit integer" : "an integer");
            }
            if (is32)
            {
                const auto i = static_cast<int32_t>(v);
                single ? r->SetInt32(msg, field, i)
                       : (add ? r->AddInt32(msg, field, i)
                              : r->SetRepeatedInt32(msg, field, index, i));
            }
            else
            {
                const auto i = static_cast<int64_t>(v);
                single ? r->SetInt64(msg, field, i)
                       : (add ? r->AddInt64(msg, field, i)
                              : r->SetRepeatedInt64(msg, field, index, i));
            }
            return true;
        }
        case FieldDescriptor::CPPTYPE_UINT32:
        case FieldDescriptor::CPPTYPE_UINT64:
        {
            const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
            const bool is32 = field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32;
            if (text.empty() || text[0] == '-' || text[0] == '+' || *end != '\0' || errno != 0
                || (is32 && v > UINT32_MAX))
            {
                return bad(is32 ? "a non-negative 32-bit integer" : "a non-negative integer");
            }
            if (is32)
            {
                const auto u = static_cast<uint32_t>(v);
                single ? r->SetUInt32(msg, field, u)
                       : (add ? r->AddUInt32(msg, field, u)
                              : r->SetRepeatedUInt32(msg, field, index, u));
            }
            else
            {
                const auto u = static_cast<uint64_t>(v);
                single ? r->SetUInt64(msg, field, u)
                       : (add ? r->AddUInt64(msg, field, u)
                              : r->SetRepeatedUInt64(msg, field, index, u));
            }
            return true;
        }
        case FieldDescriptor::CPPTYPE_BOOL:
        {
            if (text != "true" && text != "false")
            {
                return bad("true or false");
            }
            const bool b = text == "true";
            single ? r->SetBool(msg, field, b)
                   : (add ? r->AddBool(msg, field, b) : r->SetRepeatedBool(msg, field, index, b));
            return true;
        }
        case FieldDescriptor::CPPTYPE_ENUM:
        {
            const auto* e = field->enum_type();
            const auto* value = e->FindValueByName(text);
            if (value == nullptr)
            {
                std::string names;
                for (int i = 0; i < e->value_count(); ++i)
                {
                    names += (i == 0 ? "" : ", ") + e->value(i)->name();
                }
                *why = "no value '" + text + "' in enum " + e->full_name() + " (" + names + ")";
                return false;
            }
            single ? r->SetEnum(msg, field, value)
                   : (add ? r->AddEnum(msg, field, value)
                          : r->SetRepeatedEnum(msg, field, index, value));
            return true;
        }
        case FieldDescriptor::CPPTYPE_STRING:
            single ? r->SetString(msg, field, text)
                   : (add ? r->AddString(msg, field, text)
                          : r->SetRepeatedString(msg, field, index, text));
            return true;
        default:
            *why = "is a message: set one of its fields";
            return false;
    }
}

/// Skips whitespace in JSON text.
size_t
SkipJsonSpace(std::string_view text, size_t at)
{
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
    {
        ++at;
    }
    return at;
}

/// Skips one JSON value starting at `at` (after whitespace); returns the offset after it.
size_t
SkipJsonValue(std::string_view text, size_t at)
{
    at = SkipJsonSpace(text, at);
    int depth = 0;
    bool inString = false;
    for (; at < text.size(); ++at)
    {
        const char c = text[at];
        if (inString)
        {
            if (c == '\\')
            {
                ++at;
            }
            else if (c == '"')
            {
                inString = false;
                if (depth == 0)
                {
                    return at + 1;
                }
            }
            continue;
        }
        if (c == '"')
        {
            inString = true;
        }
        else if (c == '{' || c == '[')
        {
            ++depth;
        }
        else if (c == '}' || c == ']')
        {
            if (depth == 0)
            {
                return at;
            }
            if (--depth == 0)
            {
                return at + 1;
            }
        }
        else if (c == ',' && depth == 0)
        {
            return at;
        }
    }
    return at;
}

/// Finds the key "name" (followed by ':') at or after `from` in JSON text.
size_t
FindJsonKey(std::string_view text, const std::string& name, size_t from)
{
    const std::string quoted = "\"" + name + "\"";
    for (size_t at = text.find(quoted, from); at != std::string_view::npos;
         at = text.find(quoted, at + 1))
    {
        const auto after = SkipJsonSpace(text, at + quoted.size());
        if (after < text.size() && text[after] == ':')
        {
            return at;
        }
    }
    return std::string_view::npos;
}

/// Offset of the field path in JSON text (of the deepest part found); true when all were.
bool
LocateJson(std::string_view text, const std::vector<PathPart>& parts, size_t* offset)
{
    size_t pos = 0;
    size_t i = 0;
    for (; i < parts.size(); ++i)
    {
        const auto& part = parts[i];
        auto key = FindJsonKey(text, part.name, pos);
        if (key == std::string::npos)
        {
            // proto3 JSON names are lowerCamelCase; the parser accepts both.
            std::string camel;
            bool up = false;
            for (char c : part.name)
            {
                if (c == '_')
                {
                    up = true;
                    continue;
                }
                camel += up ? static_cast<char>(std::toupper(c)) : c;
                up = false;
            }
            key = FindJsonKey(text, camel, pos);
        }
        if (key == std::string::npos)
        {
            break;
        }
        *offset = pos = key;
        if (part.hasIndex)
        {
            int index = 0;
            if (!ParseIndex(part.index, &index))
            {
                // A map key.
                const auto k = FindJsonKey(text, part.index, pos);
                if (k == std::string::npos)
                {
                    break;
                }
                *offset = pos = k;
                continue;
            }
            size_t at = SkipJsonSpace(text, text.find(':', key) + 1);
            if (at >= text.size() || text[at] != '[')
            {
                break;
            }
            ++at;
            for (int e = 0; e < index && at < text.size(); ++e)
            {
                at = SkipJsonValue(text, at);
                if (at >= text.size() || text[at] != ',')
                {
                    at = std::string::npos;
                    break;
                }
                ++at;
            }
            if (at == std::string::npos)
            {
                break;
            }
            *offset = pos = SkipJsonSpace(text, at);
        }
    }
    return i == parts.size();
}

/**
 * What protobuf's JSON parser lets through and a JSON file must not have: a key twice in one
 * object (the later value would silently win) and a comma before a closing bracket. Returns
 * "" when there is neither; otherwise the problem, with `*offset` at it. Other syntax errors
 * are left to the parser.
 */
std::string
StrictJsonProblem(std::string_view text, size_t* offset)
{
    struct Level
    {
        bool object;
        std::set<std::string> keys;
        bool expectKey;
    };
    std::vector<Level> stack;
    size_t lastComma = std::string_view::npos;
    size_t i = 0;
    while (i < text.size())
    {
        const char c = text[i];
        if (c == '"')
        {
            const size_t start = i;
            std::string value;
            ++i;
            while (i < text.size() && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.size())
                {
                    value += text[i];
                    ++i;
                }
                value += text[i];
                ++i;
            }
            ++i;
            const size_t after = SkipJsonSpace(text, i);
            if (!stack.empty() && stack.back().object && stack.back().expectKey
                && after < text.size() && text[after] == ':')
            {
                if (!stack.back().keys.insert(value).second)
                {
                    *offset = start;
                    return "key \"" + value + "\" appears twice in the same object";
                }
                stack.back().expectKey = false;
            }
            lastComma = std::string_view::npos;
            continue;
        }
        if (c == '{' || c == '[')
        {
            stack.push_back({c == '{', {}, c == '{'});
            lastComma = std::string_view::npos;
        }
        else if (c == '}' || c == ']')
        {
            if (lastComma != std::string_view::npos)
            {
                *offset = lastComma;
                return "a comma before '" + std::string(1, c) + "' (JSON allows no trailing comma)";
            }
            if (!stack.empty())
            {
                stack.pop_back();
            }
        }
        else if (c == ',')
        {
            lastComma = i;
            if (!stack.empty() && stack.back().object)
            {
                stack.back().expectKey = true;
            }
            ++i;
            continue;
        }
        else if (!std::isspace(static_cast<unsigned char>(c)))
        {
            lastComma = std::string_view::npos;
        }
        ++i;
    }
    return "";
}

bool
IsProbability(double p)
{
    return p >= 0.0 && p <= 1.0;
}

std::string
RoleName(Role role)
{
    return Role_IsValid(role) ? Role_Name(role) : "role " + std::to_string(role);
}

} // namespace

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
        const std::string problem = StrictJsonProblem(text, &problemAt);
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

bool
ApplyOverride(Scenario* s, std::string_view assignment, std::string* error)
{
    const auto eq = assignment.find('=');
    const std::string path(assignment.substr(0, eq));
    const auto fail = [&](const std::string& what) {
        if (error != nullptr)
        {
            *error = "--set " + path + ": " + what;
        }
        return false;
    };
    if (eq == std::string_view::npos)
    {
        return fail("expected path=value");
    }
    const std::string value(assignment.substr(eq + 1));
    std::vector<PathPart> parts;
    if (!SplitPath(path, &parts))
    {
        return fail("not a field path (write traffic.calls_per_second, groups[1].phones.count)");
    }
    Message* msg = s;
    for (size_t i = 0; i < parts.size(); ++i)
    {
        const auto& part = parts[i];
        const bool last = i + 1 == parts.size();
        const Descriptor* d = msg->GetDescriptor();
        const Reflection* r = msg->GetReflection();
        const FieldDescriptor* field = FindField(d, part.name);
        if (field == nullptr)
        {
            return fail("no field " + part.name + " in " + d->full_name());
        }
        std::string why;
        if (field->is_map())
        {
            if (!part.hasIndex)
            {
                return fail(part.name + " is a map: write " + part.name + "[KEY]=VALUE");
            }
            const auto* keyField = field->message_type()->map_key();
            const auto* valueField = field->message_type()->map_value();
            Message* entry = nullptr;
            for (int e = 0; e < r->FieldSize(*msg, field); ++e)
            {
                Message* candidate = r->MutableRepeatedMessage(msg, field, e);
                if (candidate->GetReflection()->GetString(*candidate, keyField) == part.index)
                {
                    entry = candidate;
                }
            }
            if (entry == nullptr)
            {
                entry = r->AddMessage(msg, field);
                if (!SetScalar(entry, keyField, -1, part.index, &why))
                {
                    return fail(why);
                }
            }
            if (last)
            {
                if (valueField->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
                {
                    return fail("is a message: set one of its fields");
                }
                return SetScalar(entry, valueField, -1, value, &why) || fail(why);
            }
            if (valueField->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)
            {
                return fail(part.name + "[" + part.index + "] is not a message");
            }
            msg = entry->GetReflection()->MutableMessage(entry, valueField);
            continue;
        }
        if (field->is_repeated())
        {
            const int size = r->FieldSize(*msg, field);
            int index = -1;
            if (part.hasIndex && !ParseIndex(part.index, &index))
            {
                return fail("'" + part.index + "' is not an index");
            }
            if (part.hasIndex && index > size)
            {
                return fail(part.name + "[" + part.index + "]: index out of range ("
                            + std::to_string(size) + " elements; " + std::to_string(size)
                            + " appends one)");
            }
            if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
            {
                if (!part.hasIndex)
                {
                    return fail(part.name + " is a list: give an index, " + part.name + "[0]");
                }
                if (last)
                {
                    return fail("is a message: set one of its fields");
                }
                msg = index == size ? r->AddMessage(msg, field)
                                    : r->MutableRepeatedMessage(msg, field, index);
                continue;
            }
            if (!last)
            {
                return fail(part.name + " is not a message");
            }
            if (part.hasIndex)
            {
                return SetScalar(msg, field, index == size ? -2 : index, value, &why) || fail(why);
            }
            r->ClearField(msg, field);
            size_t at = 0;
            while (!value.empty() && at <= value.size())
            {
                const auto comma = value.find(',', at);
                const auto item
                    = value.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
                if (!SetScalar(msg, field, -2, item, &why))
                {
                    return fail(why);
                }
                if (comma == std::string::npos)
                {
                    break;
                }
                at = comma + 1;
            }
            return true;
        }
        if (part.hasIndex)
        {
            return fail(part.name + " is not a list");
        }
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
        {
            if (last)
            {
                return fail("is a message: set one of its fields");
            }
            msg = r->MutableMessage(msg, field);
            continue;
        }
        if (!last)
        {
            return fail(part.name + " is not a message");
        }
        return SetScalar(msg, field, -1, value, &why) || fail(why);
    }
    return true;
}

const std::vector<std::string>&
KnownMetrics()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& m : Metrics())
        {
            out.push_back(m.name);
        }
        return out;
    }();
    return names;
}

namespace {

/// Splits "12.5ms" into 12.5 and "ms"; false when there is no leading number.
bool
SplitNumber(std::string_view text, double* number, std::string* unit)
{
    const std::string s(text);
    errno = 0;
    char* end = nullptr;
    *number = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || errno != 0 || !std::isfinite(*number)
        || (!s.empty() && (s[0] == ' ' || s[0] == '\t')))
    {
        return false;
    }
    *unit = std::string(end);
    return true;
}

} // namespace

bool
ParseDelay(std::string_view text, double* seconds)
{
    double number = 0;
    std::string unit;
    if (!SplitNumber(text, &number, &unit) || number < 0)
    {
        return false;
    }
    static const std::map<std::string, double> units{
        {"s", 1.0},    {"ms", 1e-3},  {"us", 1e-6},  {"ns", 1e-9},   {"ps", 1e-12},
        {"fs", 1e-15}, {"min", 60.0}, {"h", 3600.0}, {"d", 86400.0}, {"y", 31536000.0}};
    const auto it = units.find(unit);
    if (it == units.end())
    {
        return false;
    }
    *seconds = number * it->second;
    return true;
}

bool
ParseRate(std::string_view text, double* bitsPerSecond)
{
    double number = 0;
    std::string unit;
    if (!SplitNumber(text, &number, &unit) || number <= 0)
    {
        return false;
    }
    // ns-3 DataRate: [k|K|M|G][i](b|B)(ps|/s); "Kib" etc. are powers of 1024.
    size_t at = 0;
    double scale = 1.0;
    if (at < unit.size()
        && (unit[at] == 'k' || unit[at] == 'K' || unit[at] == 'M' || unit[at] == 'G'))
    {
        const char prefix = unit[at++];
        const bool binary = at < unit.size() && unit[at] == 'i';
        if (binary)
        {
            ++at;
        }
        const double base = binary ? 1024.0 : 1000.0;
        scale = prefix == 'M' ? base * base : (prefix == 'G' ? base * base * base : base);
    }
    if (at >= unit.size() || (unit[at] != 'b' && unit[at] != 'B'))
    {
        return false;
    }
    const double bits = unit[at] == 'B' ? 8.0 : 1.0;
    const auto rest = unit.substr(at + 1);
    if (rest != "ps" && rest != "/s")
    {
        return false;
    }
    *bitsPerSecond = number * scale * bits;
    return true;
}

namespace {

/// The checks of ValidateScenario, with positions from the file's text.
class Validator
{
  public:
    Validator(const Scenario& s, const std::string& text, const std::string& fileName)
        : m_s(s)
        , m_text(text)
        , m_file(fileName)
        , m_json(IsJsonFile(fileName))
    {
        if (!m_json)
        {
            Scenario reparsed;
            TextFormat::Parser parser;
            parser.WriteLocationsTo(&m_tree);
            m_treeOk = parser.ParseFromString(text, &reparsed);
        }
    }

    std::vector<Diagnostic> Run()
    {
        CheckTop();
        CheckTopology();
        CheckGroups();
        CheckTraffic();
        CheckFaults();
        CheckExpectations();
        std::stable_sort(m_out.begin(), m_out.end(), [](const Diagnostic& a, const Diagnostic& b) {
            return a.line != b.line ? a.line < b.line : a.col < b.col;
        });
        return m_out;
    }

    /// One diagnostic at the field at path (what Error would report).
    Diagnostic At(const std::string& path, const std::string& message, const std::string& quoted)
    {
        Error(path, message, quoted);
        Diagnostic d = m_out.back();
        m_out.pop_back();
        return d;
    }

  private:
    /// Reports a problem with the field at path; quoted: the value to point at (a reference).
    void Error(const std::string& path, const std::string& message, const std::string& quoted = "")
    {
        Diagnostic d;
        d.file = m_file;
        d.path = path;
        d.message = (path.empty() ? "" : path + ": ") + message;
        size_t offset = 0;
        const bool found = Locate(path, quoted, &offset);
        int line = 0;
        int column = 0;
        LineColOf(m_text, offset, &line, &column);
        (void) found;
        d.line = line + 1;
        d.col = column + 1;
        m_out.push_back(d);
    }

    /**
     * Offset of the field at path in the file (of the quoted value after it when given); when
     * the field is not in the file (a default, or set by --set), the nearest enclosing field
     * that is, or the start of the file.
     */
    bool Locate(const std::string& path, const std::string& quoted, size_t* offset) const
    {
        std::vector<PathPart> parts;
        if (path.empty() || !SplitPath(path, &parts))
        {
            return false;
        }
        bool complete = false;
        if (m_json)
        {
            complete = LocateJson(m_text, parts, offset);
        }
        else
        {
            if (!m_treeOk)
            {
                return false;
            }
            const TextFormat::ParseInfoTree* tree = &m_tree;
            const Descriptor* d = Scenario::descriptor();
            size_t i = 0;
            for (; i < parts.size() && tree != nullptr && d != nullptr; ++i)
            {
                const auto& part = parts[i];
                const auto* field = FindField(d, part.name);
                if (field == nullptr)
                {
                    break;
                }
                int index = field->is_repeated() ? 0 : -1;
                const bool mapKey = field->is_map() && part.hasIndex;
                if (part.hasIndex && !mapKey && !ParseIndex(part.index, &index))
                {
                    break;
                }
                const auto loc = tree->GetLocation(field, index);
                if (loc.line < 0)
                {
                    break;
                }
                *offset = OffsetOf(m_text, loc.line, loc.column);
                if (mapKey)
                {
                    const auto k = m_text.find("\"" + part.index + "\"", *offset);
                    if (k == std::string::npos)
                    {
                        break;
                    }
                    *offset = k;
                    ++i;
                    break; // map values here are strings
                }
                if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
                {
                    tree = tree->GetTreeForNested(field, index);
                    d = field->message_type();
                }
            }
            complete = i == parts.size();
        }
        if (complete && !quoted.empty())
        {
            const auto at = m_text.find("\"" + quoted + "\"", *offset);
            if (at != std::string::npos)
            {
                *offset = at;
            }
        }
        return complete;
    }

    static std::string At(const std::string& path, int index)
    {
        return path + "[" + std::to_string(index) + "]";
    }

    const TopologyNode* Node(const std::string& name) const
    {
        const auto it = m_nodes.find(name);
        return it == m_nodes.end() ? nullptr : it->second;
    }

    /// Checks a reference to a node; role ROLE_UNSPECIFIED accepts any role.
    void CheckNodeRef(const std::string& path, const std::string& name, Role role,
                      const std::string& what = "node")
    {
        if (name.empty())
        {
            Error(path, "no " + what + " given");
            return;
        }
        const auto* node = Node(name);
        if (node == nullptr)
        {
            if (!m_dotTopology)
            {
                Error(path, "unknown node '" + name + "' (not in topology.nodes)", name);
            }
            return;
        }
        if (role != ROLE_UNSPECIFIED && node->role() != role)
        {
            Error(path,
                  "node '" + name + "' is " + RoleName(node->role()) + ", not " + RoleName(role),
                  name);
        }
    }

    void CheckProbability(const std::string& path, double p)
    {
        if (!IsProbability(p))
        {
            Error(path, "must be a probability in [0, 1], not " + Number(p));
        }
    }

    void CheckNonNegative(const std::string& path, double v)
    {
        if (!(v >= 0.0) || !std::isfinite(v))
        {
            Error(path, "must be >= 0, not " + Number(v));
        }
    }

    static std::string Number(double v)
    {
        std::ostringstream os;
        os << v;
        return os.str();
    }

    /// A distribution: set when required, parameters sound when set.
    void CheckDistribution(const std::string& path, const Distribution& d, bool required,
                           bool present)
    {
        if (!present || d.kind_case() == Distribution::KIND_NOT_SET)
        {
            if (required)
            {
                Error(path, "required: set constant, exponential_mean, lognormal or uniform");
            }
            return;
        }
        switch (d.kind_case())
        {
            case Distribution::kConstant:
                CheckSeconds(path + ".constant", d.constant());
                break;
            case Distribution::kExponentialMean:
                if (!(d.exponential_mean() > 0.0))
                {
                    Error(path + ".exponential_mean",
                          "must be > 0, not " + Number(d.exponential_mean()));
                }
                else
                {
                    CheckSeconds(path + ".exponential_mean", d.exponential_mean());
                }
                break;
            case Distribution::kLognormal:
                if (!(d.lognormal().sigma() > 0.0))
                {
                    Error(path + ".lognormal.sigma",
                          "must be > 0, not " + Number(d.lognormal().sigma()));
                }
                break;
            case Distribution::kUniform:
                CheckSeconds(path + ".uniform.min", d.uniform().min());
                CheckSeconds(path + ".uniform.max", d.uniform().max());
                if (d.uniform().max() < d.uniform().min())
                {
                    Error(path + ".uniform.max", "must be >= min (" + Number(d.uniform().min())
                                                     + "), not " + Number(d.uniform().max()));
                }
                break;
            default:
                break;
        }
    }

    void CheckCapacity(const std::string& path, const Capacity& c)
    {
        CheckDistribution(path + ".invite_time", c.invite_time(), false, c.has_invite_time());
        CheckDistribution(path + ".request_time", c.request_time(), false, c.has_request_time());
        CheckDistribution(path + ".response_time", c.response_time(), false, c.has_response_time());
        CheckDistribution(path + ".reject_time", c.reject_time(), false, c.has_reject_time());
        CheckDistribution(path + ".retransmission_time", c.retransmission_time(), false,
                          c.has_retransmission_time());
        CheckDistribution(path + ".auth_time", c.auth_time(), false, c.has_auth_time());
        if (c.policy() == REJECT_503 && c.reject_threshold() == 0)
        {
            Error(path + ".reject_threshold", "REJECT_503 needs a reject_threshold > 0");
        }
        if (c.queue_limit() != 0 && c.reject_threshold() > c.queue_limit())
        {
            Error(path + ".reject_threshold", "is above queue_limit ("
                                                  + std::to_string(c.queue_limit())
                                                  + "): 503 would never be sent");
        }
    }

    /// A time in seconds: >= 0 and at most kMaxScenarioSeconds.
    void CheckSeconds(const std::string& path, double v)
    {
        if (!(v >= 0.0) || !std::isfinite(v))
        {
            Error(path, "must be >= 0, not " + Number(v));
        }
        else if (v > kMaxScenarioSeconds)
        {
            Error(path, "must be at most " + Number(kMaxScenarioSeconds)
                            + " s (about 115 days of simulated time), not " + Number(v));
        }
    }

    /// A rate per second: >= 0 and at most kMaxRatePerSecond.
    void CheckRate(const std::string& path, double v)
    {
        CheckNonNegative(path, v);
        if (v > kMaxRatePerSecond)
        {
            Error(path,
                  "must be at most " + Number(kMaxRatePerSecond) + " per second, not " + Number(v));
        }
    }

    void CheckTop()
    {
        if (!(m_s.duration_s() > 0.0) || !std::isfinite(m_s.duration_s()))
        {
            Error("duration_s", "the run needs a duration > 0 (seconds)");
        }
        else
        {
            CheckSeconds("duration_s", m_s.duration_s());
        }
        CheckNonNegative("warmup_s", m_s.warmup_s());
        if (m_s.duration_s() > 0.0 && m_s.warmup_s() >= m_s.duration_s())
        {
            Error("warmup_s", "the warm-up (" + Number(m_s.warmup_s())
                                  + " s) must end before the run does (duration_s "
                                  + Number(m_s.duration_s()) + ")");
        }
        const auto& t = m_s.timers();
        CheckSeconds("timers.t1_s", t.t1_s());
        CheckSeconds("timers.t2_s", t.t2_s());
        CheckSeconds("timers.t4_s", t.t4_s());
        CheckSeconds("timers.timer_c_s", t.timer_c_s());
        if (t.timer_c_s() > 0.0 && t.timer_c_s() <= 180.0)
        {
            Error("timers.timer_c_s", "Timer C must be more than 3 minutes (RFC 3261 16.6 step "
                                      "11): more than 180, not "
                                          + Number(t.timer_c_s()));
        }
        CheckSeconds("timers.invite_expires_s", t.invite_expires_s());
        if (t.t1_s() > 0.0 && t.t2_s() > 0.0 && t.t2_s() < t.t1_s())
        {
            Error("timers.t2_s", "T2 must not be below T1 (RFC 3261 17.1.2.2)");
        }
        const double interval = m_s.outputs().sample_interval_s();
        CheckSeconds("outputs.sample_interval_s", interval);
        if (interval > 0.0 && interval < kMinSampleInterval)
        {
            Error("outputs.sample_interval_s", "must be 0 (no samples) or at least "
                                                   + Number(kMinSampleInterval) + " s, not "
                                                   + Number(interval));
        }
        else if (interval > 0.0 && m_s.duration_s() / interval > kMaxSamples)
        {
            Error("outputs.sample_interval_s",
                  "gives more than " + Number(kMaxSamples)
                      + " samples per node over duration_s: take a longer interval");
        }
    }

    void CheckTopology()
    {
        const auto& topo = m_s.topology();
        m_dotTopology = !topo.dot_file().empty();
        if (m_dotTopology)
        {
            const auto slash = m_file.rfind('/');
            const std::string dir = slash == std::string::npos ? "" : m_file.substr(0, slash + 1);
            const std::string dot
                = topo.dot_file()[0] == '/' ? topo.dot_file() : dir + topo.dot_file();
            if (!std::ifstream(dot).good())
            {
                Error("topology.dot_file", "cannot read '" + dot + "'", topo.dot_file());
            }
        }
        else if (topo.nodes_size() == 0)
        {
            Error("topology", "no nodes (write topology.nodes or topology.dot_file)");
        }
        for (int i = 0; i < topo.nodes_size(); ++i)
        {
            const auto& n = topo.nodes(i);
            const std::string path = At("topology.nodes", i);
            if (n.name().empty())
            {
                Error(path + ".name", "a node needs a name");
                continue;
            }
            if (!m_nodes.emplace(n.name(), &n).second)
            {
                Error(path + ".name", "node '" + n.name() + "' is defined twice", n.name());
            }
            if (!Role_IsValid(n.role()))
            {
                Error(path + ".role", "unknown role " + std::to_string(n.role())
                                          + " (PHONES, PROXY, GATEWAY or ROUTER)");
            }
            else if (n.role() == ROLE_UNSPECIFIED)
            {
                Error(path + ".role",
                      "node '" + n.name() + "' needs a role (PHONES, PROXY, GATEWAY or ROUTER)");
            }
            if ((n.role() == PHONES || n.role() == PROXY) && n.domain().empty())
            {
                Error(path + ".domain", "a " + RoleName(n.role()) + " node needs a SIP domain");
            }
            if (!n.profile().empty())
            {
                CheckProfile(path + ".profile", n);
            }
        }
        for (int i = 0; i < topo.links_size(); ++i)
        {
            const auto& l = topo.links(i);
            const std::string path = At("topology.links", i);
            CheckNodeRef(path + ".a", l.a(), ROLE_UNSPECIFIED, "endpoint a");
            CheckNodeRef(path + ".b", l.b(), ROLE_UNSPECIFIED, "endpoint b");
            if (!l.a().empty() && l.a() == l.b())
            {
                Error(path + ".b", "a link cannot connect node '" + l.a() + "' to itself", l.b());
            }
            double v = 0;
            if (!l.delay().empty() && !ParseDelay(l.delay(), &v))
            {
                Error(path + ".delay",
                      "'" + l.delay() + "' is not a delay (write \"5ms\", \"100us\", \"1s\")",
                      l.delay());
            }
            if (!l.rate().empty() && !ParseRate(l.rate(), &v))
            {
                Error(path + ".rate",
                      "'" + l.rate() + "' is not a data rate (write \"100Mbps\", \"1Gbps\")",
                      l.rate());
            }
            CheckProbability(path + ".loss", l.loss());
            m_links.insert(LinkKey(l.a(), l.b()));
        }
    }

    void CheckProfile(const std::string& path, const TopologyNode& n)
    {
        if (n.role() == ROUTER)
        {
            Error(path, "a ROUTER runs no SIP: it has no profile", n.profile());
            return;
        }
        if (profile::FindProfileFile(n.profile()).empty())
        {
            Error(path,
                  "profile '" + n.profile()
                      + "' not found (looked in $SIPSIM_PROFILE_PATH and the profiles folders)",
                  n.profile());
            return;
        }
        std::string error;
        const auto loaded = profile::LoadProfileByName(n.profile(), &error);
        if (!loaded)
        {
            Error(path, "profile '" + n.profile() + "' does not load: " + error, n.profile());
            return;
        }
        const profile::DeviceKind want = n.role() == PHONES    ? profile::PHONE
                                         : n.role() == GATEWAY ? profile::GATEWAY
                                         : n.role() == PROXY   ? profile::PROXY
                                                               : profile::DEVICE_KIND_UNSPECIFIED;
        if (want != profile::DEVICE_KIND_UNSPECIFIED && loaded->kind() != want)
        {
            Error(path,
                  "profile '" + n.profile() + "' is a " + profile::DeviceKind_Name(loaded->kind())
                      + " profile; node '" + n.name() + "' is " + RoleName(n.role()),
                  n.profile());
        }
    }

    static std::pair<std::string, std::string> LinkKey(const std::string& a, const std::string& b)
    {
        return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
    }

    void CheckGroups()
    {
        std::map<std::string, int> seen;
        for (int i = 0; i < m_s.groups_size(); ++i)
        {
            const auto& g = m_s.groups(i);
            const std::string path = At("groups", i);
            CheckNodeRef(path + ".node", g.node(), ROLE_UNSPECIFIED);
            if (!g.node().empty() && !seen.emplace(g.node(), i).second)
            {
                Error(path + ".node",
                      "node '" + g.node() + "' already has a group (groups["
                          + std::to_string(seen[g.node()]) + "])",
                      g.node());
            }
            const int parts
                = (g.has_phones() ? 1 : 0) + (g.has_proxy() ? 1 : 0) + (g.has_gateway() ? 1 : 0);
            const auto* node = Node(g.node());
            if (parts != 1)
            {
                Error(path, "set exactly one of phones, proxy and gateway");
            }
            else if (node != nullptr)
            {
                const Role want = g.has_phones() ? PHONES : (g.has_proxy() ? PROXY : GATEWAY);
                if (node->role() != want)
                {
                    const char* part
                        = g.has_phones() ? "phones" : (g.has_proxy() ? "proxy" : "gateway");
                    Error(path + "." + part, "node '" + g.node() + "' is " + RoleName(node->role())
                                                 + ": " + part + " needs a " + RoleName(want)
                                                 + " node");
                }
            }
            if (g.has_phones())
            {
                CheckPhones(path + ".phones", g.phones(), node);
            }
            if (g.has_proxy())
            {
                CheckProxy(path + ".proxy", g.proxy());
            }
            if (g.has_gateway())
            {
                CheckGateway(path + ".gateway", g.gateway());
            }
            for (const auto& [name, value] : g.attributes())
            {
                if (name.empty())
                {
                    Error(path + ".attributes", "an attribute needs a name");
                }
                (void) value;
            }
        }
    }

    void CheckPhones(const std::string& path, const PhoneGroup& p, const TopologyNode* node)
    {
        if (p.count() == 0)
        {
            Error(path + ".count", "a phone group needs count > 0");
        }
        m_phones += p.count();
        if (p.count() > 0 && p.first_user() > UINT32_MAX - (p.count() - 1))
        {
            Error(path + ".first_user", "first_user + count - 1 passes 4294967295: user numbers "
                                        "would wrap");
        }
        if (p.count() > 0 && m_phones > kMaxPhones && m_phones - p.count() <= kMaxPhones)
        {
            Error(path + ".count", "the scenario's phones add up to more than "
                                       + std::to_string(kMaxPhones)
                                       + ", more than one machine's memory holds (about 3 kB "
                                         "each)");
        }
        CheckSeconds(path + ".register_expires_s", p.register_expires_s());
        CheckSeconds(path + ".options_interval_s", p.options_interval_s());
        CheckSeconds(path + ".register_retry_s", p.register_retry_s());
        if (!Transport_IsValid(p.transport()))
        {
            Error(path + ".transport",
                  "unknown transport " + std::to_string(p.transport()) + " (UDP or TCP)");
        }
        if (p.has_contact_q()
            && (!IsProbability(p.contact_q())
                || std::fabs(p.contact_q() * 1000 - std::round(p.contact_q() * 1000)) > 1e-6))
        {
            Error(path + ".contact_q",
                  "a q-value is in [0, 1] with at most three decimals (RFC 3261 25.1), not "
                      + Number(p.contact_q()));
        }
        if (p.register_() && node != nullptr && !m_dotTopology)
        {
            bool registrar = false;
            for (const auto& [name, n] : m_nodes)
            {
                registrar = registrar || (n->role() == PROXY && n->domain() == node->domain());
            }
            if (!registrar)
            {
                Error(path + ".register",
                      "no PROXY node in domain '" + node->domain() + "' to register with");
            }
        }
        const auto& u = p.user();
        CheckProbability(path + ".user.answer_probability", u.answer_probability());
        CheckDistribution(path + ".user.answer_delay", u.answer_delay(), false,
                          u.has_answer_delay());
        CheckDistribution(path + ".user.holding", u.holding(), false, u.has_holding());
        CheckSeconds(path + ".user.cancel_after_s", u.cancel_after_s());
    }

    void CheckProxy(const std::string& path, const ProxyGroup& p)
    {
        if (p.redirect() && p.sequential_forking())
        {
            Error(path + ".sequential_forking", "a redirect server does not fork");
        }
        for (int r = 0; r < p.routes_size(); ++r)
        {
            const auto& route = p.routes(r);
            const std::string rp = At(path + ".routes", r);
            if (route.domain().empty())
            {
                Error(rp + ".domain", "a route needs a domain (or \"*\")");
            }
            CheckNodeRef(rp + ".next_hop_node", route.next_hop_node(), ROLE_UNSPECIFIED,
                         "next_hop_node");
            const auto* hop = Node(route.next_hop_node());
            if (hop != nullptr && (hop->role() == PHONES || hop->role() == ROUTER))
            {
                Error(rp + ".next_hop_node",
                      "node '" + hop->name() + "' is " + RoleName(hop->role())
                          + ": a next hop is a PROXY or GATEWAY",
                      hop->name());
            }
        }
        for (const auto& [user, password] : p.users())
        {
            if (user.empty())
            {
                Error(path + ".users", "a user needs a name");
            }
            (void) password;
        }
        std::set<int> algorithms;
        for (int i = 0; i < p.digest_algorithms_size(); ++i)
        {
            const int a = p.digest_algorithms(i);
            if (!DigestAlgorithm_IsValid(a))
            {
                Error(At(path + ".digest_algorithms", i),
                      "unknown digest algorithm " + std::to_string(a) + " (MD5 or SHA_256)");
            }
            else if (!algorithms.insert(a).second)
            {
                Error(At(path + ".digest_algorithms", i),
                      DigestAlgorithm_Name(static_cast<DigestAlgorithm>(a)) + " is listed twice");
            }
        }
        if (p.has_capacity())
        {
            CheckCapacity(path + ".capacity", p.capacity());
        }
    }

    void CheckGateway(const std::string& path, const GatewayGroup& g)
    {
        if (g.channels() == 0)
        {
            Error(path + ".channels", "a gateway needs channels > 0");
        }
        if (g.full_status() != 0 && g.full_status() != 503 && g.full_status() != 486)
        {
            Error(path + ".full_status",
                  "is the response to a call when every channel is busy: 503 or 486");
        }
        CheckProbability(path + ".pstn_answer_probability", g.pstn_answer_probability());
        CheckProbability(path + ".pstn_busy_probability", g.pstn_busy_probability());
        if (IsProbability(g.pstn_answer_probability()) && IsProbability(g.pstn_busy_probability())
            && g.pstn_answer_probability() + g.pstn_busy_probability() > 1.0)
        {
            Error(path + ".pstn_busy_probability",
                  "pstn_answer_probability + pstn_busy_probability exceed 1");
        }
        CheckDistribution(path + ".pstn_holding", g.pstn_holding(), false, g.has_pstn_holding());
        CheckRate(path + ".pstn_call_rate", g.pstn_call_rate());
        if (g.pstn_call_rate() > 0.0 && !g.has_pstn_holding() && !m_s.traffic().has_holding())
        {
            Error(path + ".pstn_holding",
                  "calls from the PSTN need a holding time (pstn_holding or traffic.holding)");
        }
    }

    bool HasPhoneGroup(const std::string& node) const
    {
        for (const auto& g : m_s.groups())
        {
            if (g.node() == node && g.has_phones())
            {
                return true;
            }
        }
        return false;
    }

    void CheckTraffic()
    {
        const auto& t = m_s.traffic();
        CheckRate("traffic.calls_per_second", t.calls_per_second());
        CheckRate("traffic.bhca_per_user",
                  t.bhca_per_user() / 3600.0 * std::max(1.0, static_cast<double>(m_phones)));
        if (t.calls_per_second() > 0.0 && t.bhca_per_user() > 0.0)
        {
            Error("traffic.bhca_per_user", "set calls_per_second or bhca_per_user, not both");
        }
        const bool calls = t.calls_per_second() > 0.0 || t.bhca_per_user() > 0.0;
        CheckDistribution("traffic.holding", t.holding(), calls, t.has_holding());
        for (int i = 0; i < t.caller_groups_size(); ++i)
        {
            const auto& name = t.caller_groups(i);
            const std::string path = At("traffic.caller_groups", i);
            CheckNodeRef(path, name, PHONES, "caller group");
            if (Node(name) != nullptr && Node(name)->role() == PHONES && !HasPhoneGroup(name))
            {
                Error(path, "node '" + name + "' has no phones group", name);
            }
        }
        if (calls && !m_dotTopology)
        {
            bool anyPhones = false;
            for (const auto& g : m_s.groups())
            {
                anyPhones = anyPhones || g.has_phones();
            }
            if (!anyPhones)
            {
                Error("traffic", "calls are offered but no group has phones");
            }
        }
        const auto& c = t.callees();
        switch (c.mode())
        {
            case CalleeSelection::GROUP:
                CheckNodeRef("traffic.callees.group", c.group(), PHONES, "callee group");
                break;
            case CalleeSelection::DOMAIN:
                if (c.domain().empty())
                {
                    Error("traffic.callees.domain", "mode DOMAIN needs a domain");
                }
                else if (!m_dotTopology)
                {
                    bool known = false;
                    for (const auto& [name, n] : m_nodes)
                    {
                        known = known || (n->role() == PHONES && n->domain() == c.domain());
                    }
                    if (!known)
                    {
                        Error("traffic.callees.domain",
                              "no PHONES node in domain '" + c.domain() + "'", c.domain());
                    }
                }
                break;
            default:
                break;
        }
        CheckProbability("traffic.callees.unknown_fraction", c.unknown_fraction());
        CheckProbability("traffic.callees.pstn_fraction", c.pstn_fraction());
        if (IsProbability(c.unknown_fraction()) && IsProbability(c.pstn_fraction())
            && c.unknown_fraction() + c.pstn_fraction() > 1.0)
        {
            Error("traffic.callees.pstn_fraction", "unknown_fraction + pstn_fraction exceed 1");
        }
        if (c.pstn_fraction() > 0.0 || !c.pstn_gateway().empty())
        {
            CheckNodeRef("traffic.callees.pstn_gateway", c.pstn_gateway(), GATEWAY, "pstn_gateway");
        }
        const auto& h = t.hostile();
        CheckRate("traffic.hostile.missing_call_id_per_s", h.missing_call_id_per_s());
        CheckRate("traffic.hostile.unsupported_proxy_require_per_s",
                  h.unsupported_proxy_require_per_s());
        CheckRate("traffic.hostile.unmatched_cancel_per_s", h.unmatched_cancel_per_s());
        CheckRate("traffic.hostile.unknown_method_per_s", h.unknown_method_per_s());
        CheckRate("traffic.hostile.unsupported_version_per_s", h.unsupported_version_per_s());
        if (!h.node().empty())
        {
            CheckNodeRef("traffic.hostile.node", h.node(), PHONES, "hostile node");
        }
        CheckSeconds("traffic.start_s", t.start_s());
        CheckSeconds("traffic.stop_s", t.stop_s());
        if (m_s.duration_s() > 0.0 && t.start_s() >= m_s.duration_s() && calls)
        {
            Error("traffic.start_s", "calls would start after the run ends (duration_s "
                                         + Number(m_s.duration_s()) + ")");
        }
        if (t.stop_s() > 0.0 && t.stop_s() <= t.start_s())
        {
            Error("traffic.stop_s", "must be after start_s (" + Number(t.start_s()) + ")");
        }
    }

    /// Resolves "a-b" to an existing link (node names may contain '-').
    void CheckLinkRef(const std::string& path, const std::string& link)
    {
        if (link.empty())
        {
            Error(path, "no link given (write \"a-b\")");
            return;
        }
        if (m_dotTopology)
        {
            return;
        }
        bool nodesFound = false;
        for (size_t dash = link.find('-'); dash != std::string::npos;
             dash = link.find('-', dash + 1))
        {
            const auto a = link.substr(0, dash);
            const auto b = link.substr(dash + 1);
            if (Node(a) != nullptr && Node(b) != nullptr)
            {
                nodesFound = true;
                if (m_links.count(LinkKey(a, b)) != 0)
                {
                    return;
                }
            }
        }
        Error(path,
              nodesFound ? "no link between the nodes of '" + link + "'"
                         : "'" + link + "' does not name a link \"a-b\" between topology nodes",
              link);
    }

    void CheckFaults()
    {
        for (int i = 0; i < m_s.faults_size(); ++i)
        {
            const auto& f = m_s.faults(i);
            const std::string path = At("faults", i);
            if (!(f.at_s() >= 0.0) || (m_s.duration_s() > 0.0 && f.at_s() >= m_s.duration_s()))
            {
                Error(path + ".at_s",
                      "must be within the run [0, duration_s), not " + Number(f.at_s()));
            }
            switch (f.kind_case())
            {
                case Fault::kLinkLoss:
                {
                    const auto& l = f.link_loss();
                    CheckLinkRef(path + ".link_loss.link", l.link());
                    CheckProbability(path + ".link_loss.rate", l.rate());
                    if (l.has_gilbert_elliott())
                    {
                        const auto& ge = l.gilbert_elliott();
                        const std::string gp = path + ".link_loss.gilbert_elliott";
                        CheckProbability(gp + ".p_good_to_bad", ge.p_good_to_bad());
                        CheckProbability(gp + ".p_bad_to_good", ge.p_bad_to_good());
                        CheckProbability(gp + ".loss_good", ge.loss_good());
                        CheckProbability(gp + ".loss_bad", ge.loss_bad());
                        if (!(ge.p_good_to_bad() > 0.0))
                        {
                            Error(gp + ".p_good_to_bad",
                                  "must be > 0 (the chain never enters the bad state)");
                        }
                        if (!(ge.p_bad_to_good() > 0.0))
                        {
                            Error(gp + ".p_bad_to_good",
                                  "must be > 0 (the chain never leaves the bad state)");
                        }
                        if (ge.loss_bad() < ge.loss_good())
                        {
                            Error(gp + ".loss_bad", "the bad state must lose at least as much "
                                                    "as the good one");
                        }
                    }
                    break;
                }
                case Fault::kLinkState:
                    CheckLinkRef(path + ".link_state.link", f.link_state().link());
                    break;
                case Fault::kNodeCrash:
                    CheckNodeRef(path + ".node_crash.node", f.node_crash().node(),
                                 ROLE_UNSPECIFIED);
                    CheckSeconds(path + ".node_crash.restart_after_s",
                                 f.node_crash().restart_after_s());
                    break;
                case Fault::kCapacity:
                    CheckNodeRef(path + ".capacity.node", f.capacity().node(), PROXY);
                    CheckCapacity(path + ".capacity.capacity", f.capacity().capacity());
                    break;
                case Fault::kRegistration:
                    CheckNodeRef(path + ".registration.node", f.registration().node(), PHONES);
                    if (!RegistrationAction::Kind_IsValid(f.registration().kind()))
                    {
                        Error(path + ".registration.kind", "unknown kind (REGISTER, UNREGISTER, "
                                                           "REMOVE_ALL or QUERY)");
                    }
                    break;
                default:
                    Error(path, "a fault needs a kind: link_loss, link_state, node_crash, "
                                "capacity or registration");
                    break;
            }
        }
    }

    void CheckExpectations()
    {
        const auto& known = KnownMetrics();
        for (int i = 0; i < m_s.expectations_size(); ++i)
        {
            const auto& e = m_s.expectations(i);
            const std::string path = At("expectations", i);
            if (std::find(known.begin(), known.end(), e.metric()) == known.end())
            {
                std::string list;
                for (const auto& m : known)
                {
                    list += (list.empty() ? "" : ", ") + m;
                }
                Error(path + ".metric", "unknown metric '" + e.metric() + "' (known: " + list + ")",
                      e.metric());
            }
            if (e.metric() == "status_count" && (e.status() < 100 || e.status() > 699))
            {
                Error(path + ".status", "status_count needs a status code 100-699");
            }
            if (e.metric() != "status_count" && e.status() != 0)
            {
                Error(path + ".status", "status is for metric status_count only");
            }
            if (e.op() == COMPARISON_UNSPECIFIED)
            {
                Error(path + ".op", "an expectation needs op (LT, LE, EQ, GE or GT)");
            }
            if (e.metric() == "completed_ratio" && !IsProbability(e.value()))
            {
                Error(path + ".value", "completed_ratio is in [0, 1], not " + Number(e.value()));
            }
            if (!e.node().empty())
            {
                CheckNodeRef(path + ".node", e.node(),
                             e.metric() == "proxy_peak_queue" ? PROXY : ROLE_UNSPECIFIED);
            }
        }
    }

    const Scenario& m_s;
    const std::string& m_text;
    std::string m_file;
    bool m_json;
    TextFormat::ParseInfoTree m_tree;
    bool m_treeOk = false;
    bool m_dotTopology = false;
    std::map<std::string, const TopologyNode*> m_nodes;
    std::set<std::pair<std::string, std::string>> m_links;
    uint64_t m_phones = 0; ///< phones of the groups checked so far
    std::vector<Diagnostic> m_out;
};

} // namespace

std::vector<Diagnostic>
ValidateScenario(const Scenario& scenario, const std::string& fileText, const std::string& fileName)
{
    return Validator(scenario, fileText, fileName).Run();
}

Diagnostic
DiagnosticAt(const std::string& fileText, const std::string& fileName, const std::string& path,
             const std::string& message, const std::string& quoted)
{
    const Scenario empty;
    return Validator(empty, fileText, fileName).At(path, message, quoted);
}

} // namespace scenario
} // namespace sipsim
