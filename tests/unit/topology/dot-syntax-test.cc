/*
 * DotSyntaxProblem: well-formed DOT of every construct passes; each kind of syntax error is
 * found at its token.
 */
#include "topology/dot-syntax.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>

namespace sipsim::topology {
namespace {

/// "line:col: problem", or "" when the text is well formed.
std::string
Problem(const std::string& text)
{
    size_t at = 0;
    const std::string problem = DotSyntaxProblem(text, &at);
    if (problem.empty())
    {
        return "";
    }
    int line = 1;
    int col = 1;
    for (size_t i = 0; i < at; ++i)
    {
        line += text[i] == '\n' ? 1 : 0;
        col = text[i] == '\n' ? 1 : col + 1;
    }
    return std::to_string(line) + ":" + std::to_string(col) + ": " + problem;
}

TEST(DotSyntax, EveryConstructOfTheLanguagePasses)
{
    const std::string text = "/* a comment */ strict graph \"net\" {\n"
                             "# a preprocessor line\n"
                             "  graph [label=\"x\"] node [shape=box; color=red] edge [w=1]\n"
                             "  rankdir = LR;\n"
                             "  a [role=phones, domain=\"a.\" + \"example\"] [x=1]\n"
                             "  b:port:n -- c -- { d e } [delay=\"2ms\", rate=-1.5]\n"
                             "  subgraph cluster_1 { label=<<b>bold</b>>; f; g -- h }\n"
                             "  { i } -- subgraph { j }\n"
                             "  \"k\\\"q\" -- 42 -- .5; // the end\n"
                             "  Node [Role=proxy]\n"
                             "}\n";
    EXPECT_EQ(Problem(text), "");
    EXPECT_EQ(Problem("digraph d { a -> b -> c }"), "");
}

TEST(DotSyntax, ShippedDotFilesPass)
{
    std::ifstream in(std::string(SIPSIM_SOURCE_DIR) + "/scenarios/dot-topology.dot");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(Problem(text), "");
}

TEST(DotSyntax, ErrorsArePlacedAtTheirToken)
{
    EXPECT_EQ(Problem(""), "1:1: the file ends where 'graph' was expected");
    EXPECT_EQ(Problem("grph g {}"), "1:1: expected 'graph', not 'grph'");
    EXPECT_EQ(Problem("graph g a {}"), "1:9: expected '{' after the graph's name, not 'a'");
    EXPECT_EQ(Problem("graph g {\n  a [x y]\n}"),
              "2:8: expected '=' after the attribute name 'x', not 'y'");
    EXPECT_EQ(Problem("graph g { a [x=] }"),
              "1:16: expected a value for the attribute 'x', not ']'");
    EXPECT_EQ(Problem("graph g { a -- ; }"),
              "1:16: expected a node or a subgraph after '--', not ';'");
    EXPECT_EQ(Problem("graph g { a -> b }"),
              "1:13: '->' in an undirected graph (its edges are '--')");
    EXPECT_EQ(Problem("digraph g { a -- b }"), "1:15: '--' in a digraph (its edges are '->')");
    EXPECT_EQ(Problem("graph g { node a }"),
              "1:16: expected '[' after the attribute statement's keyword, not 'a'");
    EXPECT_EQ(Problem("graph g { a }\n}"),
              "2:1: text after the graph's closing '}' (a topology file holds one graph)");
    EXPECT_EQ(Problem("graph g {\n  a\n"),
              "1:9: the file ends inside the '{' here: a '}' is missing");
    EXPECT_EQ(Problem("graph g { a [label=<x] }"), "1:20: an HTML string without its closing '>'");
    EXPECT_EQ(Problem("graph g { a [label=\"x] }"), "1:20: a string without its closing '\"'");
    EXPECT_EQ(Problem("graph g { a = ; }"), "1:15: expected a value after 'a =', not ';'");
}

} // namespace
} // namespace sipsim::topology
