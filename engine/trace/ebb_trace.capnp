# ebb trace schema. Any change that an older reader could misread bumps
# kFormatVersion in format.h and is described in docs/trace-format.md.
@0xa4c71bcee725f525;

$import "/capnp/c++.capnp".namespace("ebb::schema");

struct CpuInfo {
  vendor @0 :Text;           # "GenuineIntel"
  brand @1 :Text;            # the brand string, leaves 0x80000002..4
  family @2 :UInt32;
  model @3 :UInt32;
  stepping @4 :UInt32;
  xcr0 @5 :UInt64;           # XGETBV(0): enabled XSAVE state components
  xsaveSize @6 :UInt32;      # CPUID(0xD,0).EBX: XSAVE area size for XCR0
  xsaveComponents @7 :List(XsaveComponent);
  boundCpu @8 :Int32;        # the CPU the recording was pinned to
}

struct XsaveComponent {
  index @0 :UInt32;
  offset @1 :UInt32;
  size @2 :UInt32;
}

struct TraceHeader {
  ebbVersion @0 :Text;
  argv @1 :List(Text);       # as given to `ebb record`
  exePath @2 :Text;          # the resolved program path
  cwd @3 :Text;
  recordStartNs @4 :Int64;   # CLOCK_REALTIME at start
  tickSource @5 :Text;       # "none" (no tick clock) or "soft" (patched code counts: TickPatchEvent, Event.ticks)
  cpu @6 :CpuInfo;
  kernelRelease @7 :Text;    # uname -r
  hostname @8 :Text;
  cpuidFaulting @9 :Bool;    # CPUID trapped and recorded; false: it ran natively (replay needs the same CPU)
  tickReason @10 :Text;      # v3: why this tick source ("--ticks=auto: no PMU: ..."); "" when chosen by name
}

# struct user_regs_struct in kernel order (27 values).
struct Registers {
  values @0 :List(UInt64);
}

struct MemWrite {
  addr @0 :UInt64;
  data @1 :Data;
}

struct Mapping {
  start @0 :UInt64;
  end @1 :UInt64;
  prot @2 :UInt32;           # PROT_*
  flags @3 :UInt32;          # MAP_* as recorded (MAP_SHARED, MAP_PRIVATE, ...)
  offset @4 :UInt64;         # file offset
  name @5 :Text;             # file path, "[stack]", "[vdso]", "" for anonymous
  data @6 :Data;             # contents from `start`; shorter than the region means zeros follow
  savedFile @7 :Text;        # v5, mmap of a regular file: the contents are the trace's copy
                             # files/<savedFile> from `offset` (up to the region's end or the
                             # copy's), and `data` is empty
  savedDigest @8 :UInt64;    # v5: mix_hash_lanes of those bytes (replay checks the copy)
}

struct SyscallEvent {
  number @0 :Int64;
  args @1 :List(UInt64);     # the six argument registers at entry
  result @2 :Int64;          # rax at exit
  regsAfter @3 :Registers;   # all registers at the syscall-exit stop
  writes @4 :List(MemWrite); # memory the kernel wrote (out-buffers)
  echoFd @5 :Int32;          # 1 or 2: replay copies the written bytes to ebb's stdout/stderr; else 0
  mapping @6 :Mapping;       # mmap/mremap: the resulting region (and file bytes for file mappings)
  forced @7 :Bool;           # ebb made this syscall fail at record (e.g. rseq -> ENOSYS)
}

struct SignalEvent {
  signo @0 :Int32;
  siginfo @1 :Data;          # raw siginfo_t (128 bytes)
  regs @2 :Registers;        # registers at the signal-delivery stop
  synchronous @3 :Bool;      # raised by the instruction at rip (a fault), not sent
  disposition @4 :Int32;     # 0 default, 1 ignored, 2 handler (at delivery time)
  memory @5 :MemoryDigest;   # v4: set when the point is in code the tick count does not cover
}

# Digests of a thread's memory at a point in code the soft clock does not
# count (engine/session/point_digest.h): replay takes a pass with the
# recorded count and registers only when these match too. 0: not recorded.
struct MemoryDigest {
  near @0 :UInt64;           # the bytes the general registers point at
  all @1 :UInt64;            # every private writable mapping but ebb's own
}

enum InstructionKind {
  rdtsc @0;
  rdtscp @1;
  cpuid @2;
}

struct InstructionEvent {
  kind @0 :InstructionKind;
  rip @1 :UInt64;
  inEax @2 :UInt32;          # cpuid leaf
  inEcx @3 :UInt32;          # cpuid subleaf
  rax @4 :UInt64;            # values the trapped instruction produced
  rbx @5 :UInt64;
  rcx @6 :UInt64;
  rdx @7 :UInt64;
}

struct ExecEvent {
  filename @0 :Text;         # the path given to execve
  argv @1 :List(Text);
  regs @2 :Registers;        # registers at the execve exit (the new program's entry)
  fpregs @3 :Data;           # struct user_fpregs_struct (512 bytes)
  mappings @4 :List(Mapping);  # the whole new address space, contents included
  brk @5 :UInt64;            # the program break right after exec
  sigIgnored @6 :UInt64;     # signals ignored at exec (bit n-1 for signal n), kept by exec
  sigBlocked @7 :UInt64;     # the signal mask at exec
  formerTid @8 :Int32;       # the thread that called execve, when not the leader (its tid becomes the leader's)
}

# Written at a syscall's entry when other tasks exist: the syscall may block,
# and the task's user code before it ran before the events that follow. The
# syscall's own event follows later, at its exit.
struct SyscallEntryEvent {
  number @0 :Int64;
}

# The recorder stopped a thread in syscall-free code (it ran too long, or a
# signal had to be delivered there). Replaying such a point needs the tick
# clock; until it exists, replay refuses here with a clear message.
struct PreemptEvent {
  regs @0 :Registers;
  memory @1 :MemoryDigest;   # v4, as in SignalEvent
}

# A task created by clone/fork/vfork, written when the kernel reports it
# (before the parent's syscall returns, and before the child's first event).
struct CloneEvent {
  childTid @0 :Int32;        # recorded tid of the new task
  flags @1 :UInt64;          # clone flags (SIGCHLD for fork, CLONE_VM|CLONE_VFORK|SIGCHLD for vfork)
  thread @2 :Bool;           # CLONE_THREAD: same process
}

struct ExitEvent {
  exited @0 :Bool;           # true: exit status; false: killed by signal
  status @1 :Int32;          # exit status, or the fatal signal number
  coreDumped @2 :Bool;
}

# The soft tick clock patched an executable mapping of the task's process
# (engine/ticks): replay patches the same bytes at the same addresses and
# compares the digest. The first one of an address space also maps its
# counter block.
struct TickPatchEvent {
  codeStart @0 :UInt64;
  codeEnd @1 :UInt64;
  trampolines @2 :UInt64;    # the region ebb mapped for the trampolines
  trampolinesSize @3 :UInt64;
  counterBlock @4 :UInt64;
  digest @5 :UInt64;         # of the patches and trampolines written
  jumpSites @6 :UInt32;
  trapSites @7 :UInt32;
  redirectedCalls @8 :UInt32;  # format 6: direct calls pointed at their callee's trampoline
                               # (in the digest); replay does the same when not 0
}

struct Event {
  tid @0 :Int32;             # recorded thread id
  ticks @10 :UInt64;         # with tickSource "soft": the process's tick count at the event
  union {
    syscall @1 :SyscallEvent;
    signal @2 :SignalEvent;
    instruction @3 :InstructionEvent;
    exec @4 :ExecEvent;
    exit @5 :ExitEvent;
    clone @6 :CloneEvent;
    syscallEntry @7 :SyscallEntryEvent;
    preempt @8 :PreemptEvent;
    tickPatch @9 :TickPatchEvent;
  }
}

# Written once, last, by a recorder that finished normally.
struct Trailer {
  eventCount @0 :UInt64;
  endNote @1 :Text;          # why recording ended early, if it did ("" when the program ran to its end)
}
