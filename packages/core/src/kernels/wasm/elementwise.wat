;; Elementwise kernels in WebAssembly SIMD128, four floats per instruction.
;; Compiled by scripts/build-kernels.mjs; driven by ../elementwise.ts.
;;
;; Plain JavaScript loops over Float32Arrays run at 1.5 to 3 ns per element on
;; the benchmark machine; these run at a small fraction of that, so even with
;; the copies into and out of wasm memory (memcpy speed) a training step
;; spends far less time outside the matmuls.
;;
;; Pointers are byte addresses, counts are floats. Every loop handles four
;; floats at a time, then the last n % 4 one by one.
(module
  (import "env" "memory" (memory 1 65536))

  ;; out[i] = x[i] > 0 ? x[i] : 0   (NaN and -0 give 0, as in core's relu)
  (func $relu (export "relu") (param $x i32) (param $out i32) (param $n i32)
    (local $end i32) (local $v v128) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vectors
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $v (v128.load (local.get $x)))
      (v128.store (local.get $out) (v128.and (local.get $v) (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $vectors)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (f32.store (local.get $out) (select (local.get $s) (f32.const 0) (f32.gt (local.get $s) (f32.const 0))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $tail))))

  ;; out[i] = x[i] > 0 ? grad[i] : 0   (the ReLU backward: d relu/dx = 1 if x > 0 else 0)
  (func $relu_backward (export "relu_backward") (param $x i32) (param $grad i32) (param $out i32) (param $n i32)
    (local $end i32) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vectors
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (v128.store (local.get $out)
        (v128.and (v128.load (local.get $grad)) (f32x4.gt (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $vectors)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $x) (local.get $end)))
      (f32.store (local.get $out)
        (select (f32.load (local.get $grad)) (f32.const 0) (f32.gt (f32.load (local.get $x)) (f32.const 0))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $tail))))

  ;; y[i] += alpha · x[i]   (BLAS axpy: the SGD update with alpha = -lr, gradient accumulation with alpha = 1)
  (func $axpy (export "axpy") (param $alpha f32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32) (local $a v128)
    (local.set $a (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vectors
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (v128.store (local.get $y)
        (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $a) (v128.load (local.get $x)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $vectors)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $x) (local.get $end)))
      (f32.store (local.get $y)
        (f32.add (f32.load (local.get $y)) (f32.mul (local.get $alpha) (f32.load (local.get $x)))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (br $tail))))

  ;; out[j] = Σ_p x[p·cols + j], summed in the order p = 0, 1, 2, … (the bias gradient
  ;; of a Dense layer: the column sums of the output gradient). `out` is not cleared
  ;; here, so the driver can add a long matrix chunk by chunk: it zeroes `out` once.
  ;; Row by row, each row is added onto `out` four columns at a time (an axpy with
  ;; alpha = 1), so every column is a plain float32 sum in row order.
  (func $column_sums (export "column_sums") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $p i32) (local $at i32) (local $end i32) (local $rowEnd i32)
    (local.set $p (i32.const 0))
    (block $rowsDone (loop $eachRow
      (br_if $rowsDone (i32.ge_s (local.get $p) (local.get $rows)))
      (local.set $at (local.get $out))
      (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2))))
      (local.set $rowEnd (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (block $done (loop $vectors
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $at) (f32x4.add (v128.load (local.get $at)) (v128.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $vectors)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $x) (local.get $rowEnd)))
        (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (f32.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $tail)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $eachRow))))
)
