#include "engine/session/vdso.h"

#include <gelf.h>
#include <libelf.h>
#include <sys/syscall.h>

#include <cstring>
#include <string>
#include <vector>

namespace ebb::session {

namespace {

struct VdsoStub {
  const char* symbol;
  long nr;  // the syscall to make, or -1 for "return -ENOSYS"
};

// getrandom's vDSO entry has a different contract (state buffers); making it
// fail with ENOSYS sends libc to the getrandom syscall, which is recorded.
constexpr VdsoStub kStubs[] = {
    {"__vdso_clock_gettime", SYS_clock_gettime}, {"clock_gettime", SYS_clock_gettime},
    {"__vdso_gettimeofday", SYS_gettimeofday},   {"gettimeofday", SYS_gettimeofday},
    {"__vdso_time", SYS_time},                   {"time", SYS_time},
    {"__vdso_getcpu", SYS_getcpu},               {"getcpu", SYS_getcpu},
    {"__vdso_clock_getres", SYS_clock_getres},   {"clock_getres", SYS_clock_getres},
    {"__vdso_getrandom", -1},                    {"getrandom", -1},
};

// mov eax, NR ; syscall ; ret
std::vector<uint8_t> syscall_stub(long nr) {
  std::vector<uint8_t> code = {0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0xc3};
  uint32_t n = static_cast<uint32_t>(nr);
  std::memcpy(&code[1], &n, 4);
  return code;
}

// mov rax, -ENOSYS ; ret
std::vector<uint8_t> enosys_stub() { return {0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff, 0xc3}; }

struct Symbol {
  std::string name;
  uint64_t value;
  uint64_t size;
};

Result<std::vector<Symbol>> dynamic_symbols(std::vector<uint8_t>& image) {
  elf_version(EV_CURRENT);
  Elf* elf = elf_memory(reinterpret_cast<char*>(image.data()), image.size());
  if (!elf) return make_error(ErrorKind::kUnsupported, "the vDSO is not a readable ELF image");
  std::vector<Symbol> out;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNSYM) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || shdr.sh_entsize == 0) continue;
    size_t count = shdr.sh_size / shdr.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(i), &sym)) continue;
      if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value == 0) continue;
      const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (name) out.push_back({name, sym.st_value, sym.st_size});
    }
  }
  elf_end(elf);
  return out;
}

}  // namespace

Result<RemoteAddr> patch_vdso(ptrace::Tracee& t, uint64_t start, uint64_t end) {
  std::vector<uint8_t> image(end - start);
  EBB_TRY(t.read(RemoteAddr(start), image.data(), image.size()));
  auto symbols = dynamic_symbols(image);
  if (!symbols) return symbols.error();
  uint64_t syscall_insn = 0;
  for (const Symbol& sym : *symbols) {
    for (const VdsoStub& stub : kStubs) {
      if (sym.name != stub.symbol) continue;
      std::vector<uint8_t> code = stub.nr >= 0 ? syscall_stub(stub.nr) : enosys_stub();
      if (sym.size != 0 && sym.size < code.size())
        return make_error(ErrorKind::kUnsupported, "vDSO function " + sym.name + " is too small to patch");
      if (sym.value + code.size() > image.size())
        return make_error(ErrorKind::kUnsupported, "vDSO symbol " + sym.name + " lies outside the vDSO");
      EBB_TRY(t.write(RemoteAddr(start + sym.value), code.data(), code.size()));
      if (stub.nr >= 0) syscall_insn = start + sym.value + 5;
    }
  }
  if (syscall_insn == 0)
    return make_error(ErrorKind::kUnsupported, "the vDSO exports no clock_gettime to patch");
  return RemoteAddr(syscall_insn);
}

}  // namespace ebb::session
