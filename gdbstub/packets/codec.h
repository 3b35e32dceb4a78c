// Encodings shared by the packet families: hex bytes and numbers, binary
// escapes ('}' then the byte xor 0x20, for X, vFile:pwrite and binary
// replies), and a cursor for reading comma/colon-separated fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gdbstub/packets/expected.h"
#include "gdbstub/packets/packet_error.h"

namespace ebb::rsp {

using RspBytes = std::vector<uint8_t>;

template <typename T>
using ParseResult = Expected<T, RspPacketError>;

// -1 when `c` is not a hex digit (either case).
int hex_digit_value(char c);
std::string to_hex(std::string_view bytes);
std::string to_hex(const RspBytes& bytes);
// An even number of hex digits. kBadHex otherwise.
ParseResult<RspBytes> decode_hex(std::string_view hex);
ParseResult<std::string> decode_hex_string(std::string_view hex);
// A non-empty unsigned hex number that fits in 64 bits.
ParseResult<uint64_t> parse_hex_number(std::string_view text);

// Escapes '$', '#', '}' and '*' so binary data can travel inside a packet and
// never looks like a run-length marker.
std::string escape_binary(std::string_view bytes);
// Undoes escape_binary; kBadEscape when the data ends with a lone '}'.
ParseResult<std::string> unescape_binary(std::string_view data);

// Reads a packet's fields left to right. Every method that can fail returns a
// ParseResult naming `what` in its error.
class FieldReader {
 public:
  explicit FieldReader(std::string_view text) : rest_(text) {}
  bool at_end() const { return rest_.empty(); }
  std::string_view rest() const { return rest_; }
  // Advances past `prefix` when the text starts with it.
  bool consume(std::string_view prefix);
  // The text up to `delim` (or to the end when `delim` is absent and
  // `to_end_ok`), consuming the delimiter.
  ParseResult<std::string_view> field(char delim, const char* what, bool to_end_ok = true);
  ParseResult<uint64_t> hex_field(char delim, const char* what, bool to_end_ok = true);
  // The rest as one hex number; kMalformed when empty.
  ParseResult<uint64_t> hex_rest(const char* what);
  ParseResult<Done> expect_end(const char* what);

 private:
  std::string_view rest_;
};

RspPacketError malformed(std::string detail);

}  // namespace ebb::rsp

// Assigns the value of a ParseResult/RspResult expression to `var`, or returns
// its error from the enclosing function.
#define RSP_TRY(var, expr)                         \
  auto var##_result_ = (expr);                     \
  if (!var##_result_.ok()) return var##_result_.error(); \
  auto var = std::move(*var##_result_)
