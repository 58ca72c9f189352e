//===- Checkpoint.h - Saving and resuming training runs ---------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). A checkpoint is a safetensors file:
//
//   <param>, <buffer>           under their names (PyTorch state_dict
//                               names: load_state_dict reads them)
//   optimizer.<param>.<kind>    the optimizer state (exp_avg, exp_avg_sq,
//                               momentum_buffer)
//   __metadata__                format "pt", model, dlcc_checkpoint "1",
//                               step, epoch, batch_index,
//                               batches_per_epoch, seed (decimal strings),
//                               log_window and loss_curve (JSON)
//
// Checkpoints are written atomically (SafetensorsWriter), so an
// interrupted write leaves the previous one intact.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_CHECKPOINT_H
#define DLRT_CHECKPOINT_H

#include "runtime/ModelDescriptor.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dlrt {

/// Where a training run stands, besides its tensors.
struct TrainProgress {
  int64_t step = 0; ///< Optimizer steps done.
  uint64_t seed = 0;
  int64_t batchesPerEpoch = 1; ///< Of the training data.
  /// Steps since the last logged one, and the sum over them of every
  /// logged value (loss, metrics, stats) by name: the next log line
  /// reports their means.
  int64_t windowSteps = 0;
  std::map<std::string, double> windowSums;
  /// The loss curve so far: (step, mean train loss) of each logged step and
  /// (step, eval loss) of each evaluation.
  std::vector<std::pair<int64_t, double>> trainCurve, evalCurve;

  /// The position of the next batch: epoch and index within it.
  int64_t nextEpoch() const { return step / batchesPerEpoch; }
  int64_t nextIndex() const { return step % batchesPerEpoch; }
};

/// The name of a state tensor in a checkpoint: "optimizer.<name>".
std::string checkpointStateName(const std::string &stateName);

/// Writes the params, buffers and optimizer state of `arena` with
/// `progress` to `path`, atomically. Throws Error naming the file.
void saveCheckpoint(const std::string &path, const ModelDesc &model,
                    const uint8_t *arena, const TrainProgress &progress);

/// Reads the checkpoint `path` for `model`: checks the whole file first
/// (it is a checkpoint of this model; every param, buffer and state tensor
/// is there with its dtype and shape and nothing else is; the metadata is
/// complete and consistent), then copies the tensors into `arena`. Throws
/// Error naming the file.
TrainProgress loadCheckpoint(const std::string &path, const ModelDesc &model,
                             uint8_t *arena);

} // namespace dlrt

#endif // DLRT_CHECKPOINT_H
