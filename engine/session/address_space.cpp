#include "engine/session/address_space.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstring>

#include "engine/base/log.h"
#include "engine/ptrace/proc_maps.h"

namespace ebb::session {

namespace {

constexpr uint64_t kPage = 4096;

bool is_kernel_special(const std::string& name) {
  return name == "[vvar]" || name == "[vvar_vclock]" || name == "[vsyscall]";
}

void trim_zero_tail(std::vector<uint8_t>& data) {
  size_t end = data.size();
  while (end >= kPage) {
    const uint8_t* page = data.data() + end - kPage;
    if (std::any_of(page, page + kPage, [](uint8_t b) { return b != 0; })) break;
    end -= kPage;
  }
  data.resize(end);
}

bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) { return a0 < b1 && b0 < a1; }

Result<uint64_t> choose_scratch(const std::vector<ptrace::MapEntry>& current, const ProcessImage& image) {
  for (uint64_t cand = 0x100000000000ull; cand < 0x7f0000000000ull; cand += 0x10000000000ull) {
    bool clash = false;
    for (const auto& m : current) clash |= overlaps(cand, cand + kPage, m.start, m.end);
    for (const auto& r : image.regions) clash |= overlaps(cand, cand + kPage, r.start, r.end);
    if (!clash) return cand;
  }
  return make_error(ErrorKind::kUnsupported, "no free address for ebb's scratch page");
}

Status expect_result(Result<int64_t> r, int64_t want, const char* what, uint64_t addr) {
  if (!r) return r.error();
  if (*r != want) {
    char msg[160];
    snprintf(msg, sizeof msg, "rebuilding the address space: %s at 0x%llx returned %lld",
             what, (unsigned long long)addr, (long long)*r);
    return make_error(ErrorKind::kDivergence, msg);
  }
  return ok_status();
}

Status map_region(ptrace::Tracee& t, RemoteAddr insn, const RegionView& r) {
  uint64_t flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
  if (r.flags & MAP_SHARED) flags = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
  if (r.flags & MAP_GROWSDOWN) flags |= MAP_GROWSDOWN;
  auto res = ptrace::remote_syscall(t, insn, SYS_mmap, r.start, r.end - r.start, r.prot, flags,
                                    static_cast<uint64_t>(-1), 0);
  EBB_TRY(expect_result(res, static_cast<int64_t>(r.start), "mmap", r.start));
  if (!r.data.empty()) EBB_TRY(t.write(RemoteAddr(r.start), r.data.data(), r.data.size()));
  return ok_status();
}

// Exec semantics: handlers become SIG_DFL, ignored signals stay ignored.
Status restore_signal_state(ptrace::Tracee& t, RemoteAddr insn, uint64_t scratch,
                            const ProcessImage& image) {
  uint64_t act_addr = scratch + 0x100;
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    uint64_t act[4] = {(image.sig_ignored >> (sig - 1)) & 1 ? uint64_t(1) : uint64_t(0), 0, 0, 0};
    EBB_TRY(t.write(RemoteAddr(act_addr), act, sizeof act));
    auto r = ptrace::remote_syscall(t, insn, SYS_rt_sigaction, sig, act_addr, 0, 8);
    if (!r) return r.error();
  }
  uint64_t mask_addr = scratch + 0x200;
  EBB_TRY(t.write(RemoteAddr(mask_addr), &image.sig_blocked, 8));
  auto r = ptrace::remote_syscall(t, insn, SYS_rt_sigprocmask, SIG_SETMASK, mask_addr, 0, 8);
  return expect_result(r, 0, "rt_sigprocmask", mask_addr);
}

}  // namespace

Result<std::vector<RegionImage>> snapshot_address_space(ptrace::Tracee& t) {
  auto maps = ptrace::read_maps(t.pid());
  if (!maps) return maps.error();
  std::vector<RegionImage> out;
  for (const auto& m : *maps) {
    if (is_kernel_special(m.name)) continue;
    RegionImage img;
    img.start = m.start;
    img.end = m.end;
    img.prot = m.prot;
    img.flags = m.shared ? MAP_SHARED : MAP_PRIVATE;
    if (m.name == "[stack]") img.flags |= MAP_GROWSDOWN;
    img.offset = m.offset;
    img.name = m.name;
    img.data.resize(m.end - m.start);
    t.read_best_effort(RemoteAddr(m.start), img.data.data(), img.data.size());
    trim_zero_tail(img.data);
    out.push_back(std::move(img));
  }
  return out;
}

Status rebuild_address_space(ptrace::Tracee& t, RemoteAddr syscall_insn, const ProcessImage& image) {
  auto current = ptrace::read_maps(t.pid());
  if (!current) return current.error();
  auto scratch = choose_scratch(*current, image);
  if (!scratch) return scratch.error();
  uint64_t s = *scratch;
  auto r = ptrace::remote_syscall(t, syscall_insn, SYS_mmap, s, kPage, PROT_READ | PROT_WRITE | PROT_EXEC,
                                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, static_cast<uint64_t>(-1), 0);
  EBB_TRY(expect_result(r, static_cast<int64_t>(s), "mmap of the scratch page", s));
  const uint8_t code[] = {0x0f, 0x05, 0xcc, 0xcc};  // syscall; int3
  EBB_TRY(t.write(RemoteAddr(s), code, sizeof code));
  t.reopen_memory();
  RemoteAddr insn(s);

  uint64_t top = 0;
  for (const auto& m : *current)
    if (m.name != "[vsyscall]") top = std::max(top, m.end);
  EBB_TRY(expect_result(ptrace::remote_syscall(t, insn, SYS_munmap, 0, s), 0, "munmap", 0));
  if (top > s + kPage)
    EBB_TRY(expect_result(ptrace::remote_syscall(t, insn, SYS_munmap, s + kPage, top - s - kPage), 0,
                          "munmap", s + kPage));
  for (const RegionView& region : image.regions) EBB_TRY(map_region(t, insn, region));
  EBB_TRY(restore_signal_state(t, insn, s, image));
  EBB_TRY(t.set_fpregs(image.fpregs));
  // The last injected syscall removes the scratch page; at its exit stop the
  // registers become the recorded ones, so no instruction runs from it again.
  EBB_TRY(expect_result(ptrace::remote_syscall(t, insn, SYS_munmap, s, kPage), 0, "munmap", s));
  EBB_TRY(t.set_regs(image.regs));
  log_debug("rebuilt %zu regions in thread %d", image.regions.size(), t.pid());
  return ok_status();
}

}  // namespace ebb::session
