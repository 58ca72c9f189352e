// RUN: dlcc-opt %s --split-input-file --verify-diagnostics

// Parameters: an initializer needs low <= high.
// expected-error @+1 {{uniform initializer needs low <= high}}
dl.parameter @w : tensor<4xf32> = #dl.init<uniform(1.0, -1.0)>

// -----

// Parameters: a normal initializer needs std >= 0.
// expected-error @+1 {{normal initializer needs std >= 0}}
dl.parameter @w : tensor<4xf32> = #dl.init<normal(0.0, -1.0)>

// -----

// Parameters: an unknown distribution.
// expected-error @+1 {{expected constant, uniform or normal, got 'gauss'}}
dl.parameter @w : tensor<4xf32> = #dl.init<gauss(0.0, 1.0)>

// -----

// Parameters: a buffer is never trained.
// expected-error @+1 {{a buffer is never trained}}
dl.parameter @w : tensor<4xf32> = #dl.init<constant(0.0)> frozen buffer

// -----

// Parameters: optimizer state is neither frozen nor a buffer.
// expected-error @+1 {{optimizer state is neither 'frozen' nor a 'buffer'}}
dl.parameter @w : tensor<4xf32> = #dl.init<constant(0.0)> buffer state

// -----

// Parameters: at least one element.
// expected-error @+1 {{has no elements}}
dl.parameter @w : tensor<0x4xf32> = #dl.init<constant(0.0)>

// -----

// dl.param must name a dl.parameter.
func.func @f() -> tensor<4xf32> {
  // expected-error @+1 {{refers to @missing, which is not a dl.parameter}}
  %0 = dl.param @missing : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// dl.param must have the parameter's type.
dl.parameter @w : tensor<4xf32> = #dl.init<constant(0.0)>
func.func @f() -> tensor<8xf32> {
  // expected-error @+1 {{has type 'tensor<8xf32>' but parameter @w is 'tensor<4xf32>'}}
  %0 = dl.param @w : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// dl.assign must have the parameter's type.
dl.parameter @w : tensor<4xf32> = #dl.init<constant(0.0)>
func.func @f(%x: tensor<5xf32>) {
  // expected-error @+1 {{has type 'tensor<5xf32>' but parameter @w is 'tensor<4xf32>'}}
  dl.assign @w, %x : tensor<5xf32>
  return
}

// -----

// Shapes must be static.
func.func @f(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{must be statically shaped tensor}}
  %0 = dl.relu %x : tensor<?x4xf32>
  return
}

// -----

// matmul: both operands of rank 2 or more.
func.func @f(%a: tensor<4xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{matmul: operands need rank 2 or more, got [4] and [4, 3]}}
  %0 = dl.matmul %a, %b : tensor<4xf32>, tensor<4x3xf32>
  return
}

// -----

// matmul: the contraction dimensions agree.
func.func @f(%a: tensor<2x4xf32>, %b: tensor<5x3xf32>) {
  // expected-error @+1 {{matmul: shapes [2, 4] and [5, 3] cannot be multiplied (4 != 5)}}
  %0 = dl.matmul %a, %b : tensor<2x4xf32>, tensor<5x3xf32>
  return
}

// -----

// matmul: batch dimensions broadcast.
func.func @f(%a: tensor<2x3x4xf32>, %b: tensor<5x4x3xf32>) {
  // expected-error @+1 {{matmul: shapes [2] and [5] cannot be broadcast together}}
  %0 = dl.matmul %a, %b : tensor<2x3x4xf32>, tensor<5x4x3xf32>
  return
}

// -----

// matmul: element types agree.
func.func @f(%a: tensor<2x4xf32>, %b: tensor<4x3xbf16>) {
  // expected-error @+1 {{matmul: element types differ: 'f32' and 'bf16'}}
  %0 = dl.matmul %a, %b : tensor<2x4xf32>, tensor<4x3xbf16>
  return
}

// -----

// linear: weight is [out, in].
func.func @f(%x: tensor<2x4xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{linear: weight must be [out, in], got [4]}}
  %0 = dl.linear %x, %w : tensor<2x4xf32>, tensor<4xf32>
  return
}

// -----

// linear: input features match the weight.
func.func @f(%x: tensor<2x5xf32>, %w: tensor<3x4xf32>) {
  // expected-error @+1 {{linear: input [2, 5] does not fit weight [3, 4]: the input's last dimension must be 4}}
  %0 = dl.linear %x, %w : tensor<2x5xf32>, tensor<3x4xf32>
  return
}

// -----

// linear: bias is [out].
func.func @f(%x: tensor<2x4xf32>, %w: tensor<3x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{linear: bias has shape [4] but the input [3, 4] needs [3]}}
  %0 = dl.linear %x, %w, %b : tensor<2x4xf32>, tensor<3x4xf32>, tensor<4xf32>
  return
}

// -----

// conv2d: NCHW operands.
func.func @f(%x: tensor<2x6x6xf32>, %w: tensor<3x1x3x3xf32>) {
  // expected-error @+1 {{conv2d: input must be [N, C, H, W] and weight [O, C, KH, KW], got [2, 6, 6] and [3, 1, 3, 3]}}
  %0 = dl.conv2d %x, %w : tensor<2x6x6xf32>, tensor<3x1x3x3xf32>
  return
}

// -----

// conv2d: channels match.
func.func @f(%x: tensor<2x2x6x6xf32>, %w: tensor<3x1x3x3xf32>) {
  // expected-error @+1 {{conv2d: input [2, 2, 6, 6] has 2 channels but weight [3, 1, 3, 3] expects 1}}
  %0 = dl.conv2d %x, %w : tensor<2x2x6x6xf32>, tensor<3x1x3x3xf32>
  return
}

// -----

// conv2d: positive strides.
func.func @f(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>) {
  // expected-error @+1 {{conv2d: stride must be >= 1, got [0, 1]}}
  %0 = dl.conv2d %x, %w {stride = array<i64: 0, 1>} : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>
  return
}

// -----

// conv2d: non-negative padding.
func.func @f(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>) {
  // expected-error @+1 {{conv2d: padding must be >= 0, got [-1, 0]}}
  %0 = dl.conv2d %x, %w {padding = array<i64: -1, 0>} : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>
  return
}

// -----

// conv2d: the kernel fits the padded input.
func.func @f(%x: tensor<2x1x2x2xf32>, %w: tensor<3x1x3x3xf32>) {
  // expected-error @+1 {{conv2d: window 3 does not fit the input [2, 1, 2, 2] with padding 0}}
  %0 = dl.conv2d %x, %w : tensor<2x1x2x2xf32>, tensor<3x1x3x3xf32>
  return
}

// -----

// conv2d: bias is [O].
func.func @f(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{conv2d: bias has shape [2] but the input [3, 1, 3, 3] needs [3]}}
  %0 = dl.conv2d %x, %w, %b : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<2xf32>
  return
}

// -----

// conv2d: stride and padding have two entries.
func.func @f(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op attribute 'stride' failed to satisfy constraint: i64 dense array attribute with exactly 2 elements}}
  %0 = dl.conv2d %x, %w {stride = array<i64: 1>} : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>
  return
}

// -----

// embedding: the table is [num, dim].
func.func @f(%i: tensor<4xi32>, %t: tensor<10xf32>) {
  // expected-error @+1 {{embedding: table must be [num, dim], got [10]}}
  %0 = dl.embedding %i, %t : tensor<4xi32>, tensor<10xf32>
  return
}

// -----

// embedding: indices are integers.
func.func @f(%i: tensor<4xf32>, %t: tensor<10x3xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = dl.embedding %i, %t : tensor<4xf32>, tensor<10x3xf32>
  return
}

// -----

// layernorm: weight matches the last dimension.
func.func @f(%x: tensor<2x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{layernorm: weight has shape [4] but the input [2, 8] needs [8]}}
  %0 = dl.layernorm %x, %g, %g : tensor<2x8xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// layernorm: the input is not a scalar.
func.func @f(%x: tensor<f32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{layernorm: input must not be a scalar}}
  %0 = dl.layernorm %x, %g, %g : tensor<f32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// layernorm: eps is positive.
func.func @f(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{eps must be positive, got 0}}
  %0 = dl.layernorm %x, %g, %g {eps = 0.0 : f64} : tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// rmsnorm: weight matches the last dimension.
func.func @f(%x: tensor<2x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{rmsnorm: weight has shape [4] but the input [2, 8] needs [8]}}
  %0 = dl.rmsnorm %x, %g : tensor<2x8xf32>, tensor<4xf32>
  return
}

// -----

// rmsnorm: the input is not a scalar.
func.func @f(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{rmsnorm: input must not be a scalar}}
  %0 = dl.rmsnorm %x, %g : tensor<f32>, tensor<1xf32>
  return
}

// -----

// rmsnorm: eps is positive.
func.func @f(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{eps must be positive, got -1}}
  %0 = dl.rmsnorm %x, %g {eps = -1.0 : f64} : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

// batchnorm: rank 2 or 4.
func.func @f(%x: tensor<2x3x4xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{batchnorm: input must be [N, C] or [N, C, H, W], got [2, 3, 4]}}
  %0:3 = dl.batchnorm %x, %c, %c, %c, %c : tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return
}

// -----

// batchnorm: statistics are [C].
func.func @f(%x: tensor<2x3xf32>, %c: tensor<3xf32>, %d: tensor<4xf32>) {
  // expected-error @+1 {{batchnorm: running variance has shape [4] but the input [2, 3] needs [3]}}
  %0:3 = dl.batchnorm %x, %c, %c, %c, %d : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>
  return
}

// -----

// batchnorm: momentum in [0, 1].
func.func @f(%x: tensor<2x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{momentum must be in [0, 1], got 2}}
  %0:3 = dl.batchnorm %x, %c, %c, %c, %c {momentum = 2.0 : f64} : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return
}

// -----

// layernorm_grad: the gradient has the input's shape.
func.func @f(%x: tensor<2x3xf32>, %c: tensor<3xf32>, %dy: tensor<3x3xf32>) {
  // expected-error @+1 {{layernorm_grad: shapes differ: [2, 3] and [3, 3]}}
  %0:3 = dl.layernorm_grad %x, %c, %dy : tensor<2x3xf32>, tensor<3xf32>, tensor<3x3xf32>
  return
}

// -----

// layernorm_grad: the weight is [D], the input's last dimension.
func.func @f(%x: tensor<2x3xf32>, %c: tensor<2xf32>) {
  // expected-error @+1 {{layernorm_grad: weight has shape [2] but the input [2, 3] needs [3]}}
  %0:3 = dl.layernorm_grad %x, %c, %x : tensor<2x3xf32>, tensor<2xf32>, tensor<2x3xf32>
  return
}

// -----

// layernorm_grad: not of a scalar.
func.func @f(%x: tensor<f32>, %c: tensor<1xf32>) {
  // expected-error @+1 {{layernorm_grad: input must not be a scalar}}
  %0:3 = dl.layernorm_grad %x, %c, %x : tensor<f32>, tensor<1xf32>, tensor<f32>
  return
}

// -----

// layernorm_grad: eps is positive.
func.func @f(%x: tensor<2x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{eps must be positive, got 0}}
  %0:3 = dl.layernorm_grad %x, %c, %x {eps = 0.0 : f64} : tensor<2x3xf32>, tensor<3xf32>, tensor<2x3xf32>
  return
}

// -----

// batchnorm_grad: the gradient has the input's shape.
func.func @f(%x: tensor<2x3xf32>, %c: tensor<3xf32>, %dy: tensor<3x3xf32>) {
  // expected-error @+1 {{batchnorm_grad: shapes differ: [2, 3] and [3, 3]}}
  %0:3 = dl.batchnorm_grad %x, %c, %dy : tensor<2x3xf32>, tensor<3xf32>, tensor<3x3xf32>
  return
}

// -----

// batchnorm_grad: the weight is [C].
func.func @f(%x: tensor<2x3xf32>, %c: tensor<2xf32>) {
  // expected-error @+1 {{batchnorm_grad: weight has shape [2] but the input [2, 3] needs [3]}}
  %0:3 = dl.batchnorm_grad %x, %c, %x : tensor<2x3xf32>, tensor<2xf32>, tensor<2x3xf32>
  return
}

// -----

// batchnorm_grad: eps is positive.
func.func @f(%x: tensor<2x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{eps must be positive, got -1}}
  %0:3 = dl.batchnorm_grad %x, %c, %x {eps = -1.0 : f64} : tensor<2x3xf32>, tensor<3xf32>, tensor<2x3xf32>
  return
}

// -----

// batchnorm: eps is positive.
func.func @f(%x: tensor<2x3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{eps must be positive, got 0}}
  %0:3 = dl.batchnorm %x, %c, %c, %c, %c {eps = 0.0 : f64} : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return
}

// -----

// Binary ops broadcast.
func.func @f(%x: tensor<4x8xf32>, %y: tensor<3xf32>) {
  // expected-error @+1 {{add: shapes [4, 8] and [3] cannot be broadcast together}}
  %0 = dl.add %x, %y : tensor<4x8xf32>, tensor<3xf32>
  return
}

// -----

// Binary ops need one element type.
func.func @f(%x: tensor<4x8xf32>, %y: tensor<8xf16>) {
  // expected-error @+1 {{mul: element types differ: 'f32' and 'f16'}}
  %0 = dl.mul %x, %y : tensor<4x8xf32>, tensor<8xf16>
  return
}

// -----

// A declared result type must be the inferred one.
func.func @f(%x: tensor<4x8xf32>, %y: tensor<8x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'dl.matmul' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<3x4xf32>'}}
  %0 = "dl.matmul"(%x, %y) : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<3x4xf32>
  return
}

// -----

// compare broadcasts.
func.func @f(%x: tensor<4x8xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{compare: shapes [4, 8] and [4] cannot be broadcast together}}
  %0 = dl.compare lt, %x, %y : tensor<4x8xf32>, tensor<4xf32>
  return
}

// -----

// where: the condition broadcasts with the values.
func.func @f(%c: tensor<3xi1>, %x: tensor<4x8xf32>) {
  // expected-error @+1 {{where: shapes [3] and [4, 8] cannot be broadcast together}}
  %0 = dl.where %c, %x, %x : tensor<3xi1>, tensor<4x8xf32>, tensor<4x8xf32>
  return
}

// -----

// cast keeps the shape.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{cannot change the shape [4, 8] into [8, 4]}}
  %0 = dl.cast %x : tensor<4x8xf32> -> tensor<8x4xbf16>
  return
}

// -----

// cast goes to floats.
func.func @f(%x: tensor<4xf32>) {
  // expected-error @+1 {{can only convert to a float type, not 'i32'}}
  %0 = dl.cast %x : tensor<4xf32> -> tensor<4xi32>
  return
}

// -----

// softmax: the axis exists.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{softmax: axis 2 is out of range for a tensor of rank 2}}
  %0 = dl.softmax %x {axis = 2 : i64} : tensor<4x8xf32>
  return
}

// -----

// log_softmax: the axis exists.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{log_softmax: axis -3 is out of range for a tensor of rank 2}}
  %0 = dl.log_softmax %x {axis = -3 : i64} : tensor<4x8xf32>
  return
}

// -----

// dropout: rate in [0, 1).
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{rate must be in [0, 1), got 1}}
  %0 = dl.dropout %x {rate = 1.0 : f64, key = 0 : i64} : tensor<4x8xf32>
  return
}

// -----

// dropout: the counter is [seed, step] or nothing.
func.func @f(%x: tensor<4x8xf32>, %seed: tensor<i64>) {
  // expected-error @+1 {{takes either no counter or [seed, step], got 1 operands}}
  %0 = dl.dropout %x [%seed] {rate = 0.5 : f64, key = 0 : i64} : tensor<4x8xf32>
  return
}

// -----

// attention: matching ranks and leading dimensions.
func.func @f(%q: tensor<2x5x8xf32>, %k: tensor<3x5x8xf32>) {
  // expected-error @+1 {{attention: query [2, 5, 8], key [3, 5, 8] and value [3, 5, 8] must have equal rank (2 or more) and equal leading dimensions}}
  %0:2 = dl.attention %q, %k, %k : tensor<2x5x8xf32>, tensor<3x5x8xf32>, tensor<3x5x8xf32>
  return
}

// -----

// attention: query and key share their feature size.
func.func @f(%q: tensor<5x8xf32>, %k: tensor<5x4xf32>) {
  // expected-error @+1 {{attention: query [5, 8] and key [5, 4] differ in their last dimension}}
  %0:2 = dl.attention %q, %k, %k : tensor<5x8xf32>, tensor<5x4xf32>, tensor<5x4xf32>
  return
}

// -----

// attention: key and value have the same positions.
func.func @f(%q: tensor<5x8xf32>, %v: tensor<6x8xf32>) {
  // expected-error @+1 {{attention: key [5, 8] and value [6, 8] differ in their number of positions}}
  %0:2 = dl.attention %q, %q, %v : tensor<5x8xf32>, tensor<5x8xf32>, tensor<6x8xf32>
  return
}

// -----

// attention: the mask broadcasts to the scores.
func.func @f(%q: tensor<5x8xf32>, %m: tensor<5x6xf32>) {
  // expected-error @+1 {{attention: shapes [5, 6] and [5, 5] cannot be broadcast together}}
  %0:2 = dl.attention %q, %q, %q, %m : tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x6xf32>
  return
}

// -----

// attention: the mask may not grow the scores.
func.func @f(%q: tensor<5x8xf32>, %m: tensor<2x5x5xf32>) {
  // expected-error @+1 {{attention: mask [2, 5, 5] does not broadcast to the scores [5, 5]}}
  %0:2 = dl.attention %q, %q, %q, %m : tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>, tensor<2x5x5xf32>
  return
}

// -----

// attention: scale is positive.
func.func @f(%q: tensor<5x8xf32>) {
  // expected-error @+1 {{scale must be positive and finite, got -1}}
  %0:2 = dl.attention %q, %q, %q {scale = -1.0 : f64} : tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>
  return
}

// -----

// attention: causal needs as many queries as keys.
func.func @f(%q: tensor<4x8xf32>, %k: tensor<5x8xf32>) {
  // expected-error @+1 {{causal attention needs as many queries as keys, got [4, 8] and [5, 8]}}
  %0:2 = dl.attention %q, %k, %k {causal} : tensor<4x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>
  return
}

// -----

// attention_grad: the output and its gradient have the output's shape.
func.func @f(%q: tensor<5x8xf32>, %o: tensor<5x4xf32>, %lse: tensor<5xf32>) {
  // expected-error @+1 {{attention_grad: output [5, 4] must have the shape [5, 8]}}
  %0:3 = dl.attention_grad %q, %q, %q, %o, %lse, %o : tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x4xf32>, tensor<5xf32>, tensor<5x4xf32>
  return
}

// -----

// attention_grad: one row statistic per query, f32 for f32 operands.
func.func @f(%q: tensor<5x8xf32>, %lse: tensor<5xf64>) {
  // expected-error @+1 {{attention_grad: row statistics 'tensor<5xf64>' must be 'tensor<5xf32>'}}
  %0:3 = dl.attention_grad %q, %q, %q, %q, %lse, %q : tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>, tensor<5xf64>, tensor<5x8xf32>
  return
}

// -----

// attention_grad: causal needs as many queries as keys.
func.func @f(%q: tensor<4x8xf32>, %k: tensor<5x8xf32>, %lse: tensor<4xf32>) {
  // expected-error @+1 {{causal attention needs as many queries as keys, got [4, 8] and [5, 8]}}
  %0:3 = dl.attention_grad %q, %k, %k, %q, %lse, %q {causal} : tensor<4x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4x8xf32>
  return
}

// -----

// reshape keeps the element count.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{cannot reshape [4, 8] (32 elements) into [5, 6] (30 elements)}}
  %0 = dl.reshape %x : tensor<4x8xf32> -> tensor<5x6xf32>
  return
}

// -----

// reshape keeps the element type.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{cannot change the element type from 'f32' to 'f16'}}
  %0 = dl.reshape %x : tensor<4x8xf32> -> tensor<32xf16>
  return
}

// -----

// broadcast follows NumPy's rules.
func.func @f(%x: tensor<3xf32>) {
  // expected-error @+1 {{cannot broadcast [3] to [4, 5]}}
  %0 = dl.broadcast %x : tensor<3xf32> -> tensor<4x5xf32>
  return
}

// -----

// broadcast keeps the element type.
func.func @f(%x: tensor<5xf32>) {
  // expected-error @+1 {{cannot change the element type from 'f32' to 'bf16'}}
  %0 = dl.broadcast %x : tensor<5xf32> -> tensor<4x5xbf16>
  return
}

// -----

// transpose takes a permutation.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{transpose: [0, 0] is not a permutation of the dimensions of [4, 8]}}
  %0 = dl.transpose %x {permutation = array<i64: 0, 0>} : tensor<4x8xf32>
  return
}

// -----

// transpose needs its permutation.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{transpose: the 'permutation' attribute is missing}}
  %0 = dl.transpose %x : tensor<4x8xf32>
  return
}

// -----

// split: sizes add up to the dimension.
func.func @f(%x: tensor<4x9xf32>) {
  // expected-error @+1 {{split: sizes [4, 4] do not add up to dimension 1 of [4, 9]}}
  %0:2 = dl.split %x {axis = 1 : i64, sizes = array<i64: 4, 4>} : tensor<4x9xf32>
  return
}

// -----

// split: positive sizes.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{split: sizes must be positive, got [10, -2]}}
  %0:2 = dl.split %x {axis = 1 : i64, sizes = array<i64: 10, -2>} : tensor<4x8xf32>
  return
}

// -----

// split: the axis exists.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{split: axis 5 is out of range for a tensor of rank 2}}
  %0:2 = dl.split %x {axis = 5 : i64, sizes = array<i64: 4, 4>} : tensor<4x8xf32>
  return
}

// -----

// concat: shapes agree outside the axis.
func.func @f(%x: tensor<4x8xf32>, %y: tensor<3x8xf32>) {
  // expected-error @+1 {{concat: shapes [4, 8] and [3, 8] differ outside axis 1}}
  %0 = dl.concat %x, %y {axis = 1 : i64} : tensor<4x8xf32>, tensor<3x8xf32>
  return
}

// -----

// concat: needs inputs. (In generic form the verifier adds a second line.)
func.func @f() {
  // expected-error @+2 {{concat: needs at least one input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "dl.concat"() {axis = 0 : i64} : () -> tensor<4xf32>
  return
}

// -----

// slice: one entry per dimension.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{slice: starts, limits and strides need 2 entries for [4, 8]}}
  %0 = dl.slice %x {starts = array<i64: 0>, limits = array<i64: 4>, strides = array<i64: 1>} : tensor<4x8xf32>
  return
}

// -----

// slice: ranges are non-empty and inside the tensor.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{slice: range 0:9:1 of dimension 1 of [4, 8] is empty or out of range}}
  %0 = dl.slice %x {starts = array<i64: 0, 0>, limits = array<i64: 4, 9>, strides = array<i64: 1, 1>} : tensor<4x8xf32>
  return
}

// -----

// positions: at least one.
func.func @f() {
  // expected-error @+1 {{needs at least one position}}
  %0 = dl.positions : tensor<0xi32>
  return
}

// -----

// causal_mask: square.
func.func @f() {
  // expected-error @+1 {{mask must be square and non-empty, got [4, 5]}}
  %0 = dl.causal_mask : tensor<4x5xf32>
  return
}

// -----

// one_hot: the result adds a class dimension.
func.func @f(%i: tensor<4xi32>) {
  // expected-error @+1 {{result [5, 10] must be the indices' shape [4] plus a class dimension}}
  %0 = dl.one_hot %i : tensor<4xi32> -> tensor<5x10xf32>
  return
}

// -----

// Reductions: axes exist.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{sum: axis 2 is out of range for a tensor of rank 2}}
  %0 = dl.sum %x {axes = array<i64: 2>} : tensor<4x8xf32>
  return
}

// -----

// Reductions: each axis once.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{mean: axis -1 is listed twice}}
  %0 = dl.mean %x {axes = array<i64: 1, -1>} : tensor<4x8xf32>
  return
}

// -----

// Pooling: NCHW input.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{maxpool2d: input must be [N, C, H, W], got [4, 8]}}
  %0 = dl.maxpool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<4x8xf32>
  return
}

// -----

// Pooling: positive kernel.
func.func @f(%x: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{avgpool2d: kernel must be >= 1, got [0, 2]}}
  %0 = dl.avgpool2d %x {kernel = array<i64: 0, 2>, stride = array<i64: 2, 2>} : tensor<1x1x4x4xf32>
  return
}

// -----

// Pooling: padding at most half the kernel.
func.func @f(%x: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{maxpool2d: padding [2, 0] must be at most half the kernel [2, 2]}}
  %0 = dl.maxpool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 2, 0>} : tensor<1x1x4x4xf32>
  return
}

// -----

// Pooling: the window fits.
func.func @f(%x: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{maxpool2d: window 5 does not fit the input [1, 1, 4, 4] with padding 0}}
  %0 = dl.maxpool2d %x {kernel = array<i64: 5, 5>, stride = array<i64: 1, 1>} : tensor<1x1x4x4xf32>
  return
}

// -----

// cross_entropy: labels have the logits' leading shape.
func.func @f(%l: tensor<4x10xf32>, %y: tensor<5xi32>) {
  // expected-error @+1 {{cross_entropy: logits [4, 10] and labels [5] do not fit: labels must have the logits' shape without its last (class) dimension}}
  %0 = dl.cross_entropy %l, %y : tensor<4x10xf32>, tensor<5xi32>
  return
}

// -----

// cross_entropy: label smoothing in [0, 1).
func.func @f(%l: tensor<4x10xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{label_smoothing must be in [0, 1), got 1.5}}
  %0 = dl.cross_entropy %l, %y {label_smoothing = 1.5 : f64} : tensor<4x10xf32>, tensor<4xi32>
  return
}

// -----

// accuracy: labels have the logits' leading shape.
func.func @f(%l: tensor<4x10xf32>, %y: tensor<4x10xi32>) {
  // expected-error @+1 {{accuracy: logits [4, 10] and labels [4, 10] do not fit}}
  %0 = dl.accuracy %l, %y : tensor<4x10xf32>, tensor<4x10xi32>
  return
}

// -----

// Pair losses: same shapes.
func.func @f(%x: tensor<4x8xf32>, %y: tensor<4x7xf32>) {
  // expected-error @+1 {{mse: shapes differ: [4, 8] and [4, 7]}}
  %0 = dl.mse %x, %y : tensor<4x8xf32>, tensor<4x7xf32>
  return
}

// -----

// Pair losses: same element types.
func.func @f(%x: tensor<4xf32>, %y: tensor<4xf16>) {
  // expected-error @+1 {{l1: element types differ: 'f32' and 'f16'}}
  %0 = dl.l1 %x, %y : tensor<4xf32>, tensor<4xf16>
  return
}

// -----

// contrastive: two [N, D] batches.
func.func @f(%x: tensor<4x8xf32>, %y: tensor<5x8xf32>) {
  // expected-error @+1 {{contrastive: embeddings must both be [N, D], got [4, 8] and [5, 8]}}
  %0 = dl.contrastive %x, %y : tensor<4x8xf32>, tensor<5x8xf32>
  return
}

// -----

// contrastive: positive temperature.
func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{temperature must be positive, got 0}}
  %0 = dl.contrastive %x, %x {temperature = 0.0 : f64} : tensor<4x8xf32>, tensor<4x8xf32>
  return
}

// -----

// conv2d_grad_input: the gradient has the convolution's result shape.
func.func @f(%dy: tensor<2x4x4x4xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{conv2d_grad_input: gradient [2, 4, 4, 4] does not have the forward result's shape [2, 4, 5, 5]}}
  %0 = dl.conv2d_grad_input %dy, %w {input_shape = array<i64: 2, 3, 7, 7>} : tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// conv2d_grad_input: the input shape fits the weight's channels.
func.func @f(%dy: tensor<2x4x5x5xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{conv2d_grad_input: input_shape [2, 2, 7, 7] has 2 channels but weight [4, 3, 3, 3] expects 3}}
  %0 = dl.conv2d_grad_input %dy, %w {input_shape = array<i64: 2, 2, 7, 7>} : tensor<2x4x5x5xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// conv2d_grad_input: the input shape is four positive sizes.
func.func @f(%dy: tensor<2x4x5x5xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{conv2d_grad_input: input_shape [2, 3, 7] must be 4 positive sizes}}
  %0 = dl.conv2d_grad_input %dy, %w {input_shape = array<i64: 2, 3, 7>} : tensor<2x4x5x5xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// conv2d_grad_input: the input shape is required.
func.func @f(%dy: tensor<2x4x5x5xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{conv2d_grad_input: the 'input_shape' attribute is missing}}
  %0 = dl.conv2d_grad_input %dy, %w : tensor<2x4x5x5xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

// conv2d_grad_weight: the gradient has the convolution's result shape.
func.func @f(%x: tensor<2x3x7x7xf32>, %dy: tensor<2x4x4x4xf32>) {
  // expected-error @+1 {{conv2d_grad_weight: gradient [2, 4, 4, 4] does not have the forward result's shape [2, 4, 3, 3]}}
  %0 = dl.conv2d_grad_weight %x, %dy {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>} : tensor<2x3x7x7xf32>, tensor<2x4x4x4xf32>
  return
}

// -----

// conv2d_grad_weight: element types match.
func.func @f(%x: tensor<2x3x7x7xf32>, %dy: tensor<2x4x5x5xf64>) {
  // expected-error @+1 {{conv2d_grad_weight: element types differ: 'f32' and 'f64'}}
  %0 = dl.conv2d_grad_weight %x, %dy {kernel = array<i64: 3, 3>} : tensor<2x3x7x7xf32>, tensor<2x4x5x5xf64>
  return
}

// -----

// maxpool2d_grad: the gradient has the pooling's result shape.
func.func @f(%x: tensor<2x3x8x8xf32>, %dy: tensor<2x3x3x3xf32>) {
  // expected-error @+1 {{maxpool2d_grad: gradient [2, 3, 3, 3] does not have the forward result's shape [2, 3, 4, 4]}}
  %0 = dl.maxpool2d_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<2x3x8x8xf32>, tensor<2x3x3x3xf32>
  return
}

// -----

// maxpool2d_grad: the pooling's rules on kernels.
func.func @f(%x: tensor<2x3x8x8xf32>, %dy: tensor<2x3x4x4xf32>) {
  // expected-error @+1 {{maxpool2d_grad: kernel must be >= 1, got [0, 2]}}
  %0 = dl.maxpool2d_grad %x, %dy {kernel = array<i64: 0, 2>, stride = array<i64: 2, 2>} : tensor<2x3x8x8xf32>, tensor<2x3x4x4xf32>
  return
}

// -----

// avgpool2d_grad: the gradient has the pooling's result shape.
func.func @f(%dy: tensor<2x3x4x4xf32>) {
  // expected-error @+1 {{avgpool2d_grad: gradient [2, 3, 4, 4] does not have the forward result's shape [2, 3, 3, 3]}}
  %0 = dl.avgpool2d_grad %dy {input_shape = array<i64: 2, 3, 7, 7>, kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<2x3x4x4xf32>
  return
}

// -----

// avgpool2d_grad: padding at most half the kernel.
func.func @f(%dy: tensor<2x3x4x4xf32>) {
  // expected-error @+1 {{avgpool2d_grad: padding [2, 2] must be at most half the kernel [2, 2]}}
  %0 = dl.avgpool2d_grad %dy {input_shape = array<i64: 2, 3, 8, 8>, kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 2, 2>} : tensor<2x3x4x4xf32>
  return
}

// -----

// embedding_grad: the gradient is the indices' shape plus a dimension.
func.func @f(%i: tensor<2x5xi32>, %dy: tensor<2x4x6xf32>) {
  // expected-error @+1 {{embedding_grad: gradient [2, 4, 6] must be the indices' shape [2, 5] plus an embedding dimension}}
  %0 = dl.embedding_grad %i, %dy {num_embeddings = 10 : i64} : tensor<2x5xi32>, tensor<2x4x6xf32>
  return
}

// -----

// embedding_grad: a positive number of rows.
func.func @f(%i: tensor<2x5xi32>, %dy: tensor<2x5x6xf32>) {
  // expected-error @+1 {{embedding_grad: num_embeddings must be positive, got 0}}
  %0 = dl.embedding_grad %i, %dy {num_embeddings = 0 : i64} : tensor<2x5xi32>, tensor<2x5x6xf32>
  return
}

// -----

// slice_grad: the gradient has the slice's shape.
func.func @f(%dy: tensor<4x4xf32>) {
  // expected-error @+1 {{slice_grad: gradient [4, 4] does not have the forward result's shape [4, 3]}}
  %0 = dl.slice_grad %dy {input_shape = array<i64: 4, 8>, starts = array<i64: 0, 2>, limits = array<i64: 4, 8>, strides = array<i64: 1, 2>} : tensor<4x4xf32>
  return
}

// -----

// slice_grad: the slice's range fits the input shape.
func.func @f(%dy: tensor<4x3xf32>) {
  // expected-error @+1 {{slice_grad: range 2:9:2 of dimension 1 of [4, 8] is empty or out of range}}
  %0 = dl.slice_grad %dy {input_shape = array<i64: 4, 8>, starts = array<i64: 0, 2>, limits = array<i64: 4, 9>, strides = array<i64: 1, 2>} : tensor<4x3xf32>
  return
}

// -----

// slice_grad: positive input sizes.
func.func @f(%dy: tensor<4x3xf32>) {
  // expected-error @+1 {{slice_grad: input_shape [4, 0] must be positive sizes}}
  %0 = dl.slice_grad %dy {input_shape = array<i64: 4, 0>, starts = array<i64: 0, 2>, limits = array<i64: 4, 8>, strides = array<i64: 1, 2>} : tensor<4x3xf32>
  return
}

// -----

// adamw_update: the param, its gradient and its moments have one type.
func.func @f(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<8xf32>, %s: tensor<f32>, %t: tensor<i64>) {
  // expected-error @+1 {{parameter #0 has type 'tensor<4xf32>', but its gradient, moments and results are not all of it (found 'tensor<8xf32>')}}
  %0:3 = "dl.adamw_update"(%p, %g, %m, %v, %s, %s, %s, %s, %s, %t) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<i64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

// adamw_update: the results of the second parameter too.
func.func @f(%p: tensor<4xf32>, %q: tensor<8xf32>, %s: tensor<f32>, %t: tensor<i64>) {
  // expected-error @+1 {{parameter #1 has type 'tensor<8xf32>', but its gradient, moments and results are not all of it (found 'tensor<4xf32>')}}
  %0:6 = "dl.adamw_update"(%p, %q, %p, %q, %p, %q, %p, %q, %s, %s, %s, %s, %s, %t) : (tensor<4xf32>, tensor<8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<i64>) -> (tensor<4xf32>, tensor<8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>)
  return
}

// -----

// adamw_update: at least one parameter.
func.func @f(%s: tensor<f32>, %t: tensor<i64>) {
  // expected-error @+1 {{updates no parameter}}
  "dl.adamw_update"(%s, %s, %s, %s, %s, %t) : (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<i64>) -> ()
  return
}

// -----

// adamw_update: f32 only (the fused kernels').
func.func @f(%p: tensor<4xf16>, %s: tensor<f32>, %t: tensor<i64>) {
  // expected-error @+1 {{operand #0 must be variadic of statically shaped tensor of 32-bit float values}}
  %0:3 = "dl.adamw_update"(%p, %p, %p, %p, %s, %s, %s, %s, %s, %t) : (tensor<4xf16>, tensor<4xf16>, tensor<4xf16>, tensor<4xf16>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<i64>) -> (tensor<4xf16>, tensor<4xf16>, tensor<4xf16>)
  return
}

// -----

// classifier_grad: the weight has a row per class.
func.func @f(%l: tensor<4x10xf32>, %y: tensor<4xi32>, %s: tensor<f32>, %x: tensor<4x6xf32>, %w: tensor<9x6xf32>) {
  // expected-error @+1 {{shapes disagree: logits [4, 10], labels [4], input [4, 6], weight [9, 6]}}
  %dx, %dw, %db = dl.classifier_grad %l, %y, %s, %x, %w : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>, tensor<4x6xf32>, tensor<9x6xf32> -> tensor<10xf32>
  return
}

// -----

// classifier_grad: [N, C] logits.
func.func @f(%l: tensor<2x2x10xf32>, %y: tensor<4xi32>, %s: tensor<f32>, %x: tensor<4x6xf32>, %w: tensor<10x6xf32>) {
  // expected-error @+1 {{takes [N, C] logits, [N] labels, [N, D] input and [C, D] weight}}
  %dx, %dw, %db = dl.classifier_grad %l, %y, %s, %x, %w : tensor<2x2x10xf32>, tensor<4xi32>, tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32> -> tensor<10xf32>
  return
}

// -----

// classifier_grad: a bias gradient per class.
func.func @f(%l: tensor<4x10xf32>, %y: tensor<4xi32>, %s: tensor<f32>, %x: tensor<4x6xf32>, %w: tensor<10x6xf32>) {
  // expected-error @+1 {{the bias's gradient must be [10]}}
  %dx, %dw, %db = dl.classifier_grad %l, %y, %s, %x, %w : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32> -> tensor<6xf32>
  return
}

// -----

// classifier_grad: i32 labels (the kernel's).
func.func @f(%l: tensor<4x10xf32>, %y: tensor<4xi64>, %s: tensor<f32>, %x: tensor<4x6xf32>, %w: tensor<10x6xf32>) {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer values}}
  %dx, %dw, %db = dl.classifier_grad %l, %y, %s, %x, %w : tensor<4x10xf32>, tensor<4xi64>, tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32> -> tensor<10xf32>
  return
}
