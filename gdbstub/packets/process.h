// Process packets: k, vKill, D (detach), ! (extended mode), vAttach, vRun.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ebb::rsp {

struct Kill {};  // k
struct VKill {   // vKill;PID
  int64_t pid = 0;
};
struct Detach {  // D or D;PID
  std::optional<int64_t> pid;
};
struct ExtendedMode {};  // !
// vAttach;PID and vRun;FILENAME;ARG...: parsed so they get a clear refusal: a
// replay has one recorded program and cannot attach to another.
struct VAttach {
  int64_t pid = 0;
};
struct VRun {
  std::vector<std::string> args;  // decoded from hex; args[0] is the program ("" = default)
};

}  // namespace ebb::rsp
