;; Elementwise kernels in WebAssembly SIMD128: four float32s per instruction, or
;; two float64s where the JavaScript definition computes in float64. (The
;; optimizers' updates and the dead-neuron instrument's reductions are nn's:
;; packages/nn/src/optim/wasm and analysis/wasm.) Compiled by scripts/build-kernels.mjs; driven by ../elementwise.ts.
;;
;; Plain JavaScript loops over Float32Arrays run at 1.5 to 3 ns per element on
;; the benchmark machine; these run at a small fraction of that, so even with
;; the copies into and out of wasm memory (memcpy speed) a training step
;; spends far less time outside the matmuls.
;;
;; Pointers are byte addresses, counts are floats. The float32 loops handle
;; four floats at a time, then the last n % 4 one by one; the float64 ones
;; (leaky_relu) two at a time, then the last one.
;; sigmoid, tanh and their backwards (float64 too) round n up instead and run
;; a few floats past it, into the padding of the driver's operand slots. sigmoid
;; and tanh write out the same exp reduction each: V8 (Node 20) does not inline
;; calls between wasm functions, and a call per pair of floats would cost more
;; than the lines it saves.
(module
  (import "env" "memory" (memory 1 65536))

  ;; out[i] = x[i] > 0 || x[i] is NaN ? x[i] : 0   (NaN stays NaN, as IEEE max and PyTorch; -0 gives 0)
  (func $relu (export "relu") (param $x i32) (param $out i32) (param $n i32)
    (local $end i32) (local $v v128) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vectors
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $v (v128.load (local.get $x)))
      ;; keep v where v > 0 or v != v (NaN); zero elsewhere
      (v128.store (local.get $out)
        (v128.and (local.get $v) (v128.or (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)) (f32x4.ne (local.get $v) (local.get $v)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $vectors)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (f32.store (local.get $out)
        (select (local.get $s) (f32.const 0) (i32.or (f32.gt (local.get $s) (f32.const 0)) (f32.ne (local.get $s) (local.get $s)))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $tail))))

  ;; out[i] = x[i] <= 0 ? 0 : grad[i]   (the ReLU backward: d relu/dx = 0 if x <= 0 else 1; a NaN x passes grad, as in PyTorch)
  (func $relu_backward (export "relu_backward") (param $x i32) (param $grad i32) (param $out i32) (param $n i32)
    (local $end i32) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vectors
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (v128.store (local.get $out)
        (v128.andnot (v128.load (local.get $grad)) (f32x4.le (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $vectors)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $x) (local.get $end)))
      (f32.store (local.get $out)
        (select (f32.const 0) (f32.load (local.get $grad)) (f32.le (f32.load (local.get $x)) (f32.const 0))))
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
  ;; out[i] = x[i] >= 0 ? v[i] : f32(slope · v[i]), with v = x (the LeakyReLU forward) or
  ;; v = grad (its backward: d/dx = 1 for x >= 0, slope below). The product is taken in
  ;; float64 and rounded once, as JavaScript computes slope · v and stores it in a
  ;; Float32Array: the bits agree with leakyReluTs. Two floats at a time, then the last one.
  (func $leaky_relu (export "leaky_relu") (param $x i32) (param $v i32) (param $out i32) (param $n i32) (param $slope f64)
    (local $end i32) (local $slopes v128) (local $xs v128) (local $s f32)
    (local.set $slopes (f64x2.splat (local.get $slope)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $xs (v128.load64_zero (local.get $x)))
      (v128.store64_lane 0 (local.get $out)
        (v128.bitselect
          (v128.load64_zero (local.get $v))
          (f32x4.demote_f64x2_zero (f64x2.mul (local.get $slopes) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $v)))))
          (f32x4.ge (local.get $xs) (v128.const f32x4 0 0 0 0))))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (local.set $v (i32.add (local.get $v) (i32.const 8)))
      (local.set $out (i32.add (local.get $out) (i32.const 8)))
      (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $s (f32.load (local.get $v)))
        (f32.store (local.get $out)
          (select (local.get $s)
                  (f32.demote_f64 (f64.mul (local.get $slope) (f64.promote_f32 (local.get $s))))
                  (f32.ge (f32.load (local.get $x)) (f32.const 0)))))))
  ;; The constants of $sigmoid, as f64x2 pairs. They are mutable globals, read into
  ;; locals before its loop, only because V8 (11.3, Node 20) rebuilds every v128.const
  ;; inside a loop from a general register (three instructions, two of them on the
  ;; shuffle port): with constants, the loop ran 1.3× slower.
  (global $signBit (mut v128) (v128.const f64x2 -0.0 -0.0))
  (global $lowest (mut v128) (v128.const f64x2 -110 -110))
  (global $invLn2 (mut v128) (v128.const f64x2 1.4426950408889634 1.4426950408889634))
  (global $roundingMagic (mut v128) (v128.const f64x2 6755399441055744 6755399441055744))
  (global $ln2Hi (mut v128) (v128.const f64x2 0.693147182464599609375 0.693147182464599609375))
  (global $ln2Lo (mut v128) (v128.const f64x2 -1.9046542999577678785e-9 -1.9046542999577678785e-9))
  (global $exponentBias (mut v128) (v128.const i64x2 1023 1023))
  (global $one (mut v128) (v128.const f64x2 1 1))
  (global $c2 (mut v128) (v128.const f64x2 0.5 0.5))  ;; 1/2!
  (global $c3 (mut v128) (v128.const f64x2 0.16666666666666666 0.16666666666666666))  ;; 1/3!
  (global $c4 (mut v128) (v128.const f64x2 0.041666666666666664 0.041666666666666664))  ;; 1/4!
  (global $c5 (mut v128) (v128.const f64x2 0.008333333333333333 0.008333333333333333))  ;; 1/5!
  (global $c6 (mut v128) (v128.const f64x2 0.001388888888888889 0.001388888888888889))  ;; 1/6!
  (global $c7 (mut v128) (v128.const f64x2 0.0001984126984126984 0.0001984126984126984))  ;; 1/7!
  (global $c8 (mut v128) (v128.const f64x2 2.48015873015873e-05 2.48015873015873e-05))  ;; 1/8!
  (global $c9 (mut v128) (v128.const f64x2 2.7557319223985893e-06 2.7557319223985893e-06))  ;; 1/9!
  (global $c10 (mut v128) (v128.const f64x2 2.755731922398589e-07 2.755731922398589e-07))  ;; 1/10!
  (global $c11 (mut v128) (v128.const f64x2 2.505210838544172e-08 2.505210838544172e-08))  ;; 1/11!
  (global $c12 (mut v128) (v128.const f64x2 2.08767569878681e-09 2.08767569878681e-09))  ;; 1/12!
  (global $c13 (mut v128) (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10))  ;; 1/13!

  ;; out[i] = f32(sigmoid(x[i])), in float64 as sigmoidTs in ../elementwise.ts computes it:
  ;;   e = e^(-|x|),  out = (x >= 0 ? 1 : e) / (1 + e)
  ;; (1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, so e never overflows).
  ;; JavaScript takes e from Math.exp; here it comes from an exp of our own, below.
  ;; The two differ in the last bit of e now and then, and never in the float32
  ;; out: every one of the 2^32 float32 inputs gives the same bits as sigmoidTs
  ;; (`node bench/exhaustive.mjs sigmoid` checks all of them).
  ;;
  ;; The exp, for y = -|x| <= 0:
  ;;   y is raised to -110 if below: there out rounds to 0 (x < 0) or 1 (x >= 0) in
  ;;     float32 anyway, and 2^k below stays a normal float64;
  ;;   k = nearest(y / ln 2), by adding and subtracting 1.5·2^52: the sum's rounding
  ;;     to a whole number is the nearest, and its low bits hold k for 2^k below;
  ;;   r = (y - k·LN2_HI) - k·LN2_LO, |r| <= ln 2 / 2, where LN2_HI = f32(ln 2) =
  ;;     0.693147182464599609375 has 24 bits, so k·LN2_HI and y - k·LN2_HI are exact,
  ;;     and LN2_LO = ln 2 - LN2_HI;
  ;;   e^r = Σ_{n=0..13} r^n / n!  (Horner; the first term left out is below 1e-17);
  ;;   e^y = e^r · 2^k, with 2^k built from its bits: (k + 1023) << 52.
  ;; Four floats an iteration, as two independent f64x2 halves (a and b), so the
  ;; long chain of Horner steps of one half overlaps the other's. n is rounded up
  ;; to a multiple of 4: up to 3 floats past n are read and written, which the
  ;; driver's operand slots (multiples of 16 floats) have room for.
  (func $sigmoid (export "sigmoid") (param $x i32) (param $out i32) (param $n i32)
    (local $end i32) (local $xa v128) (local $xb v128) (local $ta v128) (local $tb v128)
    (local $ra v128) (local $rb v128) (local $pa v128) (local $pb v128)
    (local $signBit v128) (local $lowest v128) (local $invLn2 v128) (local $roundingMagic v128)
    (local $ln2Hi v128) (local $ln2Lo v128) (local $exponentBias v128) (local $one v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $c8 v128) (local $c9 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local.set $signBit (global.get $signBit)) (local.set $lowest (global.get $lowest))
    (local.set $invLn2 (global.get $invLn2)) (local.set $roundingMagic (global.get $roundingMagic))
    (local.set $ln2Hi (global.get $ln2Hi)) (local.set $ln2Lo (global.get $ln2Lo))
    (local.set $exponentBias (global.get $exponentBias)) (local.set $one (global.get $one))
    (local.set $c2 (global.get $c2)) (local.set $c3 (global.get $c3)) (local.set $c4 (global.get $c4))
    (local.set $c5 (global.get $c5)) (local.set $c6 (global.get $c6)) (local.set $c7 (global.get $c7))
    (local.set $c8 (global.get $c8)) (local.set $c9 (global.get $c9)) (local.set $c10 (global.get $c10))
    (local.set $c11 (global.get $c11)) (local.set $c12 (global.get $c12)) (local.set $c13 (global.get $c13))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $quads
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $xa (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))
      (local.set $xb (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $x))))
      ;; y = max(-|x|, -110) (pmax keeps a NaN x), held in r for now
      (local.set $ra (f64x2.pmax (v128.or (local.get $xa) (local.get $signBit)) (local.get $lowest)))
      (local.set $rb (f64x2.pmax (v128.or (local.get $xb) (local.get $signBit)) (local.get $lowest)))
      ;; t = y / ln 2 + 1.5·2^52: k = t - 1.5·2^52
      (local.set $ta (f64x2.add (f64x2.mul (local.get $ra) (local.get $invLn2)) (local.get $roundingMagic)))
      (local.set $tb (f64x2.add (f64x2.mul (local.get $rb) (local.get $invLn2)) (local.get $roundingMagic)))
      ;; r = (y - k·LN2_HI) - k·LN2_LO, with k in p for the moment
      (local.set $pa (f64x2.sub (local.get $ta) (local.get $roundingMagic)))
      (local.set $pb (f64x2.sub (local.get $tb) (local.get $roundingMagic)))
      (local.set $ra (f64x2.sub (f64x2.sub (local.get $ra) (f64x2.mul (local.get $pa) (local.get $ln2Hi)))
                                (f64x2.mul (local.get $pa) (local.get $ln2Lo))))
      (local.set $rb (f64x2.sub (f64x2.sub (local.get $rb) (f64x2.mul (local.get $pb) (local.get $ln2Hi)))
                                (f64x2.mul (local.get $pb) (local.get $ln2Lo))))
      ;; p = 1/13!, then p = p·r + 1/n! for n = 12 down to 0
      (local.set $pa (f64x2.add (f64x2.mul (local.get $c13) (local.get $ra)) (local.get $c12)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $c13) (local.get $rb)) (local.get $c12)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c11)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c11)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c10)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c10)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c9)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c9)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c8)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c8)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c7)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c7)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c6)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c6)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c5)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c5)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c4)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c4)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c3)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c3)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c2)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c2)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $one)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $one)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $one)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $one)))
      ;; e = p · 2^k: the low bits of t are k's, and (k + 1023) << 52 are the bits of 2^k
      (local.set $pa (f64x2.mul (local.get $pa) (i64x2.shl (i64x2.add (local.get $ta) (local.get $exponentBias)) (i32.const 52))))
      (local.set $pb (f64x2.mul (local.get $pb) (i64x2.shl (i64x2.add (local.get $tb) (local.get $exponentBias)) (i32.const 52))))
      ;; out = (x >= 0 ? 1 : e) / (1 + e), rounded to float32
      (v128.store64_lane 0 (local.get $out) (f32x4.demote_f64x2_zero (f64x2.div
        (v128.bitselect (local.get $one) (local.get $pa) (f64x2.ge (local.get $xa) (v128.const f64x2 0 0)))
        (f64x2.add (local.get $one) (local.get $pa)))))
      (v128.store64_lane offset=8 0 (local.get $out) (f32x4.demote_f64x2_zero (f64x2.div
        (v128.bitselect (local.get $one) (local.get $pb) (f64x2.ge (local.get $xb) (v128.const f64x2 0 0)))
        (f64x2.add (local.get $one) (local.get $pb)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $quads))))

  ;; out[i] = f32((grad[i] · y[i]) · (1 - y[i])), in float64 as sigmoidBackwardTs computes it:
  ;; the sigmoid backward, d sigmoid/dx = y (1 - y) with y the forward's output.
  ;; Two floats at a time; like $sigmoid it rounds n up (to a multiple of 2), so it
  ;; may read and write one float past n, which the driver's operand slots have room for.
  (func $sigmoid_backward (export "sigmoid_backward") (param $y i32) (param $grad i32) (param $out i32) (param $n i32)
    (local $end i32) (local $ys v128)
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (local.set $ys (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $y))))
      (v128.store64_lane 0 (local.get $out) (f32x4.demote_f64x2_zero
        (f64x2.mul (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $grad))) (local.get $ys))
                   (f64x2.sub (v128.const f64x2 1 1) (local.get $ys)))))
      (local.set $y (i32.add (local.get $y) (i32.const 8)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 8)))
      (local.set $out (i32.add (local.get $out) (i32.const 8)))
      (br $pairs))))

  ;; out[i] = f32(tanh(x[i])), in float64, with the same float32 bits as tanhTs
  ;; (Math.tanh) on every one of the 2^32 float32 inputs (`node bench/exhaustive.mjs tanh`
  ;; checks all of them). With a = |x| and m = e^(-2a) - 1 (expm1, in (-1, 0]):
  ;;   tanh a = (1 - e^(-2a)) / (1 + e^(-2a)) = -m / (2 + m),  tanh x = ±tanh a (the sign of x)
  ;; -m has no cancellation, even for tiny a, because m comes from an expm1: with
  ;; the reduction of $sigmoid's exp, y = -2a = k·ln 2 + r and
  ;;   m = 2^k·(e^r - 1) + (2^k - 1),  e^r - 1 = Σ_{n=1..13} r^n / n!  (Horner, without the 1)
  ;; where 2^k - 1 is exact; for k = 0 (|y| < ln 2 / 2) m is the series alone. y is
  ;; raised to -110 if below (tanh rounds to ±1 in float32 long before), and a NaN
  ;; passes through. The sign is set from x's sign bit last, so tanh(-0) = -0.
  ;; Four floats an iteration, as two f64x2 halves; like $sigmoid it rounds n up to a
  ;; multiple of 4 and may read and write 3 floats past n, into the driver's padding.
  (func $tanh (export "tanh") (param $x i32) (param $out i32) (param $n i32)
    (local $end i32) (local $xa v128) (local $xb v128) (local $ta v128) (local $tb v128)
    (local $ra v128) (local $rb v128) (local $pa v128) (local $pb v128) (local $ka v128) (local $kb v128)
    (local $signBit v128) (local $lowest v128) (local $invLn2 v128) (local $roundingMagic v128)
    (local $ln2Hi v128) (local $ln2Lo v128) (local $exponentBias v128) (local $one v128) (local $two v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $c8 v128) (local $c9 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local.set $signBit (global.get $signBit)) (local.set $lowest (global.get $lowest))
    (local.set $invLn2 (global.get $invLn2)) (local.set $roundingMagic (global.get $roundingMagic))
    (local.set $ln2Hi (global.get $ln2Hi)) (local.set $ln2Lo (global.get $ln2Lo))
    (local.set $exponentBias (global.get $exponentBias)) (local.set $one (global.get $one))
    (local.set $two (f64x2.add (local.get $one) (local.get $one)))
    (local.set $c2 (global.get $c2)) (local.set $c3 (global.get $c3)) (local.set $c4 (global.get $c4))
    (local.set $c5 (global.get $c5)) (local.set $c6 (global.get $c6)) (local.set $c7 (global.get $c7))
    (local.set $c8 (global.get $c8)) (local.set $c9 (global.get $c9)) (local.set $c10 (global.get $c10))
    (local.set $c11 (global.get $c11)) (local.set $c12 (global.get $c12)) (local.set $c13 (global.get $c13))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $quads
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $xa (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))
      (local.set $xb (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $x))))
      ;; y = max(-2|x|, -110), held in r for now
      (local.set $ra (v128.or (local.get $xa) (local.get $signBit)))
      (local.set $rb (v128.or (local.get $xb) (local.get $signBit)))
      (local.set $ra (f64x2.pmax (f64x2.add (local.get $ra) (local.get $ra)) (local.get $lowest)))
      (local.set $rb (f64x2.pmax (f64x2.add (local.get $rb) (local.get $rb)) (local.get $lowest)))
      ;; t = y / ln 2 + 1.5·2^52: k = t - 1.5·2^52
      (local.set $ta (f64x2.add (f64x2.mul (local.get $ra) (local.get $invLn2)) (local.get $roundingMagic)))
      (local.set $tb (f64x2.add (f64x2.mul (local.get $rb) (local.get $invLn2)) (local.get $roundingMagic)))
      (local.set $ka (f64x2.sub (local.get $ta) (local.get $roundingMagic)))
      (local.set $kb (f64x2.sub (local.get $tb) (local.get $roundingMagic)))
      ;; r = (y - k·LN2_HI) - k·LN2_LO
      (local.set $ra (f64x2.sub (f64x2.sub (local.get $ra) (f64x2.mul (local.get $ka) (local.get $ln2Hi)))
                                (f64x2.mul (local.get $ka) (local.get $ln2Lo))))
      (local.set $rb (f64x2.sub (f64x2.sub (local.get $rb) (f64x2.mul (local.get $kb) (local.get $ln2Hi)))
                                (f64x2.mul (local.get $kb) (local.get $ln2Lo))))
      ;; p = e^r - 1 = r·(1 + r·(1/2! + r·(… + r/13!)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $c13) (local.get $ra)) (local.get $c12)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $c13) (local.get $rb)) (local.get $c12)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c11)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c11)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c10)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c10)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c9)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c9)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c8)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c8)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c7)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c7)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c6)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c6)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c5)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c5)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c4)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c4)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c3)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c3)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $c2)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $c2)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $pa) (local.get $ra)) (local.get $one)))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $pb) (local.get $rb)) (local.get $one)))
      (local.set $pa (f64x2.mul (local.get $pa) (local.get $ra)))
      (local.set $pb (f64x2.mul (local.get $pb) (local.get $rb)))
      ;; 2^k from its bits, (k + 1023) << 52, in k's locals; then m = 2^k·p + (2^k - 1)
      (local.set $ka (i64x2.shl (i64x2.add (local.get $ta) (local.get $exponentBias)) (i32.const 52)))
      (local.set $kb (i64x2.shl (i64x2.add (local.get $tb) (local.get $exponentBias)) (i32.const 52)))
      (local.set $pa (f64x2.add (f64x2.mul (local.get $ka) (local.get $pa)) (f64x2.sub (local.get $ka) (local.get $one))))
      (local.set $pb (f64x2.add (f64x2.mul (local.get $kb) (local.get $pb)) (f64x2.sub (local.get $kb) (local.get $one))))
      ;; out = f32(-m / (2 + m)) with the sign bit of x
      (v128.store64_lane 0 (local.get $out) (f32x4.demote_f64x2_zero (v128.bitselect (local.get $xa)
        (f64x2.div (f64x2.neg (local.get $pa)) (f64x2.add (local.get $two) (local.get $pa))) (local.get $signBit))))
      (v128.store64_lane offset=8 0 (local.get $out) (f32x4.demote_f64x2_zero (v128.bitselect (local.get $xb)
        (f64x2.div (f64x2.neg (local.get $pb)) (f64x2.add (local.get $two) (local.get $pb))) (local.get $signBit))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $quads))))

  ;; out[i] = f32(grad[i] · (1 - y[i]·y[i])), in float64 as tanhBackwardTs computes it:
  ;; the tanh backward, d tanh/dx = 1 - y² with y the forward's output. Two floats
  ;; at a time, n rounded up to a multiple of 2 as in $sigmoid_backward.
  (func $tanh_backward (export "tanh_backward") (param $y i32) (param $grad i32) (param $out i32) (param $n i32)
    (local $end i32) (local $ys v128)
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (local.set $ys (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $y))))
      (v128.store64_lane 0 (local.get $out) (f32x4.demote_f64x2_zero
        (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $grad)))
                   (f64x2.sub (v128.const f64x2 1 1) (f64x2.mul (local.get $ys) (local.get $ys))))))
      (local.set $y (i32.add (local.get $y) (i32.const 8)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 8)))
      (local.set $out (i32.add (local.get $out) (i32.const 8)))
      (br $pairs))))
)
