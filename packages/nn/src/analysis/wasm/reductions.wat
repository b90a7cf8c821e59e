;; The dead-neuron instrument's reductions in WebAssembly SIMD128, owned by
;; nn's analysis/ (driven by ../reductions.ts through core's loadWasmKernels).
;; Compiled by scripts/build-kernels.mjs. Pointers are byte addresses, counts floats.
(module
  (import "env" "memory" (memory 1 65536))
  ;; The two reductions the dead-neuron instrument (nn's analysis/dead-neurons.ts)
  ;; runs over every activation of every measured example.
  ;;
  ;; Returns (sum + Σ x[i], squares + Σ x[i]²) over the n floats at x, in float64,
  ;; one element after the other in order: the operations of the JavaScript loop
  ;;   for (const v of x) { sum += v; squares += v * v; }
  ;; and so its bits (a float32 squared is exact in float64). The two chains of
  ;; dependent adds bound it; adding in any other order would be faster but round
  ;; differently.
  (func $sum_and_squares (export "sum_and_squares") (param $x i32) (param $n i32) (param $sum f64) (param $squares f64)
        (result f64 f64)
    (local $end i32) (local $v f64)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $v (f64.promote_f32 (f32.load (local.get $x))))
      (local.set $sum (f64.add (local.get $sum) (local.get $v)))
      (local.set $squares (f64.add (local.get $squares) (f64.mul (local.get $v) (local.get $v))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $each)))
    (local.get $sum) (local.get $squares))

  ;; For each column j of the row-major rows × cols matrix at x, how many of its
  ;; values are below, equal to and above the threshold t:
  ;;   below[j] += #{p : x[p, j] < t},  equal[j] += #{p : x[p, j] == t},  above[j] += #{p : x[p, j] > t}
  ;; compared in float64, as JavaScript compares a float32 with a number (so a t
  ;; such as 0.01, which no float32 equals, needs no care; NaN is in none of the
  ;; three; -0 equals 0). below, equal and above are int32 arrays of cols, which
  ;; the driver zeroes once, so a long matrix can be counted chunk by chunk.
  ;; Four columns at a time: a comparison sets a lane to all ones (-1) where it
  ;; holds, and subtracting that lane from the count adds 1. Then the last
  ;; cols % 4 columns of the row one by one.
  (func $column_counts (export "column_counts") (param $x i32) (param $rows i32) (param $cols i32) (param $threshold f64)
        (param $below i32) (param $equal i32) (param $above i32)
    (local $p i32) (local $j i32) (local $at i32) (local $t v128) (local $lo v128) (local $hi v128) (local $v f64)
    (local.set $t (f64x2.splat (local.get $threshold)))
    (local.set $p (i32.const 0))
    (block $rowsDone (loop $eachRow
      (br_if $rowsDone (i32.ge_s (local.get $p) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $quadsDone (loop $quads
        (br_if $quadsDone (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $cols)))
        ;; columns j, j+1 in lo and j+2, j+3 in hi, widened to float64
        (local.set $lo (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))
        (local.set $hi (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $x))))
        (local.set $at (i32.shl (local.get $j) (i32.const 2)))
        ;; each shuffle keeps the low 32 bits of the four 64-bit comparison lanes: -1 or 0 per column
        (v128.store (i32.add (local.get $below) (local.get $at))
          (i32x4.sub (v128.load (i32.add (local.get $below) (local.get $at)))
            (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
              (f64x2.lt (local.get $lo) (local.get $t)) (f64x2.lt (local.get $hi) (local.get $t)))))
        (v128.store (i32.add (local.get $equal) (local.get $at))
          (i32x4.sub (v128.load (i32.add (local.get $equal) (local.get $at)))
            (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
              (f64x2.eq (local.get $lo) (local.get $t)) (f64x2.eq (local.get $hi) (local.get $t)))))
        (v128.store (i32.add (local.get $above) (local.get $at))
          (i32x4.sub (v128.load (i32.add (local.get $above) (local.get $at)))
            (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
              (f64x2.gt (local.get $lo) (local.get $t)) (f64x2.gt (local.get $hi) (local.get $t)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $quads)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_s (local.get $j) (local.get $cols)))
        (local.set $v (f64.promote_f32 (f32.load (local.get $x))))
        (local.set $at (i32.shl (local.get $j) (i32.const 2)))
        (i32.store (i32.add (local.get $below) (local.get $at))
          (i32.add (i32.load (i32.add (local.get $below) (local.get $at))) (f64.lt (local.get $v) (local.get $threshold))))
        (i32.store (i32.add (local.get $equal) (local.get $at))
          (i32.add (i32.load (i32.add (local.get $equal) (local.get $at))) (f64.eq (local.get $v) (local.get $threshold))))
        (i32.store (i32.add (local.get $above) (local.get $at))
          (i32.add (i32.load (i32.add (local.get $above) (local.get $at))) (f64.gt (local.get $v) (local.get $threshold))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tail)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $eachRow))))
)
