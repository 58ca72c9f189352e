//===- Gemm.cpp - Single-precision GEMM for generated code ----------------===//
//
// Part of dlcc's runtime (libdlrt). dlrt_sgemm and dlrt_sgemm_batched of
// include/dlrt/ModelABI.h over OpenBLAS's row-major cblas_sgemm.
//
//===----------------------------------------------------------------------===//

#include "dlrt/ModelABI.h"
#include "runtime/Fail.h"

#include <cblas.h>
#include <omp.h>

#include <climits>
#include <string>

namespace {

/// The BLAS takes 32-bit sizes; a plan beyond them is a compiler bug.
blasint checkedInt(int64_t value, const char *what) {
  if (value < 0 || value > INT_MAX)
    dlrt::internalError(std::string("dlrt_sgemm: ") + what + " = " +
                        std::to_string(value) + " is out of range");
  return static_cast<blasint>(value);
}

/// Validates the sizes and forwards one GEMM to cblas_sgemm. Row-major:
/// op(A) is M x K, so A is M x K (lda >= K) or, transposed, K x M (lda >= M).
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float *A, int64_t lda, const float *B,
           int64_t ldb, float beta, float *C, int64_t ldc) {
  blasint m = checkedInt(M, "M"), n = checkedInt(N, "N"),
          k = checkedInt(K, "K");
  if (m == 0 || n == 0)
    return;
  // The BLAS wants leading dimensions of at least 1 even for empty operands.
  auto leading = [](int64_t ld, int64_t columns, const char *what) {
    if (ld < (columns > 1 ? columns : 1))
      dlrt::internalError(std::string("dlrt_sgemm: ") + what + " = " +
                          std::to_string(ld) + " is less than the " +
                          std::to_string(columns) + " columns");
    return checkedInt(ld, what);
  };
  blasint la = leading(lda, transA ? M : K, "lda");
  blasint lb = leading(ldb, transB ? K : N, "ldb");
  blasint lc = leading(ldc, N, "ldc");
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, A, la, B, lb,
              beta, C, lc);
}

} // namespace

extern "C" void dlrt_sgemm(int32_t transA, int32_t transB, int64_t M, int64_t N,
                           int64_t K, float alpha, const float *A, int64_t lda,
                           const float *B, int64_t ldb, float beta, float *C,
                           int64_t ldc) {
  sgemm(transA != 0, transB != 0, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

namespace {
/// Whether two products run faster side by side, one thread each: with two
/// threads, OpenBLAS's two threads synchronize several times inside each
/// product (and wait for the slower one), while two single-threaded products
/// never wait. OpenBLAS built for OpenMP (openblas_get_parallel() == 2) runs
/// single-threaded inside a parallel region; a pthreads build would start
/// threads of its own in each.
bool productsSideBySide() {
  return omp_get_max_threads() == 2 && !omp_in_parallel() &&
         openblas_get_parallel() == 2;
}
} // namespace

extern "C" void dlrt_sgemm_pair(int32_t transA1, int32_t transB1, int64_t M1,
                                int64_t N1, int64_t K1, float alpha1,
                                const float *A1, int64_t lda1, const float *B1,
                                int64_t ldb1, float beta1, float *C1,
                                int64_t ldc1, int32_t transA2, int32_t transB2,
                                int64_t M2, int64_t N2, int64_t K2,
                                float alpha2, const float *A2, int64_t lda2,
                                const float *B2, int64_t ldb2, float beta2,
                                float *C2, int64_t ldc2) {
  auto product = [&](int which) {
    if (which == 0)
      sgemm(transA1 != 0, transB1 != 0, M1, N1, K1, alpha1, A1, lda1, B1, ldb1,
            beta1, C1, ldc1);
    else
      sgemm(transA2 != 0, transB2 != 0, M2, N2, K2, alpha2, A2, lda2, B2, ldb2,
            beta2, C2, ldc2);
  };
  if (!productsSideBySide()) {
    product(0);
    product(1);
    return;
  }
  // A loop, not thread numbers: a team of one still runs both.
#pragma omp parallel for num_threads(2) schedule(static, 1)
  for (int which = 0; which < 2; ++which)
    product(which);
}

extern "C" void dlrt_sgemm_batched(int64_t batch, int32_t transA,
                                   int32_t transB, int64_t M, int64_t N,
                                   int64_t K, float alpha, const float *A,
                                   int64_t lda, int64_t strideA, const float *B,
                                   int64_t ldb, int64_t strideB, float beta,
                                   float *C, int64_t ldc, int64_t strideC) {
  if (batch < 0)
    dlrt::internalError("dlrt_sgemm_batched: batch = " + std::to_string(batch) +
                        " is negative");
  for (int64_t i = 0; i < batch; ++i)
    sgemm(transA != 0, transB != 0, M, N, K, alpha, A + i * strideA, lda,
          B + i * strideB, ldb, beta, C + i * strideC, ldc);
}
