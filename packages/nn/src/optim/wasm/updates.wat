;; The optimizers' parameter updates in WebAssembly SIMD128, owned by nn's
;; optim/ (driven by ../update-kernels.ts through core's loadWasmKernels):
;; float64 arithmetic two parameters at a time, rounded to float32 exactly where
;; the TypeScript definitions store, so the two agree bit for bit.
;; Compiled by scripts/build-kernels.mjs. Pointers are byte addresses, counts floats.
(module
  (import "env" "memory" (memory 1 65536))
  ;; One Adam (or AdamW) step on n parameters, in float64 like the JavaScript
  ;; definition (adamUpdateTs in ../update-kernels.ts), rounding to float32 exactly
  ;; where that one stores into a Float32Array, so the two agree bit for bit:
  ;;   decayed = f32(p · shrink)
  ;;   g       = grad + l2 · decayed
  ;;   m       = f32(beta1 · m + (1 - beta1) · g)
  ;;   v       = f32(beta2 · v + ((1 - beta2) · g) · g)
  ;;   p       = f32(decayed - (stepSize · m) / (sqrt(v) / biasCorrection2Sqrt + eps))
  ;; Two parameters at a time (f64x2), then the last n % 2 on its own.
  (func $adam_update (export "adam_update") (param $p i32) (param $grad i32) (param $m i32) (param $v i32) (param $n i32)
        (param $shrink f64) (param $l2 f64) (param $beta1 f64) (param $beta2 f64)
        (param $stepSize f64) (param $biasCorrection2Sqrt f64) (param $eps f64)
    (local $end i32)
    (local $shrinks v128) (local $l2s v128) (local $beta1s v128) (local $oneMinusBeta1s v128)
    (local $beta2s v128) (local $oneMinusBeta2s v128) (local $stepSizes v128) (local $corrections v128) (local $epss v128)
    (local $decayed v128) (local $g v128) (local $newM v128) (local $newV v128)
    (local $decayedS f64) (local $gS f64) (local $newMS f64) (local $newVS f64)
    (local.set $shrinks (f64x2.splat (local.get $shrink)))
    (local.set $l2s (f64x2.splat (local.get $l2)))
    (local.set $beta1s (f64x2.splat (local.get $beta1)))
    (local.set $oneMinusBeta1s (f64x2.splat (f64.sub (f64.const 1) (local.get $beta1))))
    (local.set $beta2s (f64x2.splat (local.get $beta2)))
    (local.set $oneMinusBeta2s (f64x2.splat (f64.sub (f64.const 1) (local.get $beta2))))
    (local.set $stepSizes (f64x2.splat (local.get $stepSize)))
    (local.set $corrections (f64x2.splat (local.get $biasCorrection2Sqrt)))
    (local.set $epss (f64x2.splat (local.get $eps)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      ;; decayed = f32(p · shrink): float32 rounding is a demote, then a promote back
      (local.set $decayed (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
        (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (local.get $shrinks)))))
      (local.set $g (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $grad)))
                               (f64x2.mul (local.get $l2s) (local.get $decayed))))
      (local.set $newM (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
        (f64x2.add (f64x2.mul (local.get $beta1s) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $m))))
                   (f64x2.mul (local.get $oneMinusBeta1s) (local.get $g))))))
      (local.set $newV (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
        (f64x2.add (f64x2.mul (local.get $beta2s) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $v))))
                   (f64x2.mul (f64x2.mul (local.get $oneMinusBeta2s) (local.get $g)) (local.get $g))))))
      (v128.store64_lane 0 (local.get $m) (f32x4.demote_f64x2_zero (local.get $newM)))
      (v128.store64_lane 0 (local.get $v) (f32x4.demote_f64x2_zero (local.get $newV)))
      (v128.store64_lane 0 (local.get $p) (f32x4.demote_f64x2_zero
        (f64x2.sub (local.get $decayed)
          (f64x2.div (f64x2.mul (local.get $stepSizes) (local.get $newM))
                     (f64x2.add (f64x2.div (f64x2.sqrt (local.get $newV)) (local.get $corrections)) (local.get $epss))))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 8)))
      (local.set $m (i32.add (local.get $m) (i32.const 8)))
      (local.set $v (i32.add (local.get $v) (i32.const 8)))
      (br $pairs)))
    ;; The last parameter when n is odd: the same arithmetic on one float64.
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $decayedS (f64.promote_f32 (f32.demote_f64
          (f64.mul (f64.promote_f32 (f32.load (local.get $p))) (local.get $shrink)))))
        (local.set $gS (f64.add (f64.promote_f32 (f32.load (local.get $grad))) (f64.mul (local.get $l2) (local.get $decayedS))))
        (local.set $newMS (f64.promote_f32 (f32.demote_f64
          (f64.add (f64.mul (local.get $beta1) (f64.promote_f32 (f32.load (local.get $m))))
                   (f64.mul (f64.sub (f64.const 1) (local.get $beta1)) (local.get $gS))))))
        (local.set $newVS (f64.promote_f32 (f32.demote_f64
          (f64.add (f64.mul (local.get $beta2) (f64.promote_f32 (f32.load (local.get $v))))
                   (f64.mul (f64.mul (f64.sub (f64.const 1) (local.get $beta2)) (local.get $gS)) (local.get $gS))))))
        (f32.store (local.get $m) (f32.demote_f64 (local.get $newMS)))
        (f32.store (local.get $v) (f32.demote_f64 (local.get $newVS)))
        (f32.store (local.get $p) (f32.demote_f64
          (f64.sub (local.get $decayedS)
            (f64.div (f64.mul (local.get $stepSize) (local.get $newMS))
                     (f64.add (f64.div (f64.sqrt (local.get $newVS)) (local.get $biasCorrection2Sqrt)) (local.get $eps))))))))
  )
  ;; One SGD step with momentum and/or weight decay on n parameters, in float64 like
  ;; the JavaScript definition (sgdUpdateTs in ../update-kernels.ts), rounding to float32
  ;; exactly where that one stores, so the two agree bit for bit:
  ;;   g = grad + weightDecay · p
  ;;   with a buffer:  b = f32(g) on the first step, else f32(momentum · b + (1 - dampening) · g)
  ;;                   g = nesterov ? g + momentum · b : b
  ;;   p = f32(p - lr · g)
  ;; $useBuffer, $firstStep and $nesterov are 0 or 1. Two parameters at a time, then the last one.
  (func $sgd_update (export "sgd_update") (param $p i32) (param $grad i32) (param $buf i32) (param $n i32)
        (param $lr f64) (param $weightDecay f64) (param $momentum f64) (param $dampening f64)
        (param $useBuffer i32) (param $firstStep i32) (param $nesterov i32)
    (local $end i32) (local $lrs v128) (local $decays v128) (local $momenta v128) (local $oneMinusDampenings v128)
    (local $ps v128) (local $g v128) (local $b v128)
    (local $pS f64) (local $gS f64) (local $bS f64)
    (local.set $lrs (f64x2.splat (local.get $lr)))
    (local.set $decays (f64x2.splat (local.get $weightDecay)))
    (local.set $momenta (f64x2.splat (local.get $momentum)))
    (local.set $oneMinusDampenings (f64x2.splat (f64.sub (f64.const 1) (local.get $dampening))))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $ps (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))))
      (local.set $g (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $grad)))
                               (f64x2.mul (local.get $decays) (local.get $ps))))
      (if (local.get $useBuffer)
        (then
          (local.set $b (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
            (if (result v128) (local.get $firstStep)
              (then (local.get $g))
              (else (f64x2.add (f64x2.mul (local.get $momenta) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $buf))))
                               (f64x2.mul (local.get $oneMinusDampenings) (local.get $g))))))))
          (v128.store64_lane 0 (local.get $buf) (f32x4.demote_f64x2_zero (local.get $b)))
          (local.set $g (if (result v128) (local.get $nesterov)
            (then (f64x2.add (local.get $g) (f64x2.mul (local.get $momenta) (local.get $b))))
            (else (local.get $b))))
          (local.set $buf (i32.add (local.get $buf) (i32.const 8)))))
      (v128.store64_lane 0 (local.get $p)
        (f32x4.demote_f64x2_zero (f64x2.sub (local.get $ps) (f64x2.mul (local.get $lrs) (local.get $g)))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 8)))
      (br $pairs)))
    ;; The last parameter when n is odd: the same arithmetic on one float64.
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $pS (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $gS (f64.add (f64.promote_f32 (f32.load (local.get $grad))) (f64.mul (local.get $weightDecay) (local.get $pS))))
        (if (local.get $useBuffer)
          (then
            (local.set $bS (f64.promote_f32 (f32.demote_f64
              (if (result f64) (local.get $firstStep)
                (then (local.get $gS))
                (else (f64.add (f64.mul (local.get $momentum) (f64.promote_f32 (f32.load (local.get $buf))))
                               (f64.mul (f64.sub (f64.const 1) (local.get $dampening)) (local.get $gS))))))))
            (f32.store (local.get $buf) (f32.demote_f64 (local.get $bS)))
            (local.set $gS (if (result f64) (local.get $nesterov)
              (then (f64.add (local.get $gS) (f64.mul (local.get $momentum) (local.get $bS))))
              (else (local.get $bS))))))
        (f32.store (local.get $p) (f32.demote_f64 (f64.sub (local.get $pS) (f64.mul (local.get $lr) (local.get $gS))))))))
)
