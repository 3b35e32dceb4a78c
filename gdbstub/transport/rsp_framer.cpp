#include "gdbstub/transport/rsp_framer.h"

#include <cstdio>

namespace ebb::rsp {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kInterruptByte = 0x03;
constexpr int kRunBase = 29;       // count character = kRunBase + repeats
constexpr int kMinRepeats = 3;     // ' ' (32): the first printable count
constexpr int kMaxRepeats = 97;    // '~' (126)

}  // namespace

void RspFramer::feed(std::string_view bytes, std::vector<FrameEvent>& out) {
  for (char c : bytes) {
    switch (state_) {
      case State::kIdle:
        if (c == '$') {
          state_ = State::kData;
          payload_.clear();
          length_ = 0;
          sum_ = 0;
        } else if (c == '+') {
          out.push_back({FrameEventKind::kAck, {}});
        } else if (c == '-') {
          out.push_back({FrameEventKind::kNak, {}});
        } else if (c == kInterruptByte) {
          out.push_back({FrameEventKind::kInterrupt, {}});
        }
        break;
      case State::kData:
        if (c == '#') {
          state_ = State::kChecksumHigh;
        } else if (c == '$') {
          // A client never sends a raw '$' inside a packet (binary data
          // escapes it), so the old packet was cut short: start again.
          out.push_back({FrameEventKind::kAbandoned, {}});
          payload_.clear();
          length_ = 0;
          sum_ = 0;
        } else {
          sum_ = static_cast<uint8_t>(sum_ + static_cast<uint8_t>(c));
          // Past the limit the bytes still count towards the checksum but
          // are not kept: memory stays bounded however long the packet.
          if (++length_ <= max_packet_size_) payload_.push_back(c);
        }
        break;
      case State::kChecksumHigh:
        checksum_high_ = hex_value(c);
        state_ = State::kChecksumLow;
        break;
      case State::kChecksumLow:
        checksum_low_ = hex_value(c);
        finish_packet(out);
        break;
    }
  }
}

void RspFramer::finish_packet(std::vector<FrameEvent>& out) {
  state_ = State::kIdle;
  bool good = checksum_high_ >= 0 && checksum_low_ >= 0 &&
              (checksum_high_ << 4 | checksum_low_) == sum_;
  if (!good) {
    out.push_back({FrameEventKind::kBadChecksum, {}});
  } else if (length_ > max_packet_size_) {
    out.push_back({FrameEventKind::kTooLarge, {}});
  } else {
    out.push_back({FrameEventKind::kPacket, std::move(payload_)});
  }
  payload_.clear();
  // Give back the memory of a large packet (an X write, a G) once it is done.
  if (payload_.capacity() > 4096) payload_.shrink_to_fit();
}

uint8_t rsp_checksum(std::string_view data) {
  uint8_t sum = 0;
  for (char c : data) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  return sum;
}

std::string rsp_frame(std::string_view data) {
  char tail[4];
  snprintf(tail, sizeof tail, "#%02x", rsp_checksum(data));
  std::string out;
  out.reserve(data.size() + 4);
  out.push_back('$');
  out.append(data);
  out.append(tail);
  return out;
}

std::string rsp_run_length_encode(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  size_t i = 0;
  while (i < data.size()) {
    char c = data[i];
    size_t run = 1;
    while (i + run < data.size() && data[i + run] == c && run < 1 + kMaxRepeats) ++run;
    int repeats = static_cast<int>(run) - 1;
    // Counts 6 and 7 would be '#' and '$'; send one repeat fewer instead.
    if (repeats == 6 || repeats == 7) repeats = 5;
    if (repeats >= kMinRepeats) {
      out.push_back(c);
      out.push_back('*');
      out.push_back(static_cast<char>(kRunBase + repeats));
      i += static_cast<size_t>(repeats) + 1;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

std::string rsp_run_length_decode(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '*' && !out.empty() && i + 1 < data.size()) {
      int repeats = static_cast<unsigned char>(data[++i]) - kRunBase;
      if (repeats > 0) out.append(static_cast<size_t>(repeats), out.back());
    } else {
      out.push_back(data[i]);
    }
  }
  return out;
}

}  // namespace ebb::rsp
