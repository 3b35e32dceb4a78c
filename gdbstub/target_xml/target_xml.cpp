// Written from GDB's documented feature and register names (the manual's
// "Standard Target Features", i386 section); the XML is generated from the
// register table below so the two cannot disagree.
#include "gdbstub/target_xml/target_xml.h"

#include <array>
#include <vector>

namespace ebb::rsp {
namespace {

constexpr const char* kCore = "org.gnu.gdb.i386.core";
constexpr const char* kSse = "org.gnu.gdb.i386.sse";
constexpr const char* kLinux = "org.gnu.gdb.i386.linux";
constexpr const char* kSegments = "org.gnu.gdb.i386.segments";
constexpr const char* kAvx = "org.gnu.gdb.i386.avx";

struct RegSpec {
  const char* name;
  uint32_t bits;
  const char* type;
  const char* group;
  const char* feature;
};

// clang-format off
constexpr RegSpec kRegs[] = {
  {"rax", 64, "int64", "", kCore}, {"rbx", 64, "int64", "", kCore},
  {"rcx", 64, "int64", "", kCore}, {"rdx", 64, "int64", "", kCore},
  {"rsi", 64, "int64", "", kCore}, {"rdi", 64, "int64", "", kCore},
  {"rbp", 64, "data_ptr", "", kCore}, {"rsp", 64, "data_ptr", "", kCore},
  {"r8", 64, "int64", "", kCore}, {"r9", 64, "int64", "", kCore},
  {"r10", 64, "int64", "", kCore}, {"r11", 64, "int64", "", kCore},
  {"r12", 64, "int64", "", kCore}, {"r13", 64, "int64", "", kCore},
  {"r14", 64, "int64", "", kCore}, {"r15", 64, "int64", "", kCore},
  {"rip", 64, "code_ptr", "", kCore}, {"eflags", 32, "i386_eflags", "", kCore},
  {"cs", 32, "int32", "", kCore}, {"ss", 32, "int32", "", kCore},
  {"ds", 32, "int32", "", kCore}, {"es", 32, "int32", "", kCore},
  {"fs", 32, "int32", "", kCore}, {"gs", 32, "int32", "", kCore},
  {"st0", 80, "i387_ext", "", kCore}, {"st1", 80, "i387_ext", "", kCore},
  {"st2", 80, "i387_ext", "", kCore}, {"st3", 80, "i387_ext", "", kCore},
  {"st4", 80, "i387_ext", "", kCore}, {"st5", 80, "i387_ext", "", kCore},
  {"st6", 80, "i387_ext", "", kCore}, {"st7", 80, "i387_ext", "", kCore},
  {"fctrl", 32, "int", "float", kCore}, {"fstat", 32, "int", "float", kCore},
  {"ftag", 32, "int", "float", kCore}, {"fiseg", 32, "int", "float", kCore},
  {"fioff", 32, "int", "float", kCore}, {"foseg", 32, "int", "float", kCore},
  {"fooff", 32, "int", "float", kCore}, {"fop", 32, "int", "float", kCore},
  {"xmm0", 128, "vec128", "", kSse}, {"xmm1", 128, "vec128", "", kSse},
  {"xmm2", 128, "vec128", "", kSse}, {"xmm3", 128, "vec128", "", kSse},
  {"xmm4", 128, "vec128", "", kSse}, {"xmm5", 128, "vec128", "", kSse},
  {"xmm6", 128, "vec128", "", kSse}, {"xmm7", 128, "vec128", "", kSse},
  {"xmm8", 128, "vec128", "", kSse}, {"xmm9", 128, "vec128", "", kSse},
  {"xmm10", 128, "vec128", "", kSse}, {"xmm11", 128, "vec128", "", kSse},
  {"xmm12", 128, "vec128", "", kSse}, {"xmm13", 128, "vec128", "", kSse},
  {"xmm14", 128, "vec128", "", kSse}, {"xmm15", 128, "vec128", "", kSse},
  {"mxcsr", 32, "i386_mxcsr", "vector", kSse},
  {"orig_rax", 64, "int", "system", kLinux},
  {"fs_base", 64, "int", "system", kSegments}, {"gs_base", 64, "int", "system", kSegments},
  {"ymm0h", 128, "uint128", "", kAvx}, {"ymm1h", 128, "uint128", "", kAvx},
  {"ymm2h", 128, "uint128", "", kAvx}, {"ymm3h", 128, "uint128", "", kAvx},
  {"ymm4h", 128, "uint128", "", kAvx}, {"ymm5h", 128, "uint128", "", kAvx},
  {"ymm6h", 128, "uint128", "", kAvx}, {"ymm7h", 128, "uint128", "", kAvx},
  {"ymm8h", 128, "uint128", "", kAvx}, {"ymm9h", 128, "uint128", "", kAvx},
  {"ymm10h", 128, "uint128", "", kAvx}, {"ymm11h", 128, "uint128", "", kAvx},
  {"ymm12h", 128, "uint128", "", kAvx}, {"ymm13h", 128, "uint128", "", kAvx},
  {"ymm14h", 128, "uint128", "", kAvx}, {"ymm15h", 128, "uint128", "", kAvx},
};
// clang-format on
constexpr size_t kNumRegs = sizeof(kRegs) / sizeof(kRegs[0]);

constexpr std::array<RspRegisterInfo, kNumRegs> make_table() {
  std::array<RspRegisterInfo, kNumRegs> t{};
  uint32_t offset = 0;
  for (uint32_t i = 0; i < kNumRegs; ++i) {
    const RegSpec& s = kRegs[i];
    t[i] = RspRegisterInfo{i, s.name, s.bits / 8, offset, s.type, s.group, s.feature};
    offset += s.bits / 8;
  }
  return t;
}
constexpr std::array<RspRegisterInfo, kNumRegs> kTable = make_table();
constexpr uint32_t kTotalSize = kTable[kNumRegs - 1].offset + kTable[kNumRegs - 1].size;
static_assert(kNumRegs == 76);
static_assert(kTotalSize == 816);

struct Bit {
  const char* name;
  int bit;
};
constexpr Bit kEflagsBits[] = {{"CF", 0},  {"PF", 2},   {"AF", 4},   {"ZF", 6},
                               {"SF", 7},  {"TF", 8},  {"IF", 9},   {"DF", 10},  {"OF", 11},
                               {"NT", 14}, {"RF", 16}, {"VM", 17},  {"AC", 18},  {"VIF", 19},
                               {"VIP", 20}, {"ID", 21}};
constexpr Bit kMxcsrBits[] = {{"IE", 0}, {"DE", 1}, {"ZE", 2},  {"OE", 3},  {"UE", 4},
                              {"PE", 5}, {"DAZ", 6}, {"IM", 7}, {"DM", 8},  {"ZM", 9},
                              {"OM", 10}, {"UM", 11}, {"PM", 12}, {"FZ", 15}};

void append_flags(std::string& out, const char* id, std::span<const Bit> bits) {
  out += "    <flags id=\"" + std::string(id) + "\" size=\"4\">\n";
  for (const Bit& b : bits) {
    std::string n = std::to_string(b.bit);
    out += "      <field name=\"" + std::string(b.name) + "\" start=\"" + n + "\" end=\"" + n +
           "\"/>\n";
  }
  out += "    </flags>\n";
}

void append_vector_types(std::string& out) {
  struct Vec {
    const char* id;
    const char* element;
    int count;
    const char* field;
  };
  static constexpr Vec kVecs[] = {
      {"v8bf16", "bfloat16", 8, "v8_bfloat16"}, {"v4f", "ieee_single", 4, "v4_float"},
      {"v2d", "ieee_double", 2, "v2_double"},   {"v16i8", "int8", 16, "v16_int8"},
      {"v8i16", "int16", 8, "v8_int16"},        {"v4i32", "int32", 4, "v4_int32"},
      {"v2i64", "int64", 2, "v2_int64"},
  };
  for (const Vec& v : kVecs) {
    out += "    <vector id=\"" + std::string(v.id) + "\" type=\"" + v.element + "\" count=\"" +
           std::to_string(v.count) + "\"/>\n";
  }
  out += "    <union id=\"vec128\">\n";
  for (const Vec& v : kVecs) {
    out += "      <field name=\"" + std::string(v.field) + "\" type=\"" + v.id + "\"/>\n";
  }
  out += "      <field name=\"uint128\" type=\"uint128\"/>\n    </union>\n";
}

void append_feature(std::string& out, const char* feature) {
  out += "  <feature name=\"" + std::string(feature) + "\">\n";
  if (feature == kCore) append_flags(out, "i386_eflags", kEflagsBits);
  if (feature == kSse) {
    append_vector_types(out);
    append_flags(out, "i386_mxcsr", kMxcsrBits);
  }
  for (const RspRegisterInfo& r : kTable) {
    if (r.feature != feature) continue;
    out += "    <reg name=\"" + std::string(r.name) + "\" bitsize=\"" +
           std::to_string(r.size * 8) + "\" type=\"" + r.type + "\" regnum=\"" +
           std::to_string(r.regno) + "\"";
    if (*r.group) out += " group=\"" + std::string(r.group) + "\"";
    out += "/>\n";
  }
  out += "  </feature>\n";
}

std::string build_document() {
  std::string out =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
      "<target version=\"1.0\">\n"
      "  <architecture>i386:x86-64</architecture>\n"
      "  <osabi>GNU/Linux</osabi>\n";
  for (const char* f : {kCore, kSse, kLinux, kSegments, kAvx}) append_feature(out, f);
  out += "</target>\n";
  return out;
}

}  // namespace

std::span<const RspRegisterInfo> rsp_x86_64_registers() { return kTable; }

uint32_t rsp_x86_64_registers_size() { return kTotalSize; }

const RspRegisterInfo* rsp_x86_64_register(std::string_view name) {
  for (const RspRegisterInfo& r : kTable) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

const RspRegisterInfo* rsp_x86_64_register(uint32_t regno) {
  return regno < kNumRegs ? &kTable[regno] : nullptr;
}

std::optional<std::string> rsp_target_description(std::string_view annex) {
  if (annex != "target.xml") return std::nullopt;
  static const std::string kDocument = build_document();
  return kDocument;
}

}  // namespace ebb::rsp
