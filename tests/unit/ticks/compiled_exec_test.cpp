// Compiler output patched in place: a few functions of this test binary, kept in a section of
// their own, are scanned at their real address, their jump sites patched (int3 sites are left
// alone: nothing here would count them), run, and restored.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "engine/ticks/counter_block.h"
#include "engine/ticks/sites.h"
#include "engine/ticks/trampoline.h"

#define EBB_TICKS_TEST_CODE __attribute__((noinline, section("ebb_ticks_test_code")))

extern "C" const uint8_t __start_ebb_ticks_test_code[];
extern "C" const uint8_t __stop_ebb_ticks_test_code[];

namespace ebb::ticks {
namespace {

EBB_TICKS_TEST_CODE uint64_t collatz_steps(uint64_t n) {
  uint64_t steps = 0;
  while (n != 1) {
    n = (n & 1) ? 3 * n + 1 : n / 2;
    ++steps;
  }
  return steps;
}

EBB_TICKS_TEST_CODE uint64_t fib(uint64_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

EBB_TICKS_TEST_CODE uint64_t sum_of_gcds(uint64_t n) {
  uint64_t sum = 0;
  for (uint64_t i = 1; i <= n; ++i) {
    uint64_t a = i, b = n;
    while (b) {
      uint64_t t = a % b;
      a = b;
      b = t;
    }
    sum += a;
  }
  return sum;
}

EBB_TICKS_TEST_CODE uint64_t bubble_sorted_checksum(uint64_t seed) {
  uint32_t v[64];
  for (int i = 0; i < 64; ++i) v[i] = static_cast<uint32_t>(seed = seed * 6364136223846793005u + 1);
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j + 1 < 64 - i; ++j) {
      if (v[j] > v[j + 1]) std::swap(v[j], v[j + 1]);
    }
  }
  uint64_t sum = 0;
  for (int i = 0; i < 64; ++i) sum = sum * 31 + v[i];
  return sum;
}

struct Results {
  uint64_t collatz, fib, gcds, sort;
  bool operator==(const Results&) const = default;
};

Results run_all() {
  volatile uint64_t a = 97, b = 22, c = 300, d = 12345;
  return {collatz_steps(a), fib(b), sum_of_gcds(c), bubble_sorted_checksum(d)};
}

// Trampolines and the counter block: a static buffer, so within rel32 of this binary's code.
alignas(4096) uint8_t g_area[1 << 16];

class PatchedText {
 public:
  PatchedText(uint64_t start, uint64_t end) {
    const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    page_start_ = start & ~(page - 1);
    page_length_ = ((end + page - 1) & ~(page - 1)) - page_start_;
    writable_ = mprotect(reinterpret_cast<void*>(page_start_), page_length_,
                         PROT_READ | PROT_WRITE | PROT_EXEC) == 0;
  }
  ~PatchedText() {
    for (const Patch& p : patches_) write(p.address.addr(), p.original);
    mprotect(reinterpret_cast<void*>(page_start_), page_length_, PROT_READ | PROT_EXEC);
  }
  bool writable() const { return writable_; }
  void apply(const Patch& p) {
    write(p.address.addr(), p.patched);
    patches_.push_back(p);
  }

 private:
  static void write(uint64_t at, std::span<const uint8_t> bytes) {
    std::memcpy(reinterpret_cast<void*>(at), bytes.data(), bytes.size());
    char* p = reinterpret_cast<char*>(at);
    __builtin___clear_cache(p, p + bytes.size());
  }
  uint64_t page_start_ = 0, page_length_ = 0;
  bool writable_ = false;
  std::vector<Patch> patches_;
};

TEST(TicksCompiled, PatchedFunctionsComputeTheSameAndTickDeterministically) {
  const Results expected = run_all();
  const uint64_t start = reinterpret_cast<uint64_t>(__start_ebb_ticks_test_code);
  const uint64_t end = reinterpret_cast<uint64_t>(__stop_ebb_ticks_test_code);
  const std::vector<uint8_t> original(__start_ebb_ticks_test_code, __stop_ebb_ticks_test_code);
  auto scan = find_tick_sites(original, RemoteAddr(start));
  ASSERT_TRUE(scan.ok());
  ASSERT_FALSE(scan->sites.empty());

  ASSERT_EQ(mprotect(g_area, sizeof g_area, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
  auto* block = reinterpret_cast<CounterBlock*>(g_area);
  *block = CounterBlock{kUnarmedCountdown, 0};
  size_t cursor = 64, jumps = 0;
  {
    PatchedText text(start, end);
    ASSERT_TRUE(text.writable());
    for (const TickSite& site : scan->sites) {
      if (site.method != SiteMethod::kJump) continue;
      const uint64_t at = reinterpret_cast<uint64_t>(g_area) + cursor;
      auto t = build_trampoline(site, original, RemoteAddr(start), RemoteAddr(at),
                                RemoteAddr(reinterpret_cast<uint64_t>(block)));
      ASSERT_TRUE(t.ok()) << t.error().message;
      ASSERT_LE(cursor + t->code.size(), sizeof g_area);
      std::memcpy(g_area + cursor, t->code.data(), t->code.size());
      cursor += t->code.size();
      text.apply(t->patch);
      ++jumps;
    }
    ASSERT_GT(jumps, 0u);
    EXPECT_EQ(run_all(), expected);
    const uint64_t first = (kUnarmedCountdown - block->countdown) / kCountdownStep;
    EXPECT_GT(first, 100u);
    EXPECT_EQ(run_all(), expected);
    const uint64_t second = (kUnarmedCountdown - block->countdown) / kCountdownStep - first;
    EXPECT_EQ(first, second) << "the same run must count the same ticks";
  }
  EXPECT_EQ(std::memcmp(__start_ebb_ticks_test_code, original.data(), original.size()), 0);
}

}  // namespace
}  // namespace ebb::ticks
