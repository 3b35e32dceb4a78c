// A parsed client packet: one struct per packet, grouped by family (query.h,
// registers.h, memory.h, breakpoints.h, resume.h, threads.h, vfile.h,
// process.h). parse_packet() never throws: bad input is an RspPacketError,
// and a packet ebb does not know is an UnknownPacket (answered with the
// empty reply, which the protocol reads as "not supported").
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "gdbstub/packets/breakpoints.h"
#include "gdbstub/packets/codec.h"
#include "gdbstub/packets/memory.h"
#include "gdbstub/packets/process.h"
#include "gdbstub/packets/query.h"
#include "gdbstub/packets/registers.h"
#include "gdbstub/packets/resume.h"
#include "gdbstub/packets/threads.h"
#include "gdbstub/packets/vfile.h"

namespace ebb::rsp {

struct UnknownPacket {
  std::string name;  // the packet's leading word, for the log
};

using RspPacket = std::variant<
    UnknownPacket,
    // query.h
    QSupported, QXferRead, QfThreadInfo, QsThreadInfo, QCurrentThread, QAttached, QRcmd,
    QSymbol, QOffsets, QStartNoAckMode, QThreadEvents,
    // registers.h
    ReadRegisters, WriteRegisters, ReadRegister, WriteRegister,
    // memory.h
    ReadMemory, WriteMemory, WriteMemoryBinary,
    // breakpoints.h
    InsertBreakpoint, RemoveBreakpoint,
    // resume.h
    Continue, Step, VCont, VContQuery, ReverseContinue, ReverseStep, StopReasonQuery,
    // threads.h
    SetThread, ThreadAlive,
    // vfile.h
    VFileSetfs, VFileOpen, VFileClose, VFilePread, VFilePwrite, VFileFstat, VFileReadlink,
    // process.h
    Kill, VKill, Detach, ExtendedMode, VAttach, VRun>;

// `payload` is a packet's data with the framing removed and binary escapes
// still in place (only the families that carry binary data undo them).
ParseResult<RspPacket> parse_packet(std::string_view payload);

// The leading word of a packet ("qSupported", "vCont", "m"), for logs.
std::string packet_name(std::string_view payload);

// The family parsers parse_packet() chooses between (one file each).
ParseResult<RspPacket> parse_query_packet(std::string_view payload);
ParseResult<RspPacket> parse_register_packet(std::string_view payload);
ParseResult<RspPacket> parse_memory_packet(std::string_view payload);
ParseResult<RspPacket> parse_breakpoint_packet(std::string_view payload);
ParseResult<RspPacket> parse_resume_packet(std::string_view payload);
ParseResult<RspPacket> parse_thread_packet(std::string_view payload);
ParseResult<RspPacket> parse_vfile_packet(std::string_view payload);
ParseResult<RspPacket> parse_process_packet(std::string_view payload);

}  // namespace ebb::rsp
