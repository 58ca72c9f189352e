//===- TokenBatchSource.h - Next-token batches of a text --------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The `text` and `tokens` data sources:
// a stream of token ids cut into windows of `context + 1` tokens; the
// model's first integer input receives the first `context` tokens of each
// window and its second the same shifted by one (the next-token targets).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_TOKENBATCHSOURCE_H
#define DLRT_TOKENBATCHSOURCE_H

#include "runtime/BatchSource.h"
#include "runtime/MappedFile.h"

#include <memory>
#include <vector>

namespace dlrt {

/// The tokens of a corpus.
struct TokenCorpus {
  std::string path;
  std::string kind; ///< "text", "u16 tokens" or "u32 tokens".
  /// Text: one id per kept byte. Tokens: empty (the ids stay in `file`).
  std::vector<uint8_t> textIds;
  std::shared_ptr<const MappedFile> file;
  int width = 1;       ///< Bytes per token in `file`.
  int64_t count = 0;   ///< Tokens.
  int64_t dropped = 0; ///< Text: bytes left out.

  uint32_t at(int64_t index) const;
};

/// The byte-level vocabulary of text(): newline is 0, the printable ASCII
/// characters 32..126 are 1..95, and a tab reads as a space. Returns -1
/// for a byte that is left out.
int textTokenId(unsigned char byte);

/// Reads a text file as byte-level tokens (textTokenId), counting the
/// bytes left out. Throws Error naming the file.
TokenCorpus readTextCorpus(const std::string &path);

/// Maps a file of little-endian token ids of `width` bytes (2 or 4).
/// Throws Error when the size is not a multiple of the width.
TokenCorpus mapTokenFile(const std::string &path, int width);

/// Batches of windows of a corpus. Training draws each window's start
/// uniformly from the counter-based generator keyed by the seed and the
/// batch number (epoch * batchesPerEpoch + index), so an epoch is a number
/// of batches, (tokens - 1) / (B * context), rather than a pass over every
/// window. Evaluation takes the windows one after the other, each starting
/// `context` tokens after the one before.
class TokenBatchSource : public BatchSource {
public:
  /// Checks that the model has exactly two integer inputs of shape
  /// [B, context] and that the corpus holds at least one batch.
  TokenBatchSource(const ModelDesc &model, TokenCorpus corpus, int64_t context);

  int64_t batchesPerEpoch(BatchOrder order) const override;
  void fill(BatchOrder order, uint64_t seed, int64_t epoch, int64_t index,
            const BatchView &view) const override;
  std::string describe() const override { return corpus.path; }
  int64_t tokensPerExample() const override { return context; }
  std::string note() const override;

private:
  TokenCorpus corpus;
  int64_t context = 0, batch = 0;
  const TensorDesc *tokens = nullptr, *targets = nullptr;
};

} // namespace dlrt

#endif // DLRT_TOKENBATCHSOURCE_H
