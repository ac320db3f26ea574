/*
 * Internal to the scenario-config library: field paths ("groups[1].phones.count") and where
 * they are in a scenario file (text-format locations, a JSON locator), and the line/column
 * arithmetic that file:line:col diagnostics need. Used by the loader, the overrides and the
 * validator.
 */
#ifndef SIPSIM_SCENARIO_POSITIONS_H
#define SIPSIM_SCENARIO_POSITIONS_H

#include <cstddef>
#include <google/protobuf/descriptor.h>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {
namespace scenario {

/// Whether c may be part of a word (a field name, an enum value): alphanumeric or '_'.
bool IsWordChar(char c);

/// Byte offset of a 0-based (line, column) in text.
size_t OffsetOf(std::string_view text, int line, int column);

/// 0-based (line, column) of a byte offset.
void LineColOf(std::string_view text, size_t offset, int* line, int* column);

/// The words a parser message quotes ("... has no field named \"rowz\"").
std::vector<std::string> QuotedWords(const std::string& message);

/// One component of a field path: "groups[1]" is {groups, 1}, "attributes[Key]" {attributes, Key}.
struct PathPart
{
    std::string name;
    bool hasIndex = false;
    std::string index;
};

/// Splits "groups[1].phones.count" into its parts; false when the path is malformed.
bool SplitPath(std::string_view path, std::vector<PathPart>* parts);

/// An element index: at most 9 decimal digits.
bool ParseIndex(const std::string& text, int* index);

/// A field by its proto name or its camel-case (JSON) name; nullptr when there is none.
const google::protobuf::FieldDescriptor* FindField(const google::protobuf::Descriptor* d,
                                                   const std::string& name);

/// Offset of the field path in JSON text (of the deepest part found); true when all were.
bool LocateJson(std::string_view text, const std::vector<PathPart>& parts, size_t* offset);

/**
 * What protobuf's JSON parser lets through and a JSON file must not have: a key twice in one
 * object (the later value would silently win) and a comma before a closing bracket. Returns
 * "" when there is neither; otherwise the problem, with `*offset` at it. Other syntax errors
 * are left to the parser.
 */
std::string StrictJsonProblem(std::string_view text, size_t* offset);

/**
 * The first JSON syntax error (RFC 8259) in text, with `*offset` at it: a missing ':' or ',',
 * a bad value, string, escape or number, a trailing comma, text after the object, nesting
 * deeper than 100 levels; "" when the text is JSON. protobuf's parser names no position, so
 * the loader runs this first.
 */
std::string JsonSyntaxProblem(std::string_view text, size_t* offset);

} // namespace scenario
} // namespace sipsim

#endif // SIPSIM_SCENARIO_POSITIONS_H
