//===- Passes.td - Passes of dlcc that cross dialects ------*- tablegen -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_PASSES_TD
#define DLCC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DLEmulateBF16 : Pass<"dl-emulate-bf16", "mlir::ModuleOp"> {
  let summary = "Computes bf16 (and f16 math) in f32, rounding every result back.";
  let description = [{
    For hosts without bf16 arithmetic, on scalar code (after linalg became
    loops): `math` ops on bf16 or f16 and `arith` ops on bf16 compute in f32
    and round each result to the original type, as PyTorch does on the CPU;
    then every f32 <-> bf16 conversion becomes integer code (round to
    nearest even, NaN kept), so that programs need no conversion routines
    from the C libraries (`__truncsfbf2` is missing before GCC 13).

    Unlike `arith-emulate-unsupported-floats` followed by `arith-expand`,
    the rounding between two emulated operations is never folded away:
    `(a * b) + c` on bf16 rounds the product to bf16 before the sum.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect"];
}

def DLApproximateMath : Pass<"dl-approximate-math", "mlir::ModuleOp"> {
  let summary = "Computes f32 erf and exp with polynomials instead of libm calls.";
  let description = [{
    On the CPU, after linalg became loops: every f32 `math.erf` (GELU's)
    and `math.exp` (GELU's gradient, softmax written out, sigmoid) becomes
    plain arithmetic that LLVM vectorizes with the loop around it, where a
    call of libm's `erff` or `expf` keeps the loop scalar. exp is MLIR's
    `ExpApproximation` (Cephes' with range reduction); erf is a ratio of
    two polynomials in x^2 (degrees 6 and 4) on x clamped to [-3.92, 3.92],
    the result clamped to [-1, 1] (MLIR's `ErfPolynomialApproximation`
    selects each of its coefficients among three intervals, and gpt's GELU
    loops spent their time on the selects and on reloading coefficients).
    The polynomials' fused multiply-adds become a multiply and an add
    (x86-64-v2 has no FMA, and libm's `fmaf` would be slow; the backend
    fuses them again where the target has FMA). The error stays within a
    few f32 ulps (erf within 4.1e-7; checked against PyTorch by
    test/Numerics, GELU over [-5, 5] to 1e-6); f64 keeps libm.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect"];
}

def DLThreadLoops : Pass<"dl-thread-loops", "mlir::ModuleOp"> {
  let summary = "Lowers linalg ops on buffers to loops; the large parallel ones run on threads.";
  let description = [{
    On the CPU, in place of `convert-linalg-to-loops`: every linalg op on
    buffers becomes a loop nest whose parallel loops are `scf.parallel`
    (`linalg::linalgOpToParallelLoops`). Before that, per op:
    - the innermost loops merge into one where every operand holds their
      dimensions contiguously and every indexing map keeps them together
      (H and W of [N, C, H, W]) or leaves them out, loops of one kind
      only, the outermost never: LLVM vectorizes a long loop along
      memory, not short rows across with gathers;
    - inputs of one element for the whole op (the optimizer's
      hyper-parameters) are loaded once before it;
    - an op whose innermost loop is a reduction (batch norm's sums over
      [N, C, H, W] per channel) has its parallel loops moved outside its
      reductions;
    - a sum over rows whose innermost loop is parallel (a bias's gradient,
      [rows, columns] -> [columns]) is cut into 8 or 4 blocks of columns,
      an `scf.parallel` over the blocks.
    Then an outermost `scf.parallel` whose work (its iterations times the
    operations of its body, nested loops counted by their trip counts)
    reaches `min-work` keeps its leading dimensions (enough for 16 chunks)
    parallel, for `convert-scf-to-openmp`; every other `scf.parallel`
    becomes a nest of `scf.for`. A reduction's accumulators become
    iteration arguments of its loops (RegisterAccumulators.h), a sum's
    addition reassociable. Every sum keeps one fixed order and every
    parallel iteration writes its own elements, so results do not depend
    on the number of threads.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"1 << 16",
           "Operations a loop must execute to be run on threads">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::affine::AffineDialect",
                           "mlir::memref::MemRefDialect"];
}

def DLWriteInPlace : Pass<"dl-write-in-place", "mlir::ModuleOp"> {
  let summary = "Lets the loops that compute an arena tensor's new value write it there.";
  let description = [{
    Before bufferization: a value stored into the arena
    (`bufferization.materialize_in_destination` into a view, as the
    optimizer's new parameters and moments are) is computed by a loop whose
    destination is a `tensor.empty`, so it bufferizes into a temporary that
    is copied over afterwards. Where the function also reads that buffer
    (`bufferization.to_tensor`, restrict, dominating the loop), the loop's
    destination becomes that tensor, made writable: one-shot bufferization
    then writes in place where no later read needs the old value (an
    elementwise update reading and writing one element) and copies where
    one does. The step saves the temporary and the copy. Before that, each
    op that writes into a shared fill of a `tensor.empty` (CSE merges the
    zeros every product accumulates into) gets a fill of its own, just
    before it: bufferization would keep one filled buffer and copy it for
    every writer (gpt's train step: 75 copies, about 95 MB a step).
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def DLOutlineLoops : Pass<"dl-outline-loops", "mlir::ModuleOp"> {
  let summary = "Moves each loop nest of a step into a function of its own.";
  let description = [{
    On the CPU, after the loops are final: every loop nest at the top of a
    public function (`dl_train_step` and the other entry points) becomes a
    private function `<step>.loop<i>`, never inlined, called in its place.
    The values it uses from outside become its arguments, after the pure
    ones (constants, views of the arena) are copied in. LLVM then optimizes
    hundreds of small functions, not one of thousands of blocks whose
    analyses grow faster than its size (and OpenMP's outlining of each
    parallel loop scans only its own small function). Loop nests that use
    a memref LLVM's bare-pointer convention cannot pass (dynamic shape,
    strided layout) stay where they are.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect"];
}

def DLMergeLoopNests : Pass<"dl-merge-loop-nests", "mlir::ModuleOp"> {
  let summary = "Makes loop-nest functions that differ only in their buffers' places one.";
  let description = [{
    After `dl-outline-loops`: the loop nests of a model's repeated layers,
    and of the eval step beside the train step, are the same code on
    buffers at other offsets of the arena. Each loop-nest function whose
    only memrefs are the arena, viewed at constant offsets, instead takes
    one `memref<bytes x i8>` per distinct offset (its slot, viewed at
    offset 0 inside), and its call views the slots out of the arena. A slot
    that overlaps none of the function's other slots is `llvm.noalias`, so
    LLVM still knows what the constant offsets told it: the buffers are
    disjoint. Functions then alike (same body, types and attributes) become
    one, called from every place. LLVM optimizes and compiles each loop
    nest once, not once per layer and step. Last, the body of each parallel
    loop without reductions becomes a function of its own,
    `<name>.body<i>` (internal linkage), whose slot arguments are noalias
    as the loop nest's are: OpenMP passes the values a parallel body uses
    through a struct, which drops noalias, while a call keeps it (LLVM
    inlines the body and turns noalias into alias scopes).
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect"];
}

def DLMultiversionLoops : Pass<"dl-multiversion-loops", "mlir::ModuleOp"> {
  let summary = "Gives each outlined loop nest a second version for wider vectors.";
  let description = [{
    After `dl-outline-loops`, for a program built for a portable CPU: each
    loop-nest function (`dl.loop_nest`) with a parallel loop (one that
    `dl-thread-loops` found work enough for threads; the others are not
    worth the compile time) that does floating-point arithmetic (loops that
    only move data are bound by memory) is copied twice, to `<name>.base` and to
    `<name>.wide`, compiled for `cpu` (LLVM's `target-cpu`, x86-64-v4:
    AVX-512) with 512-bit vectors (LLVM's tuning would keep to 256 bits)
    together with copies of the private functions it calls (its
    parallel bodies, see `dl-merge-loop-nests`). The function itself then
    only chooses: it calls `.wide` when the byte `flag` is not 0, which
    the runtime sets at start-up when the machine runs that CPU's
    instructions (see docs/runtime.md), and `.base` otherwise. The program
    runs anywhere its default CPU runs, and vectorizes its loops with the
    widest registers where they exist. The step's calls stay as they are.
  }];
  let options = [
    Option<"cpu", "cpu", "std::string", /*default=*/"\"x86-64-v4\"",
           "LLVM CPU of the second versions">,
    Option<"flag", "flag", "std::string", /*default=*/"\"dlrt_wide_loops\"",
           "Global byte (i8) that selects the second versions when not 0">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::scf::SCFDialect"];
}

def DLFoldTransposesIntoMatmuls
    : Pass<"dl-fold-transposes-into-matmuls", "mlir::ModuleOp"> {
  let summary = "Lets matrix products read transposed operands in place.";
  let description = [{
    On tensors, before fusion: a `linalg.matmul` operand that is a 2-D
    `linalg.transpose` (autodiff's weight gradient, x^T @ dy) becomes the
    transpose's input with the operand's indexing map swapped, so that the
    GEMM reads it transposed (`dl-linalg-to-blas` passes the BLAS its
    transposition flags) and no transposed copy is written; the transpose
    goes when nothing else uses it.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def DLFuseElementwise : Pass<"dl-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuses elementwise linalg ops on tensors, keeping matrix products whole.";
  let description = [{
    `linalg-fuse-elementwise-ops` (a producer with a single use fused into
    its consumer, reshapes folded by expansion, constants folded), except
    that a `linalg.matmul` or `linalg.batch_matmul` is never fused with its
    operands' producers (an im2col gather, a transposition, an elementwise
    op) nor into its consumer: it stays a product that `dl-linalg-to-blas`
    hands to the runtime's GEMM.
  }];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def DLSumsIntoProducts : Pass<"dl-sums-into-products"> {
  let summary = "Computes a product onto the terms its sum adds to it.";
  let description = [{
    After bufferization on the CPU, before `dl-linalg-to-blas`: a
    `linalg.matmul` into a fresh buffer filled with zeros just before
    (which becomes a GEMM with beta = 0, and OpenBLAS zeroes its output in
    a pass of its own), followed by an elementwise `linalg.generic` (the
    next op to touch memory) that adds the product, read once as it is or
    reshaped, to other terms (a bias; a bias and a residual) through a
    chain of `arith.addf` into an output it overwrites, becomes: that
    generic without the product's operand (the other terms, computed into
    the output), then the product accumulated onto the output (a GEMM with
    beta = 1). The product's own buffer and the pass over it go. Not when
    the product reads the output, when the sum's other operands are made
    after the product, or when anything else reads the product's buffer.
    The terms are added to the product before its last partial sums
    rather than after: a reassociation, as PyTorch's `addmm`.

    ```mlir
    linalg.fill ins(%zero) outs(%c)
    linalg.matmul ins(%a, %w) outs(%c)
    %c3 = memref.expand_shape %c ...
    linalg.generic ins(%x, %c3, %bias) outs(%y)   // y = x + (c + bias)
    // becomes
    linalg.generic ins(%x, %bias) outs(%y)        // y = x + (-0 + bias)
    %y2 = memref.collapse_shape %y ...
    linalg.matmul ins(%a, %w) outs(%y2)
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def DLPairProducts : Pass<"dl-pair-products", "mlir::ModuleOp"> {
  let summary = "Joins two independent GEMM calls of equal work into one.";
  let description = [{
    After `dl-linalg-to-blas` on the CPU, before the memory plan: two
    `dlrt_sgemm` calls with nothing between them that touches memory (only
    views, allocations, addresses and arithmetic), the same number of
    multiply-adds (within 10 %, all sizes constant), and independent (each
    writes a buffer of its own, `memref.alloc`, that the other neither reads
    nor writes) become one `dlrt_sgemm_pair` call where the second was. A
    linear layer's backward is such a pair: dx = dy W and dW = dy^T x take
    the same M N K. The runtime runs the two side by side, one thread each,
    when the step has two threads (OpenBLAS's threads then need not wait
    for each other inside each product), and one after the other otherwise.

    ```mlir
    call @dlrt_sgemm(%a...)      // dx
    %dw = memref.alloc() : memref<192x768xf32>
    call @dlrt_sgemm(%b...)      // dW, into %dw
    // becomes
    %dw = memref.alloc() : memref<192x768xf32>
    call @dlrt_sgemm_pair(%a..., %b...)
    ```
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def DLLinalgToBlas : Pass<"dl-linalg-to-blas", "mlir::ModuleOp"> {
  let summary = "Turns f32 matrix products on memrefs into runtime GEMM calls.";
  let description = [{
    After bufferization, replaces `linalg.matmul` and `linalg.batch_matmul`
    on row-major f32 memrefs (with or without a transposed operand, as the
    indexing maps say) by calls to `dlrt_sgemm` / `dlrt_sgemm_batched`, which
    the runtime implements with OpenBLAS. A product accumulates (beta = 1)
    unless its output buffer was just filled with zeros (a `linalg.fill`,
    with nothing but views and allocations since): then beta = 0 and the
    fill goes. Products whose operands are not row-major with unit inner
    stride stay as linalg and become loops.
    With `device`, the calls are to `dlrt_cuda_sgemm` /
    `dlrt_cuda_sgemm_batched` instead, the same contract on device memory
    (cuBLASLt on the program's stream), and a product that starts from
    zero followed by the add of a row vector (the next op to touch memory,
    `out[i, j] = c[i, j] + bias[j]`) becomes one `dlrt_cuda_sgemm_bias`
    call (cuBLASLt's bias epilogue) writing `out`, when the sum goes over
    the product or the product's buffer is overwritten before it is read
    again.
  }];
  let options = [
    Option<"device", "device", "bool", /*default=*/"false",
           "Call the CUDA runtime's GEMMs, on device buffers">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect", "mlir::func::FuncDialect"];
}

def DLPlanMemory : Pass<"dl-plan-memory", "mlir::ModuleOp"> {
  let summary = "Places every temporary of each step at a planned arena offset.";
  let description = [{
    After bufferization (and before buffer deallocation), gives each
    `memref.alloc` of static shape in the body of an entry point
    (`dl_*_step(%arena)`) a place in a scratch region of the arena, after
    the model's tensors, and replaces it by a `memref.view` there: no step
    allocates memory. Liveness runs from the allocation to the last use of
    the buffer or of any buffer an op derives from it (views, casts, the
    results of a loop that carries it), ops in order, a use inside a loop
    counting as the loop; placement is greedy by size (largest first, each
    at the lowest offset clear of the placed temporaries whose lifetimes
    intersect its own). Every step plans from the start of the region. The
    descriptor's `arena_bytes` grows by the region, and its `scratch` entry
    records the region and, per step, the bytes in use at its fullest point
    and the op there. The module attribute `dl.memory_plan` keeps every
    temporary's offset, bytes, live interval and class per step, for
    `dlcc --memory-plot`.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def DLLinalgToGPU : Pass<"dl-linalg-to-gpu", "mlir::ModuleOp"> {
  let summary = "Maps linalg ops on buffers onto GPU launches with grid-stride loops.";
  let description = [{
    Every linalg op on memrefs outside a `gpu.launch` (and every
    `memref.copy`, as a `linalg.copy`) becomes one `gpu.launch` of a 1-D
    grid: the op is generalized, its parallel loops are moved outermost and
    collapsed into one linear index, and each thread walks that index from
    `blockIdx.x * blockDim.x + threadIdx.x` with the grid's size as stride,
    the innermost dimension fastest so that neighbouring threads touch
    neighbouring elements. A reduction of at least 256 elements per output
    whose body combines the output with a value of the inputs (sum, max,
    min) gets a block per output instead: each thread reduces a strided
    part, `gpu.all_reduce` (warp shuffles, then shared memory) combines the
    partials, and one thread adds the output's own value. Other reductions
    stay sequential inside a thread (one thread per output element); an op
    with no parallel loop runs on a single thread. A sequential host loop of row updates around one such
    parallel loop (an embedding's gradient, `for r { out[ids[r], :] +=
    g[r, :] }`) swaps with it when each thread then touches only its own
    elements: one kernel whose threads run the rows in order, the CPU's sums
    in the CPU's order. The launches name the kernel module and a kernel, so
    that `gpu-kernel-outlining` puts every kernel of the program into one
    `gpu.module`.

    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %blocks, ...)
               threads(%tx, %ty, %tz) in (%bdx = %c256, ...)
               module(@dl_kernels) function(@dl_train_step_kernel_0) {
      %first = ...  // %bx * %bdx + %tx
      scf.for %i = %first to %c4096 step %stride { ... }
      gpu.terminator
    }
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads in a block">,
    Option<"maxBlocks", "max-blocks", "int64_t", /*default=*/"4096",
           "The most blocks in a grid; threads loop over what is left">,
    Option<"kernelModule", "kernel-module", "std::string",
           /*default=*/"\"dl_kernels\"", "The gpu.module that receives the kernels">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::gpu::GPUDialect",
                           "mlir::linalg::LinalgDialect", "mlir::scf::SCFDialect"];
}

def DLGPUStreamOrder : Pass<"dl-gpu-stream-order", "mlir::ModuleOp"> {
  let summary = "Launches every kernel of a step on one stream, in program order.";
  let description = [{
    In each host function that launches kernels, a `gpu.wait async` at the
    entry names the stream; every `gpu.launch_func` becomes asynchronous on
    it, and each return waits for it. The runtime gives every such stream
    its one program stream, where its GEMMs also run: stream order is
    program order, so no launch waits for the host and the host waits once
    per step (or where it reads device memory, see dl-gpu-host-reads).
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def DLGPUHostReads : Pass<"dl-gpu-host-reads", "mlir::ModuleOp"> {
  let summary = "Turns host reads of device memory into runtime copies.";
  let description = [{
    After kernel outlining, what stays on the host reads the arena only for
    a few scalars: the seed and step of dropout masks, the extremes of the
    labels that an input check compares. On a GPU the arena is device
    memory; each such `memref.load` becomes a call to
    `dlrt_cuda_read(dst, src, bytes)` (which waits for the stream and
    copies) into a host `memref.alloca`, and a load from there. A host op
    that would write device memory is an error.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::memref::MemRefDialect"];
}

def DLLowerToArena : Pass<"dl-lower-to-arena", "mlir::ModuleOp"> {
  let summary = "Places every tensor of the model in one arena and builds the entry points.";
  let description = [{
    Gives each parameter, buffer, input and output an offset in the arena
    (in that order, 64-byte aligned), turns the model function `@forward`
    into `@dl_eval_step(%arena)`, which reads its inputs and parameters from
    views of the arena and writes its outputs there, and emits the model
    descriptor `dl_model_json` (see runtime/include/dlrt/ModelABI.h). The
    `dl.parameter` declarations are consumed.

    `dl_eval_step` runs the forward as PyTorch's `model.eval()` does: batch
    norm normalizes with its running statistics and dropout is the
    identity. With `training-forward` it runs it as `model.train()` does,
    for checking the forward of training against a reference: batch norm
    uses the batch's statistics (its new running statistics are results
    like any other) and dropout stays. Parameters are never written.

    When the module also has a gradient step (`@train_step` as `dl-autodiff`
    builds it, or the `@gradient_step` that `dl-expand-optimizer` keeps),
    each gradient it returns gets an arena tensor `<param>.grad` of role
    `grad` (after the outputs), and `@dl_gradient_step(%arena)` runs it: the
    forward in training mode with its `dl.assign`s (batch-norm running
    statistics), written as described below.

    A whole optimizer step (`@train_step` after `dl-expand-optimizer`)
    becomes `@dl_train_step(%arena)`: optimizer state (`dl.parameter ...
    state`) gets arena tensors of role `state`, each `dl.hyper` argument a
    scalar of role `hyper` (shared with the gradient step), each statistic
    named by `dl.stats` one of role `stat`. Every `dl.assign` (the new
    parameters and state, the running statistics) writes its tensor where
    it stands when no later op reads the old value (directly or through a
    reshape, slice, transpose, broadcast, split or cast of it), so that the
    new value's buffer is free at once; otherwise after the outputs. Either
    way every read of an old value comes first.
  }];
  let options = [
    Option<"trainingForward", "training-forward", "bool", /*default=*/"false",
           "Build dl_eval_step with the forward in training mode">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect", "mlir::func::FuncDialect"];
}

def DLStridedCopiesToLinalg : Pass<"dl-strided-copies-to-linalg", "mlir::ModuleOp"> {
  let summary = "Turns copies between strided memrefs into linalg.copy.";
  let description = [{
    Bufferization copies into and out of subviews (padding, concatenation,
    slices written to an output) with `memref.copy`; between memrefs that
    are not both contiguous the LLVM lowering calls `memrefCopy`, a routine
    of MLIR's C runner library, which programs do not link with. Each such
    copy becomes a `linalg.copy`, so a loop nest with static bounds that
    LLVM can vectorize. Copies between contiguous memrefs stay and become
    `memcpy`.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // DLCC_TRANSFORMS_PASSES_TD
