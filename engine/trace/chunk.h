// The `events` file format (docs/trace-format.md): a 12-byte preamble
// (kEventsMagic + u32 kFormatVersion), then chunks. A chunk is a fixed 32-byte
// little-endian header followed by one zstd frame (with a content checksum)
// whose decompressed bytes are Cap'n Proto flat messages laid end to end: one
// Event per event, or a single Trailer in the trailer chunk.
//
// This file only encodes and decodes bytes; it does no file I/O. Every decode
// failure is an Error of kind kTraceCorrupt whose message says what is wrong
// ("bad chunk magic", ...); the reader adds the path and position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/base/result.h"

// zstd's context types, so this header does not pull in <zstd.h>.
struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace ebb::trace {

// kEventsMagic + u32 kFormatVersion.
inline constexpr size_t kPreambleSize = 12;

// Chunk header layout (all little-endian):
//   0 u32 magic 'EBC1'    4 u32 flags          8 u64 first_event
//  16 u32 event_count    20 u32 raw_size      24 u32 compressed_size
//  28 u32 header_checksum (FNV-1a 32 of bytes 0..27)
inline constexpr size_t kChunkHeaderSize = 32;
inline constexpr uint32_t kChunkMagic = 0x31434245;  // bytes 'E' 'B' 'C' '1'
inline constexpr uint32_t kChunkFlagTrailer = 1u << 0;
inline constexpr uint32_t kKnownChunkFlags = kChunkFlagTrailer;
// Larger chunks are rejected before anything is allocated for them; the writer
// refuses a single event this large.
inline constexpr uint32_t kMaxChunkRawSize = 1u << 30;
inline constexpr int kZstdLevel = 3;
// A chunk this large (an exec snapshot, a library's bytes: start-up) is compressed at
// kZstdFastLevel: a short program's recording ends waiting for it (~7 ms less for /bin/true
// here), for ~10% more bytes.
inline constexpr size_t kFastChunkRawSize = 512u << 10;
inline constexpr int kZstdFastLevel = 1;

struct ChunkHeader {
  uint32_t flags = 0;
  uint64_t first_event = 0;
  uint32_t event_count = 0;
  uint32_t raw_size = 0;
  uint32_t compressed_size = 0;

  bool is_trailer() const { return (flags & kChunkFlagTrailer) != 0; }
};

uint32_t fnv1a32(const uint8_t* data, size_t size);

// Little-endian helpers shared by the writer and the reader.
void put_u32(uint8_t* out, uint32_t v);
void put_u64(uint8_t* out, uint64_t v);
uint32_t get_u32(const uint8_t* in);
uint64_t get_u64(const uint8_t* in);

// Writes `magic` + u32 `version` to out[0..kPreambleSize).
void encode_preamble(const char (&magic)[8], uint32_t version, uint8_t* out);

// Writes the header, checksum included, to out[0..kChunkHeaderSize).
void encode_chunk_header(const ChunkHeader& header, uint8_t* out);
// Decodes and checks one header: magic, checksum, known flags, sizes within
// bounds (raw_size <= kMaxChunkRawSize and a multiple of 8, compressed_size
// no more than zstd could produce for raw_size, event counts that fit).
Result<ChunkHeader> decode_chunk_header(const uint8_t* in);

// Builds whole chunks. Keeps one zstd context for all of them.
class ChunkCompressor {
 public:
  ChunkCompressor();
  ~ChunkCompressor();
  ChunkCompressor(const ChunkCompressor&) = delete;
  ChunkCompressor& operator=(const ChunkCompressor&) = delete;

  // Returns header + zstd frame as one buffer, ready for a single write.
  // `header.raw_size` and `header.compressed_size` are filled in here.
  // Precondition: raw.size() <= kMaxChunkRawSize and is a multiple of 8.
  Result<std::vector<uint8_t>> build(ChunkHeader header, const std::vector<uint8_t>& raw);

 private:
  ZSTD_CCtx_s* cctx_;
};

class ChunkDecompressor {
 public:
  ChunkDecompressor();
  ~ChunkDecompressor();
  ChunkDecompressor(const ChunkDecompressor&) = delete;
  ChunkDecompressor& operator=(const ChunkDecompressor&) = delete;

  // Decompresses the `header.compressed_size` bytes at `frame` into
  // out[0..header.raw_size). Fails unless they are exactly one zstd frame
  // that passes its checksum and yields exactly raw_size bytes.
  Status decompress(const ChunkHeader& header, const uint8_t* frame, uint8_t* out);

 private:
  ZSTD_DCtx_s* dctx_;
};

}  // namespace ebb::trace
