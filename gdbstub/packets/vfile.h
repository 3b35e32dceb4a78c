// Host I/O packets (vFile:...): the client reads the program's files through
// the server, which serves them from the recording. Numbers are hex; paths
// are hex-encoded; pwrite data is binary (escaped).
#pragma once

#include <cstdint>
#include <string>

#include "gdbstub/packets/codec.h"

namespace ebb::rsp {

struct VFileSetfs {  // vFile:setfs: PID (0: the server's own view)
  int64_t pid = 0;
};
// vFile:open: PATHNAME, FLAGS, MODE. FLAGS and MODE use the protocol's File-I/O
// values (O_RDONLY 0, O_WRONLY 1, O_RDWR 2, O_APPEND 8, O_CREAT 0x200,
// O_TRUNC 0x400, O_EXCL 0x800), not the host's.
struct VFileOpen {
  std::string path;
  uint32_t flags = 0;
  uint32_t mode = 0;
};
struct VFileClose {
  int fd = 0;
};
struct VFilePread {
  int fd = 0;
  uint64_t count = 0;
  uint64_t offset = 0;
};
struct VFilePwrite {
  int fd = 0;
  uint64_t offset = 0;
  RspBytes data;
};
struct VFileFstat {
  int fd = 0;
};
struct VFileReadlink {
  std::string path;
};

}  // namespace ebb::rsp
