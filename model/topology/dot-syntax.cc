/*
 * A recursive-descent check of the DOT grammar (graphviz.org/doc/info/lang.html), positioned.
 */
#include "topology/dot-syntax.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <strings.h>
#include <vector>

namespace sipsim::topology {

namespace {

enum class Tok
{
    End,
    Id,      ///< a name, a numeral, a quoted or an HTML string
    Keyword, ///< graph, digraph, subgraph, node, edge, strict (any case)
    EdgeOp,  ///< -- or ->
    Punct,   ///< { } [ ] = ; , :
    Bad,     ///< what no token starts with, or an unterminated string
};

struct Token
{
    Tok kind = Tok::End;
    size_t at = 0;
    std::string_view text;
};

class DotChecker
{
  public:
    explicit DotChecker(std::string_view text)
        : m_text(text)
    {}

    std::string Check(size_t* offset)
    {
        Next();
        Graph();
        *offset = m_problemAt;
        return m_problem;
    }

  private:
    static constexpr int kMaxDepth = 200;

    bool Fail(const std::string& problem, size_t at)
    {
        if (m_problem.empty())
        {
            m_problem = problem;
            m_problemAt = at;
            // A quoted string may span lines; one missing its closing quote swallows text up
            // to the next quote, and the error shows on the line where that string ended.
            const auto& s = m_lastString;
            const size_t end = s.at + s.text.size();
            if (!s.text.empty() && s.text.find('\n') != std::string_view::npos && end <= at
                && m_text.substr(end, at - end).find('\n') == std::string_view::npos)
            {
                const auto line = 1 + std::count(m_text.begin(), m_text.begin() + s.at, '\n');
                m_problem += " (the string before it runs from line " + std::to_string(line)
                             + " over several lines: is a closing '\"' missing?)";
            }
        }
        return false;
    }

    bool FailHere(const std::string& problem)
    {
        if (m_tok.kind == Tok::End)
        {
            return Fail("the file ends where " + problem.substr(problem.find(' ') + 1)
                            + " was expected",
                        m_tok.at);
        }
        if (m_tok.kind == Tok::Bad)
        {
            return Fail(m_badWhy, m_tok.at);
        }
        return Fail(problem + ", not '" + std::string(m_tok.text) + "'", m_tok.at);
    }

    bool Is(std::string_view punct) const
    {
        return m_tok.kind == Tok::Punct && m_tok.text == punct;
    }

    bool IsKeyword(const char* word) const
    {
        return m_tok.kind == Tok::Keyword && m_tok.text.size() == std::strlen(word)
               && strncasecmp(m_tok.text.data(), word, m_tok.text.size()) == 0;
    }

    // --- tokens --------------------------------------------------------------------------------

    void SkipSpaceAndComments()
    {
        while (m_at < m_text.size())
        {
            const char c = m_text[m_at];
            if (std::isspace(static_cast<unsigned char>(c)))
            {
                ++m_at;
            }
            else if (c == '/' && m_at + 1 < m_text.size() && m_text[m_at + 1] == '/')
            {
                while (m_at < m_text.size() && m_text[m_at] != '\n')
                {
                    ++m_at;
                }
            }
            else if (c == '/' && m_at + 1 < m_text.size() && m_text[m_at + 1] == '*')
            {
                const auto end = m_text.find("*/", m_at + 2);
                m_at = end == std::string_view::npos ? m_text.size() : end + 2;
            }
            else if (c == '#' && (m_at == 0 || m_text[m_at - 1] == '\n'))
            {
                // A C preprocessor output line: the language ignores it.
                while (m_at < m_text.size() && m_text[m_at] != '\n')
                {
                    ++m_at;
                }
            }
            else
            {
                break;
            }
        }
    }

    static bool IsNameChar(char c, bool first)
    {
        const auto u = static_cast<unsigned char>(c);
        return std::isalpha(u) || c == '_' || u >= 0x80 || (!first && std::isdigit(u));
    }

    void Next()
    {
        if (m_tok.kind == Tok::Id && !m_tok.text.empty() && m_tok.text.front() == '"')
        {
            m_lastString = m_tok;
        }
        SkipSpaceAndComments();
        m_tok = Token{};
        m_tok.at = m_at;
        if (m_at >= m_text.size())
        {
            m_tok.kind = Tok::End;
            return;
        }
        const size_t start = m_at;
        const char c = m_text[m_at];
        const auto finish = [&](Tok kind) {
            m_tok.kind = kind;
            m_tok.text = m_text.substr(start, m_at - start);
        };
        if (std::string_view("{}[]=;,:").find(c) != std::string_view::npos)
        {
            ++m_at;
            return finish(Tok::Punct);
        }
        if (c == '-' && m_at + 1 < m_text.size()
            && (m_text[m_at + 1] == '-' || m_text[m_at + 1] == '>'))
        {
            m_at += 2;
            return finish(Tok::EdgeOp);
        }
        if (c == '"')
        {
            // Quoted strings, joined by '+'.
            while (true)
            {
                ++m_at;
                while (m_at < m_text.size() && m_text[m_at] != '"')
                {
                    m_at += m_text[m_at] == '\\' && m_at + 1 < m_text.size() ? 2 : 1;
                }
                if (m_at >= m_text.size())
                {
                    m_badWhy = "a string without its closing '\"'";
                    m_at = start;
                    m_tok.kind = Tok::Bad;
                    m_tok.text = m_text.substr(start, 1);
                    return;
                }
                ++m_at;
                const size_t after = m_at;
                SkipSpaceAndComments();
                if (m_at < m_text.size() && m_text[m_at] == '+')
                {
                    ++m_at;
                    SkipSpaceAndComments();
                    if (m_at < m_text.size() && m_text[m_at] == '"')
                    {
                        continue;
                    }
                }
                m_at = after;
                return finish(Tok::Id);
            }
        }
        if (c == '<')
        {
            int depth = 0;
            do
            {
                depth += m_text[m_at] == '<' ? 1 : (m_text[m_at] == '>' ? -1 : 0);
                ++m_at;
            }
            while (m_at < m_text.size() && depth > 0);
            if (depth > 0)
            {
                m_badWhy = "an HTML string without its closing '>'";
                m_at = start;
                m_tok.kind = Tok::Bad;
                m_tok.text = m_text.substr(start, 1);
                return;
            }
            return finish(Tok::Id);
        }
        if (c == '-' || c == '.' || std::isdigit(static_cast<unsigned char>(c)))
        {
            // A numeral: [-]?(.[0-9]+ | [0-9]+(.[0-9]*)?)
            size_t i = m_at + (c == '-' ? 1 : 0);
            const size_t digitsFrom = i;
            while (i < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[i])))
            {
                ++i;
            }
            bool any = i > digitsFrom;
            if (i < m_text.size() && m_text[i] == '.')
            {
                ++i;
                const size_t fraction = i;
                while (i < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[i])))
                {
                    ++i;
                }
                any = any || i > fraction;
            }
            if (any)
            {
                m_at = i;
                return finish(Tok::Id);
            }
        }
        if (IsNameChar(c, true))
        {
            while (m_at < m_text.size() && IsNameChar(m_text[m_at], false))
            {
                ++m_at;
            }
            finish(Tok::Id);
            for (const char* word : {"graph", "digraph", "subgraph", "node", "edge", "strict"})
            {
                if (m_tok.text.size() == std::strlen(word)
                    && strncasecmp(m_tok.text.data(), word, m_tok.text.size()) == 0)
                {
                    m_tok.kind = Tok::Keyword;
                }
            }
            return;
        }
        m_badWhy = "'" + std::string(1, c)
                   + "' starts no DOT token (names, numbers, \"strings\", "
                     "<html>, { } [ ] = ; , : and -- are)";
        m_tok.kind = Tok::Bad;
        m_tok.text = m_text.substr(start, 1);
    }

    // --- grammar -------------------------------------------------------------------------------

    bool Graph()
    {
        if (IsKeyword("strict"))
        {
            Next();
        }
        if (!IsKeyword("graph") && !IsKeyword("digraph"))
        {
            return FailHere("expected 'graph'");
        }
        m_directed = IsKeyword("digraph");
        Next();
        if (m_tok.kind == Tok::Id)
        {
            Next();
        }
        if (!Is("{"))
        {
            return FailHere("expected '{' after the graph's name");
        }
        if (!Body(0))
        {
            return false;
        }
        if (m_tok.kind != Tok::End)
        {
            return Fail("text after the graph's closing '}' (a topology file holds one graph)",
                        m_tok.at);
        }
        return true;
    }

    /// '{' stmt_list '}', with m_tok at the '{'.
    bool Body(int depth)
    {
        if (depth > kMaxDepth)
        {
            return Fail("subgraphs nested deeper than " + std::to_string(kMaxDepth) + " levels",
                        m_tok.at);
        }
        const size_t open = m_tok.at;
        Next();
        while (!Is("}"))
        {
            if (m_tok.kind == Tok::End)
            {
                return Fail("the file ends inside the '{' here: a '}' is missing", open);
            }
            if (!Statement(depth))
            {
                return false;
            }
            if (Is(";"))
            {
                Next();
            }
        }
        Next();
        return true;
    }

    bool Statement(int depth)
    {
        if (IsKeyword("graph") || IsKeyword("node") || IsKeyword("edge"))
        {
            Next();
            if (!Is("["))
            {
                return FailHere("expected '[' after the attribute statement's keyword");
            }
            return AttrLists();
        }
        if (IsKeyword("subgraph") || Is("{"))
        {
            if (!Subgraph(depth))
            {
                return false;
            }
            return EdgeRest(depth);
        }
        if (m_tok.kind != Tok::Id)
        {
            return FailHere("expected a statement (a node, an edge, an attribute or a subgraph)");
        }
        const Token first = m_tok;
        Next();
        if (Is("="))
        {
            Next();
            if (m_tok.kind != Tok::Id)
            {
                return FailHere("expected a value after '" + std::string(first.text) + " ='");
            }
            Next();
            return true;
        }
        if (!Port())
        {
            return false;
        }
        return EdgeRest(depth);
    }

    /// [':' ID [':' ID]] after a node name.
    bool Port()
    {
        for (int k = 0; k < 2 && Is(":"); ++k)
        {
            Next();
            if (m_tok.kind != Tok::Id)
            {
                return FailHere("expected a port name after ':'");
            }
            Next();
        }
        return true;
    }

    /// edgeRHS (optional) then attr_list (optional).
    bool EdgeRest(int depth)
    {
        while (m_tok.kind == Tok::EdgeOp)
        {
            if ((m_tok.text == "->") != m_directed)
            {
                return Fail(m_directed ? "'--' in a digraph (its edges are '->')"
                                       : "'->' in an undirected graph (its edges are '--')",
                            m_tok.at);
            }
            const std::string op(m_tok.text);
            Next();
            if (IsKeyword("subgraph") || Is("{"))
            {
                if (!Subgraph(depth))
                {
                    return false;
                }
            }
            else if (m_tok.kind == Tok::Id)
            {
                Next();
                if (!Port())
                {
                    return false;
                }
            }
            else
            {
                return FailHere("expected a node or a subgraph after '" + op + "'");
            }
        }
        return Is("[") ? AttrLists() : true;
    }

    bool Subgraph(int depth)
    {
        if (IsKeyword("subgraph"))
        {
            Next();
            if (m_tok.kind == Tok::Id)
            {
                Next();
            }
        }
        if (!Is("{"))
        {
            return FailHere("expected '{' to open the subgraph");
        }
        return Body(depth + 1);
    }

    /// One or more '[' a_list ']', with m_tok at the first '['.
    bool AttrLists()
    {
        while (Is("["))
        {
            Next();
            while (!Is("]"))
            {
                if (m_tok.kind != Tok::Id)
                {
                    return FailHere("expected an attribute name or ']'");
                }
                const std::string name(m_tok.text);
                Next();
                if (!Is("="))
                {
                    return FailHere("expected '=' after the attribute name '" + name + "'");
                }
                Next();
                if (m_tok.kind != Tok::Id)
                {
                    return FailHere("expected a value for the attribute '" + name + "'");
                }
                Next();
                if (Is(",") || Is(";"))
                {
                    Next();
                }
            }
            Next();
        }
        return true;
    }

    std::string_view m_text;
    size_t m_at = 0;
    Token m_tok;
    Token m_lastString; ///< the last quoted string read
    std::string m_badWhy;
    bool m_directed = false;
    std::string m_problem;
    size_t m_problemAt = 0;
};

} // namespace

std::string
DotSyntaxProblem(std::string_view text, size_t* offset)
{
    return DotChecker(text).Check(offset);
}

} // namespace sipsim::topology
