#include "engine/trace/chunk.h"

#include <zstd.h>

#include <cstring>
#include <limits>
#include <string>

#include "engine/base/assert.h"

namespace ebb::trace {

namespace {

Error corrupt(std::string what) { return make_error(ErrorKind::kTraceCorrupt, std::move(what)); }

// The smallest flat message: an 8-byte segment table and a one-word segment
// holding the root pointer.
constexpr uint32_t kMinMessageBytes = 16;

}  // namespace

uint32_t fnv1a32(const uint8_t* data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 16777619u;
  }
  return h;
}

void put_u32(uint8_t* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

void put_u64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint32_t get_u32(const uint8_t* in) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

uint64_t get_u64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

void encode_preamble(const char (&magic)[8], uint32_t version, uint8_t* out) {
  std::memcpy(out, magic, sizeof magic);
  put_u32(out + 8, version);
}

void encode_chunk_header(const ChunkHeader& header, uint8_t* out) {
  put_u32(out + 0, kChunkMagic);
  put_u32(out + 4, header.flags);
  put_u64(out + 8, header.first_event);
  put_u32(out + 16, header.event_count);
  put_u32(out + 20, header.raw_size);
  put_u32(out + 24, header.compressed_size);
  put_u32(out + 28, fnv1a32(out, 28));
}

Result<ChunkHeader> decode_chunk_header(const uint8_t* in) {
  if (get_u32(in) != kChunkMagic) return corrupt("bad chunk magic");
  if (get_u32(in + 28) != fnv1a32(in, 28)) return corrupt("chunk header checksum mismatch");
  ChunkHeader h;
  h.flags = get_u32(in + 4);
  h.first_event = get_u64(in + 8);
  h.event_count = get_u32(in + 16);
  h.raw_size = get_u32(in + 20);
  h.compressed_size = get_u32(in + 24);
  if ((h.flags & ~kKnownChunkFlags) != 0) {
    return corrupt("unknown chunk flags 0x" + std::to_string(h.flags));
  }
  if (h.raw_size > kMaxChunkRawSize) {
    return corrupt("chunk size " + std::to_string(h.raw_size) + " exceeds the limit of " +
                   std::to_string(kMaxChunkRawSize) + " bytes");
  }
  if (h.raw_size % 8 != 0 || h.raw_size < kMinMessageBytes) {
    return corrupt("chunk size " + std::to_string(h.raw_size) + " is not a whole number of messages");
  }
  if (h.compressed_size == 0 || h.compressed_size > ZSTD_compressBound(h.raw_size)) {
    return corrupt("compressed size " + std::to_string(h.compressed_size) +
                   " does not fit a chunk of " + std::to_string(h.raw_size) + " bytes");
  }
  const uint32_t max_events = h.raw_size / kMinMessageBytes;
  if (h.is_trailer() ? h.event_count != 0 : (h.event_count == 0 || h.event_count > max_events)) {
    return corrupt("event count " + std::to_string(h.event_count) + " does not fit the chunk");
  }
  if (h.first_event > std::numeric_limits<uint64_t>::max() - h.event_count) {
    return corrupt("first event number out of range");
  }
  return h;
}

ChunkCompressor::ChunkCompressor() : cctx_(ZSTD_createCCtx()) {
  EBB_ASSERT_MSG(cctx_ != nullptr, "ZSTD_createCCtx failed");
  // The frame checksum lets the reader tell a damaged payload from a good one.
  ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
}

ChunkCompressor::~ChunkCompressor() { ZSTD_freeCCtx(cctx_); }

Result<std::vector<uint8_t>> ChunkCompressor::build(ChunkHeader header,
                                                    const std::vector<uint8_t>& raw) {
  EBB_ASSERT(raw.size() <= kMaxChunkRawSize && raw.size() % 8 == 0);
  std::vector<uint8_t> out(kChunkHeaderSize + ZSTD_compressBound(raw.size()));
  ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel,
                         raw.size() >= kFastChunkRawSize ? kZstdFastLevel : kZstdLevel);
  const size_t n = ZSTD_compress2(cctx_, out.data() + kChunkHeaderSize,
                                  out.size() - kChunkHeaderSize, raw.data(), raw.size());
  if (ZSTD_isError(n)) {
    ZSTD_CCtx_reset(cctx_, ZSTD_reset_session_only);
    return make_error(ErrorKind::kOs,
                      std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  header.raw_size = static_cast<uint32_t>(raw.size());
  header.compressed_size = static_cast<uint32_t>(n);
  encode_chunk_header(header, out.data());
  out.resize(kChunkHeaderSize + n);
  return out;
}

ChunkDecompressor::ChunkDecompressor() : dctx_(ZSTD_createDCtx()) {
  EBB_ASSERT_MSG(dctx_ != nullptr, "ZSTD_createDCtx failed");
}

ChunkDecompressor::~ChunkDecompressor() { ZSTD_freeDCtx(dctx_); }

Status ChunkDecompressor::decompress(const ChunkHeader& header, const uint8_t* frame,
                                     uint8_t* out) {
  // Exactly one frame, of the announced size: anything else is damage.
  const size_t frame_size = ZSTD_findFrameCompressedSize(frame, header.compressed_size);
  if (ZSTD_isError(frame_size) || frame_size != header.compressed_size) {
    return corrupt("compressed payload is not a single zstd frame");
  }
  const unsigned long long content = ZSTD_getFrameContentSize(frame, header.compressed_size);
  if (content != header.raw_size) {
    return corrupt("compressed payload size does not match the chunk header");
  }
  const size_t n = ZSTD_decompressDCtx(dctx_, out, header.raw_size, frame, header.compressed_size);
  if (ZSTD_isError(n)) {
    ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);
    return corrupt(std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  if (n != header.raw_size) return corrupt("compressed payload is shorter than announced");
  return ok_status();
}

}  // namespace ebb::trace
