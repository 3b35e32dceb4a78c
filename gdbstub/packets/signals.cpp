#include "gdbstub/packets/signals.h"

namespace ebb::rsp {
namespace {

// Wire numbers of Linux signals 1..31, indexed by the Linux number. Linux 16
// (SIGSTKFLT) has no wire name.
constexpr int kUnknownSignal = 143;
constexpr int kWireForLinux[32] = {
    0,               // 0
    1,  2,  3,  4,   // HUP INT QUIT ILL
    5,  6,  10, 8,   // TRAP ABRT BUS FPE
    9,  30, 11, 31,  // KILL USR1 SEGV USR2
    13, 14, 15,      // PIPE ALRM TERM
    kUnknownSignal,  // STKFLT
    20, 19, 17, 18,  // CHLD CONT STOP TSTP
    21, 22, 16, 24,  // TTIN TTOU URG XCPU
    25, 26, 27, 28,  // XFSZ VTALRM PROF WINCH
    23, 32, 12,      // IO PWR SYS
};

// Real-time signals: Linux 33..63 are wire 45..75; Linux 32 is wire 77 and
// Linux 64 is wire 78 (the protocol added them later, out of sequence).
constexpr int kWireRt33 = 45;
constexpr int kWireRt32 = 77;
constexpr int kWireRt64 = 78;

}  // namespace

int rsp_signal_from_host(int host_signal) {
  if (host_signal >= 0 && host_signal < 32) return kWireForLinux[host_signal];
  if (host_signal == 32) return kWireRt32;
  if (host_signal >= 33 && host_signal <= 63) return kWireRt33 + (host_signal - 33);
  if (host_signal == 64) return kWireRt64;
  return kUnknownSignal;
}

int host_signal_from_rsp(int rsp_signal) {
  if (rsp_signal == 0) return 0;
  for (int linux_sig = 1; linux_sig < 32; ++linux_sig) {
    if (kWireForLinux[linux_sig] == rsp_signal && rsp_signal != kUnknownSignal) return linux_sig;
  }
  if (rsp_signal == kWireRt32) return 32;
  if (rsp_signal >= kWireRt33 && rsp_signal < kWireRt33 + 31) return 33 + (rsp_signal - kWireRt33);
  if (rsp_signal == kWireRt64) return 64;
  return -1;
}

}  // namespace ebb::rsp
