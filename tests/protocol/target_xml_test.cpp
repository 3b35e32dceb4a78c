// The x86-64 target description and its register table.
#include <gtest/gtest.h>

#include "gdbstub/target_xml/target_xml.h"

namespace ebb::rsp {
namespace {

TEST(RegisterTable, NumbersSizesAndOffsets) {
  auto regs = rsp_x86_64_registers();
  ASSERT_EQ(regs.size(), 76u);
  uint32_t offset = 0;
  for (uint32_t i = 0; i < regs.size(); ++i) {
    EXPECT_EQ(regs[i].regno, i);
    EXPECT_EQ(regs[i].offset, offset) << regs[i].name;
    offset += regs[i].size;
  }
  EXPECT_EQ(offset, rsp_x86_64_registers_size());
  struct Expect {
    const char* name;
    uint32_t regno, size;
  };
  for (Expect e : {Expect{"rax", 0, 8}, Expect{"rsp", 7, 8}, Expect{"rip", 16, 8},
                   Expect{"eflags", 17, 4}, Expect{"gs", 23, 4}, Expect{"st0", 24, 10},
                   Expect{"fop", 39, 4}, Expect{"xmm0", 40, 16}, Expect{"mxcsr", 56, 4},
                   Expect{"orig_rax", 57, 8}, Expect{"fs_base", 58, 8},
                   Expect{"gs_base", 59, 8}, Expect{"ymm0h", 60, 16}, Expect{"ymm15h", 75, 16}}) {
    const RspRegisterInfo* r = rsp_x86_64_register(e.name);
    ASSERT_NE(r, nullptr) << e.name;
    EXPECT_EQ(r->regno, e.regno) << e.name;
    EXPECT_EQ(r->size, e.size) << e.name;
    EXPECT_EQ(rsp_x86_64_register(e.regno), r);
  }
  EXPECT_EQ(rsp_x86_64_register("eax"), nullptr);
  EXPECT_EQ(rsp_x86_64_register(76u), nullptr);
}

TEST(TargetXml, Document) {
  EXPECT_FALSE(rsp_target_description("64bit-core.xml"));
  auto doc = rsp_target_description("target.xml");
  ASSERT_TRUE(doc);
  EXPECT_NE(doc->find("<architecture>i386:x86-64</architecture>"), std::string::npos);
  EXPECT_NE(doc->find("<osabi>GNU/Linux</osabi>"), std::string::npos);
  size_t core = doc->find("<feature name=\"org.gnu.gdb.i386.core\">");
  size_t sse = doc->find("<feature name=\"org.gnu.gdb.i386.sse\">");
  size_t lin = doc->find("<feature name=\"org.gnu.gdb.i386.linux\">");
  size_t seg = doc->find("<feature name=\"org.gnu.gdb.i386.segments\">");
  size_t avx = doc->find("<feature name=\"org.gnu.gdb.i386.avx\">");
  ASSERT_NE(avx, std::string::npos);
  EXPECT_LT(core, sse);
  EXPECT_LT(sse, lin);
  EXPECT_LT(lin, seg);
  EXPECT_LT(seg, avx);
  EXPECT_NE(doc->find("<reg name=\"orig_rax\" bitsize=\"64\" type=\"int\" regnum=\"57\""),
            std::string::npos);
  EXPECT_NE(doc->find("<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\" regnum=\"31\"/>"),
            std::string::npos);
  // Every register appears once; every type used is defined or built in.
  for (const RspRegisterInfo& r : rsp_x86_64_registers()) {
    std::string tag = "<reg name=\"" + std::string(r.name) + "\"";
    size_t at = doc->find(tag);
    EXPECT_NE(at, std::string::npos) << r.name;
    EXPECT_EQ(doc->find(tag, at + 1), std::string::npos) << r.name;
  }
  for (const char* defined : {"<flags id=\"i386_eflags\"", "<flags id=\"i386_mxcsr\"",
                              "<union id=\"vec128\">"}) {
    EXPECT_NE(doc->find(defined), std::string::npos) << defined;
  }
  // Nothing that would need escaping in a qXfer reply.
  EXPECT_EQ(doc->find_first_of("$#}*"), std::string::npos);
}

}  // namespace
}  // namespace ebb::rsp
