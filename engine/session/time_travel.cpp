#include "engine/session/time_travel.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "engine/arch/regs.h"

namespace ebb::session {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool parse_hex(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 16) return false;
  char* end = nullptr;
  out = std::strtoull(s.c_str(), &end, 16);
  return end && *end == 0;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

Error malformed(const std::string& what) {
  return make_error(ErrorKind::kBadInput, "a malformed travel order (" + what + ")");
}

std::string hex_bytes(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

bool unhex_bytes(const std::string& s, std::string& out) {
  if (s.size() % 2) return false;
  out.clear();
  for (size_t i = 0; i < s.size(); i += 2) {
    uint64_t v = 0;
    if (!parse_hex(s.substr(i, 2), v)) return false;
    out += static_cast<char>(v);
  }
  return true;
}

}  // namespace

std::string encode_moment(const Moment& m) {
  std::string out = hex(m.event) + ":" + (m.boundary ? "1" : "0") + ":" + hex(static_cast<uint64_t>(m.tid)) + ":" +
                    hex(m.ticks) + ":";
  for (size_t i = 0; i < m.regs.size(); ++i) out += (i ? "," : "") + hex(m.regs[i]);
  return out + ":" + hex(m.stack_print);
}

Result<Moment> decode_moment(const std::string& text) {
  auto parts = split(text, ':');
  if (parts.size() != 6) return malformed("moment");
  Moment m;
  uint64_t tid = 0;
  if (!parse_hex(parts[0], m.event) || !parse_hex(parts[2], tid) || !parse_hex(parts[3], m.ticks))
    return malformed("moment");
  m.boundary = parts[1] == "1";
  m.tid = static_cast<pid_t>(tid);
  auto regs = split(parts[4], ',');
  if (regs.size() != m.regs.size()) return malformed("registers");
  for (size_t i = 0; i < regs.size(); ++i)
    if (!parse_hex(regs[i], m.regs[i])) return malformed("registers");
  if (!parse_hex(parts[5], m.stack_print)) return malformed("stack print");
  return m;
}

std::string TravelOrder::encode() const {
  std::string out = "kind=" + hex(static_cast<uint64_t>(kind)) + " cp=" + hex(static_cast<uint64_t>(checkpoint)) +
                    " at=" + encode_moment(target) + " rep=" + hex(static_cast<uint64_t>(report.kind)) + ":" +
                    hex(static_cast<uint64_t>(report.tid)) + ":" + hex(static_cast<uint64_t>(report.signal)) + ":" +
                    hex(report.addr) + " win=" + hex(window) + " bp=";
  for (size_t i = 0; i < breakpoints.size(); ++i) out += (i ? "," : "") + hex(breakpoints[i]);
  out += " w=";
  for (size_t i = 0; i < watches.size(); ++i)
    out += (i ? "," : "") + hex(static_cast<uint64_t>(watches[i].kind)) + "/" + hex(watches[i].addr) + "/" +
           hex(watches[i].len);
  out += " cs=" + hex_bytes(client_state) + " home=" + encode_moment(home) + " err=" + hex_bytes(error);
  return out;
}

Result<TravelOrder> TravelOrder::decode(const std::string& line) {
  std::map<std::string, std::string> fields;
  for (const std::string& token : split(line, ' ')) {
    size_t eq = token.find('=');
    if (eq == std::string::npos) return malformed("token " + token);
    fields[token.substr(0, eq)] = token.substr(eq + 1);
  }
  for (const char* key : {"kind", "cp", "at", "rep", "win", "bp", "w", "cs", "home", "err"})
    if (!fields.count(key)) return malformed(std::string("no ") + key);
  TravelOrder o;
  uint64_t v = 0;
  if (!parse_hex(fields["kind"], v) || v > static_cast<uint64_t>(TravelKind::kGotoTick)) return malformed("kind");
  o.kind = static_cast<TravelKind>(v);
  if (!parse_hex(fields["cp"], v)) return malformed("checkpoint");
  o.checkpoint = static_cast<int>(v);
  auto target = decode_moment(fields["at"]);
  if (!target) return target.error();
  o.target = *target;
  auto rep = split(fields["rep"], ':');
  uint64_t r[4] = {};
  if (rep.size() != 4) return malformed("report");
  for (int i = 0; i < 4; ++i)
    if (!parse_hex(rep[i], r[i])) return malformed("report");
  o.report = TravelReport{static_cast<int>(r[0]), static_cast<pid_t>(r[1]), static_cast<int>(r[2]), r[3]};
  if (!parse_hex(fields["win"], o.window)) return malformed("window");
  if (!fields["bp"].empty()) {
    for (const std::string& b : split(fields["bp"], ',')) {
      if (!parse_hex(b, v)) return malformed("breakpoint");
      o.breakpoints.push_back(v);
    }
  }
  if (!fields["w"].empty()) {
    for (const std::string& w : split(fields["w"], ',')) {
      auto p = split(w, '/');
      uint64_t k = 0, a = 0, l = 0;
      if (p.size() != 3 || !parse_hex(p[0], k) || !parse_hex(p[1], a) || !parse_hex(p[2], l)) return malformed("watch");
      o.watches.push_back({static_cast<int>(k), a, l});
    }
  }
  if (!unhex_bytes(fields["cs"], o.client_state)) return malformed("client state");
  auto home = decode_moment(fields["home"]);
  if (!home) return home.error();
  o.home = *home;
  if (!unhex_bytes(fields["err"], o.error)) return malformed("error");
  return o;
}

}  // namespace ebb::session
