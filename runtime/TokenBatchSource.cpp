//===- TokenBatchSource.cpp - Next-token batches of a token stream --------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/TokenBatchSource.h"

#include "runtime/Error.h"
#include "runtime/Shuffle.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace dlrt {

uint32_t TokenCorpus::at(int64_t index) const {
  if (!file)
    return textIds[size_t(index)];
  const uint8_t *p = file->data() + uint64_t(index) * uint64_t(width);
  uint32_t id = 0;
  for (int i = width - 1; i >= 0; --i)
    id = id << 8 | p[i];
  return id;
}

int textTokenId(unsigned char byte) {
  if (byte == '\n')
    return 0;
  if (byte == '\t')
    byte = ' ';
  if (byte >= 32 && byte <= 126)
    return byte - 31;
  return -1;
}

TokenCorpus readTextCorpus(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(path + ": cannot open: " + std::strerror(errno));
  TokenCorpus corpus;
  corpus.path = path;
  corpus.kind = "text";
  std::istreambuf_iterator<char> it(in), end;
  for (; it != end; ++it) {
    int id = textTokenId((unsigned char)*it);
    if (id < 0)
      ++corpus.dropped;
    else
      corpus.textIds.push_back(uint8_t(id));
  }
  if (in.bad())
    throw Error(path + ": cannot read the file");
  corpus.count = int64_t(corpus.textIds.size());
  return corpus;
}

TokenCorpus mapTokenFile(const std::string &path, int width) {
  TokenCorpus corpus;
  corpus.path = path;
  corpus.kind = width == 2 ? "u16 tokens" : "u32 tokens";
  corpus.file = std::make_shared<MappedFile>(path);
  corpus.width = width;
  if (corpus.file->size() % uint64_t(width) != 0)
    throw Error(path + ": " + std::to_string(corpus.file->size()) +
                " bytes are not a whole number of " + corpus.kind + " (" +
                std::to_string(width) + " bytes each)");
  corpus.count = int64_t(corpus.file->size() / uint64_t(width));
  return corpus;
}

TokenBatchSource::TokenBatchSource(const ModelDesc &model, TokenCorpus data,
                                   int64_t contextLength)
    : corpus(std::move(data)), context(contextLength) {
  std::vector<const TensorDesc *> inputs = model.withRole(TensorRole::Input);
  auto fits = [&](const TensorDesc *input) {
    return (input->dtype == DType::I32 || input->dtype == DType::I64) &&
           input->shape.size() == 2;
  };
  if (inputs.size() != 2 || !fits(inputs[0]) || !fits(inputs[1]) ||
      inputs[0]->shape != inputs[1]->shape)
    throw Error(corpus.kind + " data feeds two integer inputs of shape [B, " +
                "context] (the tokens and the next-token targets), but the "
                "model '" +
                model.model + "' has other inputs");
  tokens = inputs[0];
  targets = inputs[1];
  batch = tokens->shape[0];
  if (tokens->shape[1] != context)
    throw Error(corpus.path + ": the context of the data, " +
                std::to_string(context) + ", is not the model's: the input '" +
                tokens->name + "' has shape " + formatShape(tokens->shape));
  if (corpus.count - 1 < batch * context)
    throw Error(corpus.path + ": holds " + std::to_string(corpus.count) +
                " tokens, fewer than one batch needs (" +
                std::to_string(batch) + " x " + std::to_string(context) +
                " and one more)");
}

int64_t TokenBatchSource::batchesPerEpoch(BatchOrder order) const {
  if (order == BatchOrder::Training)
    return (corpus.count - 1) / (batch * context);
  return (corpus.count - 1) / context / batch;
}

void TokenBatchSource::fill(BatchOrder order, uint64_t seed, int64_t epoch,
                            int64_t index, const BatchView &view) const {
  uint8_t *tokenOut = view[tokens];
  uint8_t *targetOut = view[targets];
  int64_t batchNumber = epoch * batchesPerEpoch(order) + index;
  for (int64_t row = 0; row < batch; ++row) {
    int64_t start;
    if (order == BatchOrder::Training)
      start =
          int64_t(randomBelow(randomBits(seed, RandomStream::TextWindows,
                                         uint64_t(batchNumber), uint64_t(row)),
                              uint64_t(corpus.count - context)));
    else
      start = (index * batch + row) * context;
    for (int64_t t = 0; t < context; ++t) {
      int64_t at = row * context + t;
      uint32_t current = corpus.at(start + t), next = corpus.at(start + t + 1);
      if (tokens->dtype == DType::I32) {
        int32_t a = int32_t(current), b = int32_t(next);
        std::memcpy(tokenOut + 4 * at, &a, 4);
        std::memcpy(targetOut + 4 * at, &b, 4);
      } else {
        int64_t a = current, b = next;
        std::memcpy(tokenOut + 8 * at, &a, 8);
        std::memcpy(targetOut + 8 * at, &b, 8);
      }
    }
  }
}

std::string TokenBatchSource::note() const {
  if (corpus.dropped == 0)
    return "";
  return corpus.path + ": " + std::to_string(corpus.dropped) +
         " bytes that are not printable ASCII, newline or tab were left out";
}

} // namespace dlrt
