/*
 * Field paths and their positions in a scenario file; see positions.h.
 */
#include "scenario/positions.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace sipsim {
namespace scenario {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

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

namespace {

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

} // namespace

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

namespace {

/// RFC 8259 recursive descent that stops at the first syntax error (JsonSyntaxProblem).
class JsonSyntax
{
  public:
    explicit JsonSyntax(std::string_view text)
        : m_text(text)
    {}

    std::string Check(size_t* offset)
    {
        Space();
        if (m_at >= m_text.size())
        {
            Fail("empty: a JSON scenario is an object ({ ... })");
        }
        else
        {
            Value(0);
        }
        if (m_problem.empty())
        {
            Space();
            if (m_at < m_text.size())
            {
                Fail("text after the end of the JSON object");
            }
        }
        *offset = m_problemAt;
        return m_problem;
    }

  private:
    static constexpr int kMaxDepth = 100;

    bool Fail(const std::string& problem)
    {
        if (m_problem.empty())
        {
            m_problem = problem;
            m_problemAt = std::min(m_at, m_text.size());
        }
        return false;
    }

    void Space()
    {
        while (m_at < m_text.size()
               && (m_text[m_at] == ' ' || m_text[m_at] == '\t' || m_text[m_at] == '\n'
                   || m_text[m_at] == '\r'))
        {
            ++m_at;
        }
    }

    bool Value(int depth)
    {
        if (depth > kMaxDepth)
        {
            return Fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        Space();
        if (m_at >= m_text.size())
        {
            return Fail("the text ends where a value was expected");
        }
        const char c = m_text[m_at];
        if (c == '{')
        {
            return Container(depth, '}');
        }
        if (c == '[')
        {
            return Container(depth, ']');
        }
        if (c == '"')
        {
            return String();
        }
        if (c == '-' || (c >= '0' && c <= '9'))
        {
            return Number();
        }
        for (const std::string_view word : {"true", "false", "null"})
        {
            if (m_text.substr(m_at, word.size()) == word)
            {
                m_at += word.size();
                return true;
            }
        }
        return Fail("expected a value (an object, array, string, number, true, false or null)");
    }

    /// An object ('}') or an array (']') starting at m_at.
    bool Container(int depth, char close)
    {
        const bool object = close == '}';
        ++m_at;
        Space();
        if (m_at < m_text.size() && m_text[m_at] == close)
        {
            ++m_at;
            return true;
        }
        while (true)
        {
            if (object)
            {
                Space();
                if (m_at >= m_text.size() || m_text[m_at] != '"')
                {
                    return Fail("expected a key (a name in double quotes)");
                }
                if (!String())
                {
                    return false;
                }
                Space();
                if (m_at >= m_text.size() || m_text[m_at] != ':')
                {
                    return Fail("expected ':' after the key");
                }
                ++m_at;
            }
            if (!Value(depth + 1))
            {
                return false;
            }
            Space();
            if (m_at < m_text.size() && m_text[m_at] == ',')
            {
                const size_t comma = m_at;
                ++m_at;
                Space();
                if (m_at < m_text.size() && m_text[m_at] == close)
                {
                    m_at = comma;
                    return Fail("a comma before '" + std::string(1, close)
                                + "' (JSON allows no trailing comma)");
                }
                continue;
            }
            if (m_at < m_text.size() && m_text[m_at] == close)
            {
                ++m_at;
                return true;
            }
            return Fail(std::string("expected ',' or '") + close + "' after "
                        + (object ? "a member" : "an element"));
        }
    }

    bool String()
    {
        const size_t open = m_at;
        ++m_at;
        while (m_at < m_text.size())
        {
            const auto c = static_cast<unsigned char>(m_text[m_at]);
            if (c == '"')
            {
                ++m_at;
                return true;
            }
            if (c < 0x20)
            {
                return Fail("a control character in a string (write it as an escape, e.g. \\n)");
            }
            if (c == '\\')
            {
                ++m_at;
                if (m_at >= m_text.size())
                {
                    break;
                }
                const char e = m_text[m_at];
                if (e == 'u')
                {
                    for (int k = 1; k <= 4; ++k)
                    {
                        if (m_at + k >= m_text.size()
                            || !std::isxdigit(static_cast<unsigned char>(m_text[m_at + k])))
                        {
                            return Fail("\\u needs four hexadecimal digits");
                        }
                    }
                    m_at += 4;
                }
                else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos)
                {
                    --m_at;
                    return Fail(std::string("unknown escape \\") + e);
                }
            }
            ++m_at;
        }
        m_at = open;
        return Fail("a string without its closing '\"'");
    }

    bool Number()
    {
        const auto digits = [this]() {
            const size_t from = m_at;
            while (m_at < m_text.size() && m_text[m_at] >= '0' && m_text[m_at] <= '9')
            {
                ++m_at;
            }
            return m_at > from;
        };
        const size_t start = m_at;
        if (m_text[m_at] == '-')
        {
            ++m_at;
        }
        if (m_at < m_text.size() && m_text[m_at] == '0')
        {
            ++m_at;
        }
        else if (!digits())
        {
            m_at = start;
            return Fail("a number needs digits");
        }
        if (m_at < m_text.size() && m_text[m_at] == '.')
        {
            ++m_at;
            if (!digits())
            {
                return Fail("a number needs digits after its '.'");
            }
        }
        if (m_at < m_text.size() && (m_text[m_at] == 'e' || m_text[m_at] == 'E'))
        {
            ++m_at;
            if (m_at < m_text.size() && (m_text[m_at] == '+' || m_text[m_at] == '-'))
            {
                ++m_at;
            }
            if (!digits())
            {
                return Fail("a number needs digits in its exponent");
            }
        }
        return true;
    }

    std::string_view m_text;
    size_t m_at = 0;
    std::string m_problem;
    size_t m_problemAt = 0;
};

} // namespace

std::string
JsonSyntaxProblem(std::string_view text, size_t* offset)
{
    return JsonSyntax(text).Check(offset);
}

} // namespace scenario
} // namespace sipsim
