;; gradlab's matrix-multiply kernel in WebAssembly SIMD128 (f32x4).
;;
;; Compiled by scripts/build-kernels.mjs (with the `wabt` package) into
;; matmul.wasm next to this file and in packages/core/dist/kernels/wasm/.
;; The driver that calls these functions is ../matmul-wasm.ts; read it first.
;;
;; The method is the classic one of GotoBLAS / BLIS:
;;   1. `pack_b` copies a block of op(B) (depth × cols) into panels of 8
;;      columns, each panel stored p-major: for every p, 8 consecutive floats.
;;   2. `pack_a` copies a block of op(A) (rows × depth) into panels of 4 rows,
;;      each stored p-major: for every p, 4 consecutive floats.
;;   3. `macro` walks the panels; for each (4-row panel, 8-column panel) pair
;;      the micro-kernel keeps the 4×8 block of C in eight f32x4 registers and
;;      for each p adds  A[i, p] · B[p, j..j+7]  with one splat of A per row and
;;      two vector loads of B. Eight accumulators plus two B vectors and a splat
;;      fit in the 16 xmm registers V8 gives WebAssembly on x64.
;;
;; The multiply-adds are `f32x4.relaxed_madd` (the relaxed-SIMD proposal): V8
;; turns each into one fused multiply-add (vfmadd231ps, or fmla on arm64) where
;; the CPU has one, so the arithmetic takes half the instructions of a multiply
;; and an add. "Relaxed" means the engine may fuse or not: results are the same
;; run after run on one machine, but can differ in the last bit between a CPU
;; with FMA and one without. Node 22 runs relaxed SIMD as it is; Node 20 only
;; with --experimental-wasm-relaxed-simd. So the build also writes
;; matmul.simd128.wasm, this file with every relaxed_madd spelled out as
;; f32x4.add of an f32x4.mul (plain SIMD128, any Node), and the driver loads
;; whichever of the two this runtime accepts.
;;   4. `run_columns` runs the blocked loops around them (at the end of the file).
;; Packing is where the transposes are absorbed: op(A) = Aᵀ or op(B) = Bᵀ only
;; changes the strides `pack_a` / `pack_b` read with, never the micro-kernel.
;; Panels that stick out past the matrix are padded with zeros, so the
;; micro-kernel never branches on the matrix size; `macro` writes back only
;; the part of a 4×8 tile that lies inside C.
;;
;; All pointers are byte addresses in the imported memory; all strides and
;; sizes are counted in floats.
(module
  ;; The build also makes matmul.shared.wasm, with this memory shared between threads.
  (import "env" "memory" (memory 1 65536)) ;; shared-variant

  ;; Cache blocking, in floats (exported so the driver sizes its workspaces from them):
  ;; a packed A block of BLOCK_ROWS × BLOCK_DEPTH (256 KiB) and a packed B block
  ;; of BLOCK_DEPTH × BLOCK_COLUMNS (1 MiB) stay in the 2 MiB L2 cache; one A
  ;; panel (4 × depth, 8 KiB) and one B panel (depth × 8, 16 KiB) in the 48 KiB L1.
  (global $BLOCK_ROWS (export "BLOCK_ROWS") i32 (i32.const 128))
  (global $BLOCK_DEPTH (export "BLOCK_DEPTH") i32 (i32.const 512))
  (global $BLOCK_COLUMNS (export "BLOCK_COLUMNS") i32 (i32.const 512))

  ;; op(M)[row, col] for a matrix read with the given strides (in floats).
  (func $element (param $src i32) (param $row i32) (param $col i32) (param $rowStride i32) (param $colStride i32) (result f32)
    (f32.load
      (i32.add (local.get $src)
        (i32.shl
          (i32.add (i32.mul (local.get $row) (local.get $rowStride)) (i32.mul (local.get $col) (local.get $colStride)))
          (i32.const 2)))))

  ;; Packs `width` lines (rows of op(A) or columns of op(B)) of length `depth`
  ;; into panels of `panelWidth` (4 or 8) lines:
  ;;   dst[(panel·depth + p)·panelWidth + w] = src[line·lineStride + p·depthStride],
  ;; line = panel·panelWidth + w, and 0 where line >= width.
  ;; Fast paths for the two layouts that occur: lines contiguous
  ;; (lineStride = 1: plain vector loads) and depth contiguous
  ;; (depthStride = 1: 4×4 transposes).
  (func $pack (param $src i32) (param $dst i32) (param $lineStride i32) (param $depthStride i32)
              (param $width i32) (param $depth i32) (param $panelWidth i32)
    (local $line i32) (local $p i32) (local $w i32) (local $half i32) (local $at i32) (local $panelBytes i32) (local $out i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $panelBytes (i32.shl (local.get $panelWidth) (i32.const 2)))
    (local.set $line (i32.const 0))
    (block $panelsDone (loop $panels
      (br_if $panelsDone (i32.ge_s (local.get $line) (local.get $width)))
      (local.set $p (i32.const 0))
      (if (i32.gt_s (i32.add (local.get $line) (local.get $panelWidth)) (local.get $width))
        (then
          ;; A ragged last panel: element by element, zeros past the edge.
          (block $pDone (loop $pLoop
            (br_if $pDone (i32.ge_s (local.get $p) (local.get $depth)))
            (local.set $w (i32.const 0))
            (block $wDone (loop $wLoop
              (br_if $wDone (i32.ge_s (local.get $w) (local.get $panelWidth)))
              (f32.store (local.get $dst)
                (if (result f32) (i32.lt_s (i32.add (local.get $line) (local.get $w)) (local.get $width))
                  (then (call $element (local.get $src) (i32.add (local.get $line) (local.get $w)) (local.get $p)
                                       (local.get $lineStride) (local.get $depthStride)))
                  (else (f32.const 0))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (local.set $w (i32.add (local.get $w) (i32.const 1)))
              (br $wLoop)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pLoop))))
        (else (if (i32.eq (local.get $lineStride) (i32.const 1))
          (then
            ;; Lines contiguous: each p is one (or two) vector loads.
            (local.set $at (i32.add (local.get $src) (i32.shl (local.get $line) (i32.const 2))))
            (block $pDone (loop $pLoop
              (br_if $pDone (i32.ge_s (local.get $p) (local.get $depth)))
              (v128.store (local.get $dst) (v128.load (local.get $at)))
              (if (i32.eq (local.get $panelWidth) (i32.const 8))
                (then (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $at)))))
              (local.set $dst (i32.add (local.get $dst) (local.get $panelBytes)))
              (local.set $at (i32.add (local.get $at) (i32.shl (local.get $depthStride) (i32.const 2))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $pLoop))))
          (else (if (i32.eq (local.get $depthStride) (i32.const 1))
            (then
              ;; Depth contiguous: read 4 values of p from each of 4 lines and
              ;; transpose them, for each group of 4 lines in the panel.
              (block $pDone (loop $pLoop
                (br_if $pDone (i32.gt_s (i32.add (local.get $p) (i32.const 4)) (local.get $depth)))
                (local.set $half (i32.const 0))
                (block $halvesDone (loop $halves
                  (br_if $halvesDone (i32.ge_s (local.get $half) (local.get $panelWidth)))
                  (local.set $at (i32.add (local.get $src)
                    (i32.shl (i32.add (i32.mul (i32.add (local.get $line) (local.get $half)) (local.get $lineStride)) (local.get $p))
                             (i32.const 2))))
                  ;; The 4×4 block whose rows r0..r3 are 4 lines at depths p..p+3;
                  ;; its columns (one depth, 4 lines each) go to 4 consecutive p slots.
                  ;; Written out here rather than called: V8 (Node 20) does not inline
                  ;; wasm calls, and the call made this path 1.6-1.7× slower.
                  (local.set $r0 (v128.load (local.get $at)))
                  (local.set $r1 (v128.load (i32.add (local.get $at) (i32.shl (local.get $lineStride) (i32.const 2)))))
                  (local.set $r2 (v128.load (i32.add (local.get $at) (i32.shl (local.get $lineStride) (i32.const 3)))))
                  (local.set $r3 (v128.load (i32.add (local.get $at) (i32.mul (local.get $lineStride) (i32.const 12)))))
                  ;; t0 = r0[0] r1[0] r0[1] r1[1], t1 = r0[2] r1[2] r0[3] r1[3], likewise t2, t3 from r2, r3
                  (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
                  (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
                  (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
                  (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
                  ;; column c = r0[c] r1[c] r2[c] r3[c], stored at depth p + c of lines half..half+3
                  (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $half) (i32.const 2))))
                  (v128.store (local.get $out)
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                  (v128.store (i32.add (local.get $out) (local.get $panelBytes))
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                  (v128.store (i32.add (local.get $out) (i32.shl (local.get $panelBytes) (i32.const 1)))
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                  (v128.store (i32.add (local.get $out) (i32.mul (local.get $panelBytes) (i32.const 3)))
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                  (local.set $half (i32.add (local.get $half) (i32.const 4)))
                  (br $halves)))
                (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $panelBytes) (i32.const 2))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $pLoop)))))
          ;; Whatever is left of the panel (depth % 4 for the transposing
          ;; path, everything for other strides): element by element.
          (block $pDone (loop $pLoop
            (br_if $pDone (i32.ge_s (local.get $p) (local.get $depth)))
            (local.set $w (i32.const 0))
            (block $wDone (loop $wLoop
              (br_if $wDone (i32.ge_s (local.get $w) (local.get $panelWidth)))
              (f32.store (local.get $dst)
                (call $element (local.get $src) (i32.add (local.get $line) (local.get $w)) (local.get $p)
                               (local.get $lineStride) (local.get $depthStride)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (local.set $w (i32.add (local.get $w) (i32.const 1)))
              (br $wLoop)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pLoop)))))))
      (local.set $line (i32.add (local.get $line) (local.get $panelWidth)))
      (br $panels))))

  ;; Packs rows [0, rows) × depth [0, depth) of op(A) into 4-row panels.
  ;; op(A)[i, p] = src[i·rowStride + p·colStride].
  (func $pack_a (export "pack_a") (param $src i32) (param $dst i32) (param $rowStride i32) (param $colStride i32)
                          (param $rows i32) (param $depth i32)
    (call $pack (local.get $src) (local.get $dst) (local.get $rowStride) (local.get $colStride)
                (local.get $rows) (local.get $depth) (i32.const 4)))

  ;; Packs depth [0, depth) × columns [0, cols) of op(B) into 8-column panels.
  ;; op(B)[p, j] = src[p·rowStride + j·colStride].
  (func $pack_b (export "pack_b") (param $src i32) (param $dst i32) (param $rowStride i32) (param $colStride i32)
                          (param $cols i32) (param $depth i32)
    (call $pack (local.get $src) (local.get $dst) (local.get $colStride) (local.get $rowStride)
                (local.get $cols) (local.get $depth) (i32.const 8)))

  ;; C[0:rows, 0:cols] (+)= packedA · packedB, where C has `ldc` floats per row.
  ;; With accumulate = 0 the block is overwritten, otherwise added to.
  ;; `scratch` is 128 bytes where a ragged edge tile is parked.
  (func $macro (export "macro") (param $packedA i32) (param $packedB i32) (param $c i32)
                         (param $rows i32) (param $cols i32) (param $depth i32) (param $ldc i32)
                         (param $accumulate i32) (param $scratch i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $p i32)
    (local $cRow i32) (local $rowBytes i32) (local $r i32) (local $q i32) (local $at i32) (local $value f32)
    (local $a v128) (local $b0 v128) (local $b1 v128)
    ;; c{row}{half}: row 0..3 of the tile, half 0 = columns 0..3, 1 = columns 4..7
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $rowBytes (i32.shl (local.get $ldc) (i32.const 2)))
    (if (i32.le_s (local.get $depth) (i32.const 0)) (then (return)))
    (local.set $j (i32.const 0))
    (block $columnsDone (loop $columns
      (br_if $columnsDone (i32.ge_s (local.get $j) (local.get $cols)))
      (local.set $i (i32.const 0))
      (block $rowsDone (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $rows)))
        (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
        (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
        (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
        ;; Panels are depth·4 and depth·8 floats long.
        (local.set $pa (i32.add (local.get $packedA) (i32.mul (local.get $i) (i32.shl (local.get $depth) (i32.const 2)))))
        (local.set $pb (i32.add (local.get $packedB) (i32.mul (local.get $j) (i32.shl (local.get $depth) (i32.const 2)))))
        (local.set $p (local.get $depth))
        ;; The micro-kernel: the 4×8 tile += A[i..i+3, p] ⊗ B[p, j..j+7], for every p.
        (loop $inner
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $a (v128.load32_splat (local.get $pa)))
          (local.set $c00 (f32x4.relaxed_madd (local.get $a) (local.get $b0) (local.get $c00)))
          (local.set $c01 (f32x4.relaxed_madd (local.get $a) (local.get $b1) (local.get $c01)))
          (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
          (local.set $c10 (f32x4.relaxed_madd (local.get $a) (local.get $b0) (local.get $c10)))
          (local.set $c11 (f32x4.relaxed_madd (local.get $a) (local.get $b1) (local.get $c11)))
          (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
          (local.set $c20 (f32x4.relaxed_madd (local.get $a) (local.get $b0) (local.get $c20)))
          (local.set $c21 (f32x4.relaxed_madd (local.get $a) (local.get $b1) (local.get $c21)))
          (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
          (local.set $c30 (f32x4.relaxed_madd (local.get $a) (local.get $b0) (local.get $c30)))
          (local.set $c31 (f32x4.relaxed_madd (local.get $a) (local.get $b1) (local.get $c31)))
          (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
          (br_if $inner (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))
        (if (i32.and (i32.le_s (i32.add (local.get $i) (i32.const 4)) (local.get $rows))
                     (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $cols)))
          (then
            ;; The whole tile lies inside C: store it row by row.
            (local.set $cRow (i32.add (local.get $c)
              (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $j)) (i32.const 2))))
            (if (local.get $accumulate)
              (then
                (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $cRow))))
                (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $cRow))))
                (local.set $c10 (f32x4.add (local.get $c10) (v128.load (i32.add (local.get $cRow) (local.get $rowBytes)))))
                (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (i32.add (local.get $cRow) (local.get $rowBytes)))))
                (local.set $at (i32.add (local.get $cRow) (i32.shl (local.get $rowBytes) (i32.const 1))))
                (local.set $c20 (f32x4.add (local.get $c20) (v128.load (local.get $at))))
                (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (local.get $at))))
                (local.set $c30 (f32x4.add (local.get $c30) (v128.load (i32.add (local.get $at) (local.get $rowBytes)))))
                (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (i32.add (local.get $at) (local.get $rowBytes)))))))
            (v128.store (local.get $cRow) (local.get $c00))
            (v128.store offset=16 (local.get $cRow) (local.get $c01))
            (local.set $cRow (i32.add (local.get $cRow) (local.get $rowBytes)))
            (v128.store (local.get $cRow) (local.get $c10))
            (v128.store offset=16 (local.get $cRow) (local.get $c11))
            (local.set $cRow (i32.add (local.get $cRow) (local.get $rowBytes)))
            (v128.store (local.get $cRow) (local.get $c20))
            (v128.store offset=16 (local.get $cRow) (local.get $c21))
            (local.set $cRow (i32.add (local.get $cRow) (local.get $rowBytes)))
            (v128.store (local.get $cRow) (local.get $c30))
            (v128.store offset=16 (local.get $cRow) (local.get $c31)))
          (else
            ;; A ragged edge tile: park it in scratch (4 rows of 8), then copy
            ;; the part inside C element by element.
            (v128.store offset=0 (local.get $scratch) (local.get $c00))
            (v128.store offset=16 (local.get $scratch) (local.get $c01))
            (v128.store offset=32 (local.get $scratch) (local.get $c10))
            (v128.store offset=48 (local.get $scratch) (local.get $c11))
            (v128.store offset=64 (local.get $scratch) (local.get $c20))
            (v128.store offset=80 (local.get $scratch) (local.get $c21))
            (v128.store offset=96 (local.get $scratch) (local.get $c30))
            (v128.store offset=112 (local.get $scratch) (local.get $c31))
            (local.set $r (i32.const 0))
            (block $edgeRowsDone (loop $edgeRows
              (br_if $edgeRowsDone (i32.or (i32.ge_s (local.get $r) (i32.const 4))
                                           (i32.ge_s (i32.add (local.get $i) (local.get $r)) (local.get $rows))))
              (local.set $q (i32.const 0))
              (block $edgeColumnsDone (loop $edgeColumns
                (br_if $edgeColumnsDone (i32.or (i32.ge_s (local.get $q) (i32.const 8))
                                                (i32.ge_s (i32.add (local.get $j) (local.get $q)) (local.get $cols))))
                (local.set $at (i32.add (local.get $c)
                  (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (local.get $r)) (local.get $ldc)) (i32.add (local.get $j) (local.get $q)))
                           (i32.const 2))))
                (local.set $value (f32.load (i32.add (local.get $scratch)
                  (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $q)) (i32.const 2)))))
                (if (local.get $accumulate)
                  (then (local.set $value (f32.add (local.get $value) (f32.load (local.get $at))))))
                (f32.store (local.get $at) (local.get $value))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $edgeColumns)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $edgeRows)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows)))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $columns))))

  ;; C[:, columnStart:columnEnd] (+)= op(A) · op(B)[:, columnStart:columnEnd], where
  ;; A, B and C are m×k (or k×m), k×n (or n×k) and m×n row-major matrices.
  ;; The GotoBLAS / BLIS loop order:
  ;;   for each block of BLOCK_COLUMNS columns
  ;;     for each slice of the depth k (equal slices of at most BLOCK_DEPTH: a
  ;;     thin last slice would pay a round trip of C for little work)
  ;;       pack op(B)[slice, columns]
  ;;       for each block of BLOCK_ROWS rows: pack op(A)[rows, slice], then `macro`
  ;; The first slice stores into C (or adds, with accumulate); later ones add.
  ;; Two threads may run disjoint column ranges of one product at the same
  ;; time, each with its own workspace (scratch, packedA, packedB).
  (func $run_columns (export "run_columns")
        (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
        (param $transposeA i32) (param $transposeB i32) (param $accumulate i32)
        (param $columnStart i32) (param $columnEnd i32)
        (param $scratch i32) (param $packedA i32) (param $packedB i32)
    (local $aRow i32) (local $aCol i32) (local $bRow i32) (local $bCol i32)
    (local $j0 i32) (local $columns i32) (local $sliceDepth i32) (local $p0 i32) (local $depth i32)
    (local $i0 i32) (local $rows i32) (local $add i32)
    (if (i32.le_s (local.get $k) (i32.const 0)) (then (return)))
    ;; op(A)[i, p] = A[i·aRow + p·aCol] and op(B)[p, j] = B[p·bRow + j·bCol], as in matmulTiled.
    (local.set $aRow (select (i32.const 1) (local.get $k) (local.get $transposeA)))
    (local.set $aCol (select (local.get $m) (i32.const 1) (local.get $transposeA)))
    (local.set $bRow (select (i32.const 1) (local.get $n) (local.get $transposeB)))
    (local.set $bCol (select (local.get $k) (i32.const 1) (local.get $transposeB)))
    ;; sliceDepth = ceil(k / ceil(k / BLOCK_DEPTH))
    (local.set $sliceDepth
      (i32.div_u (i32.sub (i32.add (local.get $k)
                   (i32.div_u (i32.sub (i32.add (local.get $k) (global.get $BLOCK_DEPTH)) (i32.const 1)) (global.get $BLOCK_DEPTH)))
                   (i32.const 1))
                 (i32.div_u (i32.sub (i32.add (local.get $k) (global.get $BLOCK_DEPTH)) (i32.const 1)) (global.get $BLOCK_DEPTH))))
    (local.set $j0 (local.get $columnStart))
    (block $columnBlocksDone (loop $columnBlocks
      (br_if $columnBlocksDone (i32.ge_s (local.get $j0) (local.get $columnEnd)))
      (local.set $columns (i32.sub (local.get $columnEnd) (local.get $j0)))
      (if (i32.gt_s (local.get $columns) (global.get $BLOCK_COLUMNS)) (then (local.set $columns (global.get $BLOCK_COLUMNS))))
      (local.set $p0 (i32.const 0))
      (block $slicesDone (loop $slices
        (br_if $slicesDone (i32.ge_s (local.get $p0) (local.get $k)))
        (local.set $depth (i32.sub (local.get $k) (local.get $p0)))
        (if (i32.gt_s (local.get $depth) (local.get $sliceDepth)) (then (local.set $depth (local.get $sliceDepth))))
        (call $pack_b
          (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $p0) (local.get $bRow)) (i32.mul (local.get $j0) (local.get $bCol))) (i32.const 2)))
          (local.get $packedB) (local.get $bRow) (local.get $bCol) (local.get $columns) (local.get $depth))
        (local.set $add (i32.or (local.get $accumulate) (i32.gt_s (local.get $p0) (i32.const 0))))
        (local.set $i0 (i32.const 0))
        (block $rowBlocksDone (loop $rowBlocks
          (br_if $rowBlocksDone (i32.ge_s (local.get $i0) (local.get $m)))
          (local.set $rows (i32.sub (local.get $m) (local.get $i0)))
          (if (i32.gt_s (local.get $rows) (global.get $BLOCK_ROWS)) (then (local.set $rows (global.get $BLOCK_ROWS))))
          (call $pack_a
            (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $aRow)) (i32.mul (local.get $p0) (local.get $aCol))) (i32.const 2)))
            (local.get $packedA) (local.get $aRow) (local.get $aCol) (local.get $rows) (local.get $depth))
          (call $macro (local.get $packedA) (local.get $packedB)
            (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $n)) (local.get $j0)) (i32.const 2)))
            (local.get $rows) (local.get $columns) (local.get $depth) (local.get $n) (local.get $add) (local.get $scratch))
          (local.set $i0 (i32.add (local.get $i0) (global.get $BLOCK_ROWS)))
          (br $rowBlocks)))
        (local.set $p0 (i32.add (local.get $p0) (local.get $sliceDepth)))
        (br $slices)))
      (local.set $j0 (i32.add (local.get $j0) (global.get $BLOCK_COLUMNS)))
      (br $columnBlocks))))
)
