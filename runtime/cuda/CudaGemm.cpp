//===- CudaGemm.cpp - Single-precision GEMM on the GPU (cuBLASLt) ---------===//
//
// Part of dlcc's runtime (libdlrt_cuda). dlrt_cuda_sgemm,
// dlrt_cuda_sgemm_bias and dlrt_cuda_sgemm_batched of
// include/dlrt/ModelABI.h: the contract of dlrt_sgemm on device memory, on
// the program's stream.
//
// cuBLASLt is column-major; a row-major matrix read column-major is its
// transpose, so the row-major C = op(A) op(B) is computed as the
// column-major C^T = op(B)^T op(A)^T: B first, then A, m and n swapped.
// Compute is full f32 (CUBLAS_COMPUTE_32F, no TF32), as on the CPU. Each
// distinct shape gets its descriptors and algorithm once.
//
//===----------------------------------------------------------------------===//

#include "dlrt/ModelABI.h"
#include "runtime/cuda/CudaError.h"
#include "runtime/cuda/CudaProgram.h"

#include <map>
#include <string>
#include <tuple>

namespace {

using namespace dlrt::cuda;

/// transA, transB, M, N, K, lda, ldb, ldc, batch, strideA, strideB,
/// strideC, and whether a bias is added (CUBLASLT_EPILOGUE_BIAS).
using GemmKey =
    std::tuple<int32_t, int32_t, int64_t, int64_t, int64_t, int64_t, int64_t,
               int64_t, int64_t, int64_t, int64_t, int64_t, bool>;

struct GemmPlan {
  cublasLtMatmulDesc_t operation = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algorithm{};
};

std::string shapeText(int64_t batch, int64_t M, int64_t N, int64_t K) {
  return std::to_string(batch) + " x " + std::to_string(M) + "x" +
         std::to_string(N) + "x" + std::to_string(K);
}

/// A column-major layout of `rows` x `columns` with leading dimension `ld`,
/// `batch` of them `stride` elements apart.
cublasLtMatrixLayout_t layout(int64_t rows, int64_t columns, int64_t ld,
                              int64_t batch, int64_t stride,
                              const std::string &what) {
  cublasLtMatrixLayout_t out = nullptr;
  checkInStep(cublasLtMatrixLayoutCreate(&out, CUDA_R_32F, uint64_t(rows),
                                         uint64_t(columns), ld),
              "cublasLtMatrixLayoutCreate (" + what + ")");
  if (batch > 1) {
    int32_t count = int32_t(batch);
    checkInStep(
        cublasLtMatrixLayoutSetAttribute(
            out, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count),
        "cublasLtMatrixLayoutSetAttribute (" + what + ")");
    checkInStep(cublasLtMatrixLayoutSetAttribute(
                    out, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                    sizeof stride),
                "cublasLtMatrixLayoutSetAttribute (" + what + ")");
  }
  return out;
}

const GemmPlan &planFor(const GemmKey &key) {
  static std::map<GemmKey, GemmPlan> plans;
  auto found = plans.find(key);
  if (found != plans.end())
    return found->second;

  auto [transA, transB, M, N, K, lda, ldb, ldc, batch, strideA, strideB,
        strideC, withBias] = key;
  std::string what = "GEMM " + shapeText(batch, M, N, K);
  CudaProgram &program = currentProgram();
  GemmPlan plan;
  checkInStep(
      cublasLtMatmulDescCreate(&plan.operation, CUBLAS_COMPUTE_32F, CUDA_R_32F),
      "cublasLtMatmulDescCreate (" + what + ")");
  // cuBLASLt's A is our B, its B our A (see the top of the file).
  cublasOperation_t opFirst = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opSecond = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  checkInStep(cublasLtMatmulDescSetAttribute(plan.operation,
                                             CUBLASLT_MATMUL_DESC_TRANSA,
                                             &opFirst, sizeof opFirst),
              "cublasLtMatmulDescSetAttribute (" + what + ")");
  checkInStep(cublasLtMatmulDescSetAttribute(plan.operation,
                                             CUBLASLT_MATMUL_DESC_TRANSB,
                                             &opSecond, sizeof opSecond),
              "cublasLtMatmulDescSetAttribute (" + what + ")");
  if (withBias) {
    // Column-major, the output is C^T: the bias runs down its rows (N of
    // them) and is broadcast across its columns, as a row vector of C.
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    checkInStep(cublasLtMatmulDescSetAttribute(plan.operation,
                                               CUBLASLT_MATMUL_DESC_EPILOGUE,
                                               &epilogue, sizeof epilogue),
                "cublasLtMatmulDescSetAttribute (" + what + ", bias)");
  }
  plan.a = transB ? layout(K, N, ldb, batch, strideB, what)
                  : layout(N, K, ldb, batch, strideB, what);
  plan.b = transA ? layout(M, K, lda, batch, strideA, what)
                  : layout(K, M, lda, batch, strideA, what);
  plan.c = layout(N, M, ldc, batch, strideC, what);

  cublasLtMatmulPreference_t preference = nullptr;
  checkInStep(cublasLtMatmulPreferenceCreate(&preference),
              "cublasLtMatmulPreferenceCreate");
  uint64_t workspace = program.workspaceBytes;
  checkInStep(cublasLtMatmulPreferenceSetAttribute(
                  preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                  &workspace, sizeof workspace),
              "cublasLtMatmulPreferenceSetAttribute");
  cublasLtMatmulHeuristicResult_t result{};
  int count = 0;
  checkInStep(cublasLtMatmulAlgoGetHeuristic(program.blasLt, plan.operation,
                                             plan.a, plan.b, plan.c, plan.c,
                                             preference, 1, &result, &count),
              "cublasLtMatmulAlgoGetHeuristic (" + what + ")");
  cublasLtMatmulPreferenceDestroy(preference);
  if (count == 0)
    failInStep("cuBLASLt has no algorithm for the " + what);
  plan.algorithm = result.algo;
  return plans.emplace(key, plan).first->second;
}

/// C = alpha op(A) op(B) + beta C, plus `bias` (N floats) on every row
/// where it is not null.
void gemm(int32_t transA, int32_t transB, int64_t M, int64_t N, int64_t K,
          float alpha, const float *A, int64_t lda, int64_t strideA,
          const float *B, int64_t ldb, int64_t strideB, float beta, float *C,
          int64_t ldc, int64_t strideC, int64_t batch,
          const float *bias = nullptr) {
  if (M == 0 || N == 0 || batch == 0)
    return;
  const GemmPlan &plan =
      planFor({transA != 0, transB != 0, M, N, K, lda, ldb, ldc, batch, strideA,
               strideB, strideC, bias != nullptr});
  CudaProgram &program = currentProgram();
  // The plan is shared by the calls of its shape; the bias's address is
  // the call's (cuBLASLt reads it when the call is enqueued).
  if (bias)
    checkInStep(cublasLtMatmulDescSetAttribute(
                    plan.operation, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                    sizeof bias),
                "cublasLtMatmulDescSetAttribute (bias of the GEMM " +
                    shapeText(batch, M, N, K) + ")");
  checkInStep(cublasLtMatmul(program.blasLt, plan.operation, &alpha, B, plan.a,
                             A, plan.b, &beta, C, plan.c, C, plan.c,
                             &plan.algorithm, program.workspace,
                             program.workspaceBytes, program.stream),
              "cublasLtMatmul (GEMM " + shapeText(batch, M, N, K) + ")");
}

} // namespace

extern "C" void dlrt_cuda_sgemm(int32_t transA, int32_t transB, int64_t M,
                                int64_t N, int64_t K, float alpha,
                                const float *A, int64_t lda, const float *B,
                                int64_t ldb, float beta, float *C,
                                int64_t ldc) {
  gemm(transA, transB, M, N, K, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0,
       1);
}

extern "C" void dlrt_cuda_sgemm_bias(int32_t transA, int32_t transB, int64_t M,
                                     int64_t N, int64_t K, float alpha,
                                     const float *A, int64_t lda,
                                     const float *B, int64_t ldb,
                                     const float *bias, float *C, int64_t ldc) {
  gemm(transA, transB, M, N, K, alpha, A, lda, 0, B, ldb, 0, 0.0f, C, ldc, 0, 1,
       bias);
}

extern "C" void dlrt_cuda_sgemm_batched(int64_t batch, int32_t transA,
                                        int32_t transB, int64_t M, int64_t N,
                                        int64_t K, float alpha, const float *A,
                                        int64_t lda, int64_t strideA,
                                        const float *B, int64_t ldb,
                                        int64_t strideB, float beta, float *C,
                                        int64_t ldc, int64_t strideC) {
  if (batch < 0)
    failInStep("internal error: dlrt_cuda_sgemm_batched: batch = " +
               std::to_string(batch) + " is negative");
  gemm(transA, transB, M, N, K, alpha, A, lda, strideA, B, ldb, strideB, beta,
       C, ldc, strideC, batch);
}
