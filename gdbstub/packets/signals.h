// Signal numbers on the wire are the protocol's own (GDB's "target signal"
// numbering), not the host's: they agree with Linux for 1-6, 8, 9, 11 and
// 13-15 and differ elsewhere (SIGBUS is 7 on Linux, 10 on the wire; SIGUSR1 is
// 10 on Linux, 30 on the wire). Targets speak host (Linux x86-64) numbers; the
// server converts at the edge.
#pragma once

namespace ebb::rsp {

// The wire number for Linux signal `host_signal`; 0 for 0; the protocol's
// "unknown signal" (143) for a number it cannot name.
int rsp_signal_from_host(int host_signal);
// The Linux signal for wire number `rsp_signal`; 0 for 0; -1 when there is none.
int host_signal_from_rsp(int rsp_signal);

}  // namespace ebb::rsp
