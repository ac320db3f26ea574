/*
 * `--set path=value` overrides: a field path resolved through Protobuf reflection, the value
 * parsed for the field's type.
 */
#include "scenario/positions.h"
#include "scenario/scenario-loader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <google/protobuf/text_format.h>

namespace sipsim {
namespace scenario {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

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

} // namespace

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

} // namespace scenario
} // namespace sipsim
