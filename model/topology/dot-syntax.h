/*
 * The syntax of a DOT file (the Graphviz language: graph, statements, attribute lists, edges,
 * subgraphs, quoted and HTML strings, comments), checked with positions before Boost's
 * read_graphviz reads it: Boost's parser says what it wanted, never where. No ns-3.
 */
#ifndef SIPSIM_TOPOLOGY_DOT_SYNTAX_H
#define SIPSIM_TOPOLOGY_DOT_SYNTAX_H

#include <cstddef>
#include <string>
#include <string_view>

namespace sipsim::topology {

/**
 * The first syntax error in DOT text, with `*offset` at the offending token ("expected '='
 * after the attribute name 'delay'", "the file ends inside the graph: a '}' is missing");
 * "" when the text is one well-formed graph. What the graph means (roles, values, a digraph)
 * is for ReadDot and Validate.
 */
std::string DotSyntaxProblem(std::string_view text, size_t* offset);

} // namespace sipsim::topology

#endif // SIPSIM_TOPOLOGY_DOT_SYNTAX_H
