#include "gdbstub/packets/codec.h"

#include <cerrno>

namespace ebb::rsp {

int rsp_error_number(RspPacketErrorKind kind) {
  switch (kind) {
    case RspPacketErrorKind::kMalformed:
    case RspPacketErrorKind::kBadHex:
    case RspPacketErrorKind::kBadEscape:
      return EINVAL;
    case RspPacketErrorKind::kOutOfRange:
      return ERANGE;
    case RspPacketErrorKind::kTooLarge:
      return EMSGSIZE;
    case RspPacketErrorKind::kBadChecksum:
      return EBADMSG;
    case RspPacketErrorKind::kUnsupported:
      return ENOTSUP;
  }
  return EINVAL;
}

const char* rsp_error_name(RspPacketErrorKind kind) {
  switch (kind) {
    case RspPacketErrorKind::kMalformed: return "malformed packet";
    case RspPacketErrorKind::kBadHex: return "bad hex";
    case RspPacketErrorKind::kBadEscape: return "bad binary escape";
    case RspPacketErrorKind::kOutOfRange: return "number out of range";
    case RspPacketErrorKind::kTooLarge: return "packet too large";
    case RspPacketErrorKind::kBadChecksum: return "bad checksum";
    case RspPacketErrorKind::kUnsupported: return "unsupported request";
  }
  return "bad packet";
}

RspPacketError malformed(std::string detail) {
  return RspPacketError{RspPacketErrorKind::kMalformed, std::move(detail)};
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string to_hex(const RspBytes& bytes) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

ParseResult<RspBytes> decode_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return RspPacketError{RspPacketErrorKind::kBadHex, "odd number of hex digits"};
  }
  RspBytes out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit_value(hex[i]);
    int lo = hex_digit_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return RspPacketError{RspPacketErrorKind::kBadHex, "not a hex digit"};
    }
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

ParseResult<std::string> decode_hex_string(std::string_view hex) {
  RSP_TRY(bytes, decode_hex(hex));
  return std::string(bytes.begin(), bytes.end());
}

ParseResult<uint64_t> parse_hex_number(std::string_view text) {
  if (text.empty()) return malformed("empty number");
  uint64_t value = 0;
  for (char c : text) {
    int d = hex_digit_value(c);
    if (d < 0) return RspPacketError{RspPacketErrorKind::kBadHex, "not a hex digit"};
    if (value >> 60 != 0) {
      return RspPacketError{RspPacketErrorKind::kOutOfRange, "number wider than 64 bits"};
    }
    value = value << 4 | static_cast<uint64_t>(d);
  }
  return value;
}

std::string escape_binary(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    if (c == '$' || c == '#' || c == '}' || c == '*') {
      out.push_back('}');
      out.push_back(static_cast<char>(c ^ 0x20));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

ParseResult<std::string> unescape_binary(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != '}') {
      out.push_back(data[i]);
      continue;
    }
    if (i + 1 == data.size()) {
      return RspPacketError{RspPacketErrorKind::kBadEscape, "data ends with '}'"};
    }
    out.push_back(static_cast<char>(data[++i] ^ 0x20));
  }
  return out;
}

bool FieldReader::consume(std::string_view prefix) {
  if (rest_.substr(0, prefix.size()) != prefix) return false;
  rest_.remove_prefix(prefix.size());
  return true;
}

ParseResult<std::string_view> FieldReader::field(char delim, const char* what, bool to_end_ok) {
  size_t pos = rest_.find(delim);
  if (pos == std::string_view::npos) {
    if (!to_end_ok) return malformed(std::string("missing separator after ") + what);
    std::string_view all = rest_;
    rest_ = {};
    return all;
  }
  std::string_view f = rest_.substr(0, pos);
  rest_.remove_prefix(pos + 1);
  return f;
}

ParseResult<uint64_t> FieldReader::hex_field(char delim, const char* what, bool to_end_ok) {
  RSP_TRY(text, field(delim, what, to_end_ok));
  auto value = parse_hex_number(text);
  if (!value.ok()) {
    return RspPacketError{value.error().kind, std::string(what) + ": " + value.error().detail};
  }
  return *value;
}

ParseResult<uint64_t> FieldReader::hex_rest(const char* what) {
  std::string_view all = rest_;
  rest_ = {};
  auto value = parse_hex_number(all);
  if (!value.ok()) {
    return RspPacketError{value.error().kind, std::string(what) + ": " + value.error().detail};
  }
  return *value;
}

ParseResult<Done> FieldReader::expect_end(const char* what) {
  if (!rest_.empty()) return malformed(std::string("trailing characters after ") + what);
  return Done{};
}

}  // namespace ebb::rsp
