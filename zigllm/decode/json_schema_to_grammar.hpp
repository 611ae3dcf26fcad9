// JSON schema -> GBNF, in the manner of llama.cpp's common/json-schema-to-grammar.cpp (the same
// layout: one rule per property / definition, `space` between tokens, properties in schema order,
// required ones mandatory, optional ones an ordered optional tail, no extra keys unless
// additionalProperties allows them).
//
// Supported: type (string, integer, number, boolean, null, object, array, and lists of types);
// properties / required / additionalProperties (false, true or a schema); items / prefixItems /
// minItems / maxItems; minLength / maxLength / pattern (see regex_to_grammar.hpp) / format (date,
// time, date-time, uuid); integer minimum / maximum / exclusiveMinimum / exclusiveMaximum (exact
// digit-range rules); enum; const; oneOf / anyOf (alternation; oneOf is not made exclusive); allOf
// of object schemas (merged); $ref to "#/..." (recursive references work); $defs / definitions.
// Not enforced (the grammar accepts more): number bounds, multipleOf, uniqueItems, key
// constraints of additionalProperties, string formats other than the four above.
// Refusals: zigllm::Error(file, "<JSON pointer>", what).
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace zigllm::decode {

std::string json_schema_to_gbnf(const boost::json::value& schema, const std::string& file = "-");
// Parses the schema text first (Error(file, "offset N", ...) when it is not JSON).
std::string json_schema_to_gbnf(std::string_view schema_json, const std::string& file = "-");

}  // namespace zigllm::decode
