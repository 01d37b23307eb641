/*
 * libmcmjxs: the hot loops of the JPEG XS decoder of org.mcm.codec.jpegxs in C, called through JNI.
 *
 * Part 1: the inverse LeGall 5/3 wavelet of one component, all levels in one call, from the
 * coefficient bands into the component's plane, with the linear output scaling fused into the last level. The
 * arithmetic is the Java decoder's (Dwt53.inverse / inverseLevel): 32-bit two's complement that wraps (-fwrapv),
 * arithmetic right shifts, so both give the same samples for every input, valid or hostile.
 *
 * Part 2 (at the end): the entropy decoding of a slice (JpegXsDecoder.SliceContext.decodeSlice): precinct headers,
 * significance flags, bit-plane counts, data and sign sub-packets into the coefficient bands. It covers the
 * common coding tools (deadzone quantization, raw or predicted bit-plane counts (from zero or vertical),
 * significance coding, signs in the data or separate); anything else (uniform quantization) and any stream that does not add up makes
 * it return ERR_FALLBACK, and the caller decodes that slice in Java, which then gives the same result or the
 * same exception as without this library (a slice is self-contained: the counts' prediction state starts afresh
 * in each).
 *
 * JNI rather than JNA: the bands and the plane are the decoder's int[] arrays on the Java heap; JNI's critical
 * array access reaches them in place, where JNA's direct mapping copies every array in and out on each call.
 * Nothing here calls back into the JVM while the arrays are held.
 *
 * Instruction sets: the same C kernels compiled three times (scalar, SSE4.1, AVX2; gcc vectorises the lifting
 * loops), picked by the caller (cpuIsa() tells the best this CPU has; lower ones stay callable for the tests). The
 * fourth level, AVX-512 (mcmjxs_cpu_isa), runs the AVX2 code but for the counts coded from zero
 * (counts_zero_avx512) and the listed groups' data (data_groups_avx512); the encoder has its own at that level.
 * Every array length and every dimension is checked before anything is read or written; a call that does not add
 * up returns a negative code and touches nothing.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>

#define ABI_VERSION 2
#define MAX_BANDS 64

enum { ISA_SCALAR = 0, ISA_SSE41 = 1, ISA_AVX2 = 2, ISA_AVX512 = 3 };

enum {
    ERR_ARGS = -1,   /* bad counts, null arrays, lengths that do not add up */
    ERR_NOMEM = -2,  /* scratch rows */
    ERR_PIN = -3,    /* the JVM would not hand out an array */
    ERR_FALLBACK = -4 /* a slice this code does not decode (a tool it lacks, or a stream that does not add up) */
};

static int best_isa = -1;

/*
 * The best level this CPU has, for both halves of the library (the encoder's constructor calls it too). The AVX2
 * level also uses BMI2's pext/pdep (every AVX2 CPU of note has it). The AVX-512 level (F, BW, VL, DQ, CD, VBMI and
 * VBMI2 on top of AVX2 and BMI2: Ice Lake, Zen 4 and later) has code of its own in the encoder's rounding and the
 * decoder's counts and data; the rest runs the AVX2 code.
 */
__attribute__((visibility("hidden"))) int mcmjxs_cpu_isa(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi2")) {
        return __builtin_cpu_supports("sse4.1") ? ISA_SSE41 : ISA_SCALAR;
    }
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512vbmi")
            && __builtin_cpu_supports("avx512vbmi2") ? ISA_AVX512 : ISA_AVX2;
}

__attribute__((constructor)) static void find_isa(void) {
    best_isa = mcmjxs_cpu_isa();
}

/* The output scaling of the last level: clamp((v + add) >> dz, 0, max); on = 0: none. */
typedef struct {
    int on;
    int32_t add;
    int dz;
    int32_t max;
} scale_t;

#define ALWAYS static inline __attribute__((always_inline))

ALWAYS int32_t scale1(int32_t v, int32_t add, int dz, int32_t max) {
    int32_t s = (v + add) >> dz;
    s &= ~(s >> 31);
    int32_t d = s - max;
    return max + (d & (d >> 31));
}

/* Inverse 1-D: l (ceil(len/2)) and h (floor(len/2)) into out[0..len). */
ALWAYS void inv1d(const int32_t *restrict l, const int32_t *restrict h, int32_t *restrict out, int len) {
    if (len <= 0) {
        return;
    }
    if (len == 1) {
        out[0] = l[0];
        return;
    }
    const int nH = len >> 1, nL = len - nH;
    /* e(k) = l[k] - ((h[k-1] + h[k] + 2) >> 2), h clamped to [0, nH); odd o(k) = h[k] + ((e(k) + e(k+1)) >> 1) with
       e(nL) = e(nL-1). The edges in scalar code, the middle (both neighbours inside) in one vectorisable loop. */
#define E(k) (l[k] - ((h[(k) > 0 ? (k) - 1 : 0] + h[(k) < nH ? (k) : nH - 1] + 2) >> 2))
    int32_t e0 = E(0);
    int32_t e1 = nL > 1 ? E(1) : e0;
    out[0] = e0;
    out[1] = h[0] + ((e0 + e1) >> 1);
    for (int k = 1; k < nH - 1; k++) {
        int32_t ek = l[k] - ((h[k - 1] + h[k] + 2) >> 2);
        int32_t en = l[k + 1] - ((h[k] + h[k + 1] + 2) >> 2);
        out[2 * k] = ek;
        out[2 * k + 1] = h[k] + ((ek + en) >> 1);
    }
    if (nH > 1) {
        int k = nH - 1;
        int32_t ek = E(k);
        int32_t en = k + 1 < nL ? E(k + 1) : ek;
        out[2 * k] = ek;
        out[2 * k + 1] = h[k] + ((ek + en) >> 1);
    }
    if (nL > nH) {
        out[2 * nH] = E(nH);
    }
#undef E
}

ALWAYS void scale_row(int32_t *restrict v, int w, scale_t sc) {
    const int32_t add = sc.add, max = sc.max;
    const int dz = sc.dz;
    for (int x = 0; x < w; x++) {
        v[x] = scale1(v[x], add, dz, max);
    }
}

/* Even output row: the horizontally inverted L row minus the vertical update from the H rows hp, hc. */
ALWAYS void even_row(const int32_t *l, const int32_t *hl, int w, const int32_t *restrict hp,
        const int32_t *restrict hc, int32_t *restrict e) {
    inv1d(l, hl, e, w);
    for (int x = 0; x < w; x++) {
        e[x] -= (hp[x] + hc[x] + 2) >> 2;
    }
}

/* Output rows 2k (e0) and 2k + 1 (hk + the mean of e0 and e1), scaled when sc.on. */
ALWAYS void out_pair(const int32_t *restrict hk, const int32_t *restrict e0, const int32_t *restrict e1,
        int32_t *restrict odd, int32_t *restrict even, int w, scale_t sc) {
    if (!sc.on) {
        for (int x = 0; x < w; x++) {
            odd[x] = hk[x] + ((e0[x] + e1[x]) >> 1);
        }
        memcpy(even, e0, (size_t) w * 4);
    } else {
        const int32_t add = sc.add, max = sc.max;
        const int dz = sc.dz;
        for (int x = 0; x < w; x++) {
            odd[x] = scale1(hk[x] + ((e0[x] + e1[x]) >> 1), add, dz, max);
        }
        for (int x = 0; x < w; x++) {
            even[x] = scale1(e0[x], add, dz, max);
        }
    }
}

/* pair_fused's scaled case for sample x: e1's vertical update, then the odd and even output samples scaled and clamped. */
ALWAYS void pair_scaled1(const int32_t *restrict hk, const int32_t *restrict hc, const int32_t *restrict e0,
        int32_t *restrict e1, int32_t *restrict odd, int32_t *restrict even, int x, int32_t add, int dz, int32_t max) {
    const int32_t en = e1[x] - ((hk[x] + hc[x] + 2) >> 2);
    e1[x] = en;
    int32_t o = (hk[x] + ((e0[x] + en) >> 1) + add) >> dz;
    o = o < 0 ? 0 : o;
    odd[x] = o > max ? max : o;
    int32_t v = (e0[x] + add) >> dz;
    v = v < 0 ? 0 : v;
    even[x] = v > max ? max : v;
}

/*
 * even_row's vertical update of the next even row e1 (already inverted horizontally) and out_pair of rows 2k, 2k+1
 * in one pass: e1 -= (hk + hc + 2) >> 2, odd = hk + ((e0 + e1) >> 1), even = e0, scaled when sc.on; the same
 * operations on each sample as even_row then out_pair. The clamp as min/max: equal to scale1's for max >= 0 (the
 * caller's condition), which gcc turns into vector min/max.
 */
ALWAYS void pair_fused(const int32_t *restrict hk, const int32_t *restrict hc, const int32_t *restrict e0,
        int32_t *restrict e1, int32_t *restrict odd, int32_t *restrict even, int w, scale_t sc) {
    if (!sc.on) {
        for (int x = 0; x < w; x++) {
            const int32_t en = e1[x] - ((hk[x] + hc[x] + 2) >> 2);
            e1[x] = en;
            odd[x] = hk[x] + ((e0[x] + en) >> 1);
            even[x] = e0[x];
        }
        return;
    }
    const int32_t add = sc.add, max = sc.max;
    const int dz = sc.dz;
    for (int x = 0; x < w; x++) {
        pair_scaled1(hk, hc, e0, e1, odd, even, x, add, dz, max);
    }
}

/*
 * pair_fused's scaled case by hand in AVX2 (round 17): the output rows, written once and read only after the frame,
 * go to memory with streaming stores where both rows share the 32-byte alignment (no read of the lines before
 * they are written); the same operations on each sample.
 */
__attribute__((target("avx2"))) static inline void pair_scaled_avx2(const int32_t *restrict hk,
        const int32_t *restrict hc, const int32_t *restrict e0, int32_t *restrict e1, int32_t *restrict odd,
        int32_t *restrict even, int w, scale_t sc) {
    const int32_t add = sc.add, max = sc.max;
    const int dz = sc.dz;
    int x = 0;
    const int stream = (((uintptr_t) odd ^ (uintptr_t) even) & 31) == 0;
    if (stream) {
        for (; x < w && ((uintptr_t) (odd + x) & 31) != 0; x++) {
            pair_scaled1(hk, hc, e0, e1, odd, even, x, add, dz, max);
        }
    }
    const __m256i addv = _mm256_set1_epi32(add), maxv = _mm256_set1_epi32(max), zero = _mm256_setzero_si256();
    const __m256i two = _mm256_set1_epi32(2);
    const __m128i dzc = _mm_cvtsi32_si128(dz);
    for (; x + 8 <= w; x += 8) {
        const __m256i h = _mm256_loadu_si256((const __m256i *) (hk + x));
        const __m256i c = _mm256_loadu_si256((const __m256i *) (hc + x));
        const __m256i a = _mm256_loadu_si256((const __m256i *) (e0 + x));
        __m256i en = _mm256_loadu_si256((const __m256i *) (e1 + x));
        en = _mm256_sub_epi32(en, _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(h, c), two), 2));
        _mm256_storeu_si256((__m256i *) (e1 + x), en);
        __m256i o = _mm256_add_epi32(h, _mm256_srai_epi32(_mm256_add_epi32(a, en), 1));
        o = _mm256_min_epi32(_mm256_max_epi32(_mm256_sra_epi32(_mm256_add_epi32(o, addv), dzc), zero), maxv);
        const __m256i v = _mm256_min_epi32(_mm256_max_epi32(_mm256_sra_epi32(_mm256_add_epi32(a, addv), dzc), zero),
                maxv);
        if (stream) {
            _mm256_stream_si256((__m256i *) (odd + x), o);
            _mm256_stream_si256((__m256i *) (even + x), v);
        } else {
            _mm256_storeu_si256((__m256i *) (odd + x), o);
            _mm256_storeu_si256((__m256i *) (even + x), v);
        }
    }
    for (; x < w; x++) {
        pair_scaled1(hk, hc, e0, e1, odd, even, x, add, dz, max);
    }
}

/*
 * One inverse 2-D level (Dwt53.inverseLevel): L rows from ll (stride llStride) with hl (stride hw), H rows from lh
 * (stride lw) and hh (stride hw); the nL + nH output rows of lw + hw samples to out (stride outStride). scratch:
 * 5 rows of lw + hw ints.
 */
ALWAYS void inv_level(const int32_t *ll, int llStride, const int32_t *hl, const int32_t *lh, const int32_t *hh,
        int lw, int hw, int nL, int nH, int32_t *out, int outStride, int32_t *scratch, scale_t sc, const int avx2) {
    const int w = lw + hw;
    int32_t *hRows[2] = {scratch, scratch + w};
    int32_t *eRows[2] = {scratch + 2 * w, scratch + 3 * w};
    int32_t *tmp = scratch + 4 * w;
    if (nL + nH == 1) {
        inv1d(ll, hl, tmp, w);
        if (sc.on) {
            scale_row(tmp, w, sc);
        }
        memcpy(out, tmp, (size_t) w * 4);
        return;
    }
    inv1d(lh, hh, hRows[0], w);
    even_row(ll, hl, w, hRows[0], hRows[0], eRows[0]);
    for (int k = 0; k < nH; k++) {
        const int32_t *restrict hk = hRows[k & 1];
        if (k + 1 < nH) {
            inv1d(lh + (size_t) (k + 1) * lw, hh + (size_t) (k + 1) * hw, hRows[(k + 1) & 1], w);
        }
        int32_t *restrict e0 = eRows[k & 1];
        const int32_t *restrict e1 = e0;
        int32_t *restrict odd = out + (size_t) (2 * k + 1) * outStride;
        int32_t *restrict even = out + (size_t) (2 * k) * outStride;
        if (k + 1 < nL && (!sc.on || sc.max >= 0)) { /* as in level_rows */
            int32_t *restrict en = eRows[(k + 1) & 1];
            inv1d(ll + (size_t) (k + 1) * llStride, hl + (size_t) (k + 1) * hw, en, w);
            if (avx2 && sc.on) {
                pair_scaled_avx2(hk, hRows[(k + 1 < nH ? k + 1 : nH - 1) & 1], e0, en, odd, even, w, sc);
            } else {
                pair_fused(hk, hRows[(k + 1 < nH ? k + 1 : nH - 1) & 1], e0, en, odd, even, w, sc);
            }
            continue;
        }
        if (k + 1 < nL) {
            int32_t *en = eRows[(k + 1) & 1];
            even_row(ll + (size_t) (k + 1) * llStride, hl + (size_t) (k + 1) * hw, w, hk,
                    hRows[(k + 1 < nH ? k + 1 : nH - 1) & 1], en);
            e1 = en;
        }
        out_pair(hk, e0, e1, odd, even, w, sc);
    }
    if (nL > nH) {
        int32_t *e = eRows[nH & 1];
        int32_t *last = out + (size_t) (nL + nH - 1) * outStride;
        memcpy(last, e, (size_t) w * 4);
        if (sc.on) {
            scale_row(last, w, sc);
        }
    }
}

/* A component's plan, checked: band pointers and sizes in the order the Java decoder keeps them. */
typedef struct {
    int nh, nv;
    const int32_t *band[MAX_BANDS];
    int bw[MAX_BANDS], bh[MAX_BANDS];
    int32_t *img, *bufA, *bufB;
    int stride;
    scale_t sc;
} plan_t;

/*
 * The whole component: band 0 into the low buffer, the horizontal-only levels in place, row by row, then the 2-D
 * levels ping-ponging between bufA and bufB, the last into img.
 */
ALWAYS void component(const plan_t *p, int32_t *scratch, const int avx2) {
    const int stride = p->stride;
    int curW = p->bw[0], curH = p->bh[0];
    int32_t *cur = p->nv == 0 ? p->img : p->bufA;
    for (int y = 0; y < curH; y++) {
        memcpy(cur + (size_t) y * stride, p->band[0] + (size_t) y * curW, (size_t) curW * 4);
    }
    int i = 1;
    for (int k = 0; k < p->nh; k++, i++) {
        const int32_t *hb = p->band[i];
        const int hw = p->bw[i];
        const int nw = curW + hw;
        for (int y = 0; y < curH; y++) {
            inv1d(cur + (size_t) y * stride, hb + (size_t) y * hw, scratch, nw);
            memcpy(cur + (size_t) y * stride, scratch, (size_t) nw * 4);
        }
        curW = nw;
    }
    for (int k = 0; k < p->nv; k++, i += 3) {
        const int last = k == p->nv - 1;
        int32_t *out = last ? p->img : (cur == p->bufA ? p->bufB : p->bufA);
        const int hw = p->bw[i], nH = p->bh[i + 1];
        scale_t sc = p->sc;
        sc.on = sc.on && last;
        inv_level(cur, stride, p->band[i], p->band[i + 1], p->band[i + 2], curW, hw, curH, nH, out, stride, scratch,
                sc, avx2);
        cur = out;
        curW += hw;
        curH += nH;
    }
}

static void component_scalar(const plan_t *p, int32_t *scratch) {
    component(p, scratch, 0);
}

__attribute__((target("sse4.1"))) static void component_sse41(const plan_t *p, int32_t *scratch) {
    component(p, scratch, 0);
}

__attribute__((target("avx2"))) static void component_avx2(const plan_t *p, int32_t *scratch) {
    component(p, scratch, 1);
    _mm_sfence(); /* the streamed rows of pair_scaled_avx2 */
}

/*
 * Checks the plan against the array lengths (in ints) before anything runs: every band holds its w x h, every row
 * fits the stride, the buffers hold the rows each level writes, the level sizes chain as the wavelet needs.
 */
static int check(const plan_t *p, const long *blen, const int *stored, long imgLen, long aLen, long bLen, int *maxW) {
    if (p->stride <= 0 || p->nh < 0 || p->nv < 0 || 1 + p->nh + 3 * p->nv > MAX_BANDS) {
        return ERR_ARGS;
    }
    if (p->sc.on && (p->sc.dz < 0 || p->sc.dz > 31)) {
        return ERR_ARGS;
    }
    int n = 1 + p->nh + 3 * p->nv;
    for (int b = 0; b < n; b++) {
        long rows = stored != NULL && stored[b] > 0 && stored[b] < p->bh[b] ? stored[b] : p->bh[b];
        if (p->bw[b] < 0 || p->bh[b] < 0 || (stored != NULL && stored[b] < 0) || (long) p->bw[b] * rows > blen[b]) {
            return ERR_ARGS;
        }
    }
    long curW = p->bw[0], curH = p->bh[0];
    if (curW < 1 || curH < 1) {
        return ERR_ARGS;
    }
    /* the low buffer (img without 2-D levels, else bufA) holds curH rows */
    long first = p->nv == 0 ? imgLen : aLen;
    if (curH * p->stride > first || curW > p->stride) {
        return ERR_ARGS;
    }
    int i = 1;
    for (int k = 0; k < p->nh; k++, i++) {
        if (p->bh[i] != curH || p->bw[i] < 1 || curW - p->bw[i] < 0 || curW - p->bw[i] > 1) {
            return ERR_ARGS;
        }
        curW += p->bw[i];
        if (curW > p->stride) {
            return ERR_ARGS;
        }
    }
    long curBuf = first;
    int inA = p->nv > 0;
    for (int k = 0; k < p->nv; k++, i += 3) {
        long hw = p->bw[i], nH = p->bh[i + 1];
        /* hl: hw x nL, lh: lw x nH, hh: hw x nH */
        if (hw < 1 || p->bh[i] != curH || p->bw[i + 1] != curW || p->bw[i + 2] != hw || p->bh[i + 2] != nH) {
            return ERR_ARGS;
        }
        if (nH > curH || nH < curH - 1 || curW - hw < 0 || curW - hw > 1) {
            return ERR_ARGS;
        }
        int last = k == p->nv - 1;
        long outLen = last ? imgLen : (inA ? bLen : aLen);
        if (curH * p->stride > curBuf) {
            return ERR_ARGS;
        }
        curW += hw;
        curH += nH;
        if (curW > p->stride || curH * p->stride > outLen) {
            return ERR_ARGS;
        }
        curBuf = outLen;
        inA = !inA;
    }
    *maxW = (int) curW;
    return 0;
}

JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_abiVersion(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return ABI_VERSION;
}

JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_cpuIsa(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return best_isa;
}

/*
 * Part 1b: the same inverse wavelet run row by row behind the slice decoding (inverseRows). Each call advances one
 * component as far as the band rows decoded so far allow: the lowest band and the horizontal-only levels row by
 * row into the low buffer, then each 2-D level's lifting iterations as their input rows are there, the last level
 * into img. Called after every slice, it reads the rows of the bands that slice has just written while they are
 * still in the cache, instead of reading all the bands back from memory after the last slice. The vertical
 * lifting's state (two H rows, two even rows and three counters per level, and the low rows done) stays in a
 * caller-owned int[] between calls; the caller zeroes its header at the start of each frame. At most two 2-D
 * levels: the low rows go to bufA, the first level's rows to bufB, the last level's to img, so no level writes
 * rows a lower one still has to read. Every row is made by the same operations in the same order as in
 * component(): the same samples.
 */
#define ST_HDR 16

/* Row r of a band of width w kept in a ring of R rows (R = 0: the whole band). */
ALWAYS const int32_t *brow(const int32_t *band, int r, int w, int R) {
    return band + (size_t) (R > 0 ? r % R : r) * w;
}

/* the state's ints for a component of stride `stride` with nv 2-D levels */
static long state_len(int stride, int nv) {
    return ST_HDR + (long) (4 * nv + 1) * (stride + 8);
}

/* The low rows (lowest band and horizontal-only levels) up to row `avail`; *done: rows made so far. */
ALWAYS void low_rows(const plan_t *p, const int *ring, int32_t *cur, int avail, int32_t *done, int32_t *tmp) {
    const int stride = p->stride;
    for (int y = *done; y < avail; y++) {
        int curW = p->bw[0];
        int32_t *row = cur + (size_t) y * stride;
        memcpy(row, brow(p->band[0], y, curW, ring[0]), (size_t) curW * 4);
        for (int k = 0, i = 1; k < p->nh; k++, i++) {
            const int hw = p->bw[i];
            const int nw = curW + hw;
            inv1d(row, brow(p->band[i], y, hw, ring[i]), tmp, nw);
            memcpy(row, tmp, (size_t) nw * 4);
            curW = nw;
        }
    }
    if (avail > *done) {
        *done = avail;
    }
}

/*
 * One 2-D level as far as its inputs go (inv_level's loop, resumable): L rows from in (availL of nL made),
 * hl rows availHL, lh and hh rows availH. st: [0] started (H row 0 and even row 0 made), [1] iterations done,
 * [2] output rows written. rows: the level's two H rows and two even rows, rw ints apart; tmp: a spare row.
 */
ALWAYS void level_rows(const int32_t *in, int stride, const int32_t *hl, const int32_t *lh, const int32_t *hh,
        int lw, int hw, int nL, int nH, int availL, int availHL, int availH, const int *ring, int32_t *out,
        int32_t *st, int32_t *rows, int rw, int32_t *tmp, scale_t sc, const int avx2) {
    const int w = lw + hw;
    int32_t *hRows[2] = {rows, rows + rw};
    int32_t *eRows[2] = {rows + 2 * rw, rows + 3 * rw};
    const int aL = availL < availHL ? availL : availHL;
    if (nL + nH == 1) {
        if (st[2] == 0 && aL >= 1) {
            inv1d(in, hl, tmp, w);
            if (sc.on) {
                scale_row(tmp, w, sc);
            }
            memcpy(out, tmp, (size_t) w * 4);
            st[2] = 1;
        }
        return;
    }
    if (st[0] == 0) {
        if (aL < 1 || availH < 1) {
            return;
        }
        inv1d(lh, hh, hRows[0], w);
        even_row(in, hl, w, hRows[0], hRows[0], eRows[0]);
        st[0] = 1;
    }
    int k = st[1];
    for (; k < nH; k++) {
        if ((k + 1 < nH && availH < k + 2) || (k + 1 < nL && aL < k + 2)) {
            break;
        }
        const int32_t *restrict hk = hRows[k & 1];
        if (k + 1 < nH) {
            inv1d(brow(lh, k + 1, lw, ring[1]), brow(hh, k + 1, hw, ring[2]), hRows[(k + 1) & 1], w);
        }
        int32_t *restrict e0 = eRows[k & 1];
        const int32_t *restrict e1 = e0;
        int32_t *restrict odd = out + (size_t) (2 * k + 1) * stride;
        int32_t *restrict even = out + (size_t) (2 * k) * stride;
        if (k + 1 < nL && (!sc.on || sc.max >= 0)) {
            /* the next even row's vertical update fused with this pair's output (one pass instead of two) */
            int32_t *restrict en = eRows[(k + 1) & 1];
            inv1d(in + (size_t) (k + 1) * stride, brow(hl, k + 1, hw, ring[0]), en, w);
            if (avx2 && sc.on) {
                pair_scaled_avx2(hk, hRows[(k + 1 < nH ? k + 1 : nH - 1) & 1], e0, en, odd, even, w, sc);
            } else {
                pair_fused(hk, hRows[(k + 1 < nH ? k + 1 : nH - 1) & 1], e0, en, odd, even, w, sc);
            }
            continue;
        }
        if (k + 1 < nL) {
            int32_t *en = eRows[(k + 1) & 1];
            even_row(in + (size_t) (k + 1) * stride, brow(hl, k + 1, hw, ring[0]), w, hk,
                    hRows[(k + 1 < nH ? k + 1 : nH - 1) & 1], en);
            e1 = en;
        }
        out_pair(hk, e0, e1, odd, even, w, sc);
    }
    st[1] = k;
    int done = 2 * k;
    if (k == nH && nL > nH) {
        if (st[2] < nL + nH) {
            int32_t *last = out + (size_t) (nL + nH - 1) * stride;
            memcpy(last, eRows[nH & 1], (size_t) w * 4);
            if (sc.on) {
                scale_row(last, w, sc);
            }
        }
        done = nL + nH;
    }
    st[2] = done;
}

/* A component as far as avail[] (rows of each band decoded) goes; the rows of the last stage made so far. */
ALWAYS int component_rows(const plan_t *p, const int *avail, int32_t *state, const int avx2) {
    const int stride = p->stride, rw = stride + 8;
    const int *ring = avail + 1 + p->nh + 3 * p->nv;
    int32_t *tmp = state + ST_HDR;
    int aLow = avail[0];
    for (int i = 1; i <= p->nh; i++) {
        aLow = avail[i] < aLow ? avail[i] : aLow;
    }
    int32_t *cur = p->nv == 0 ? p->img : p->bufA;
    low_rows(p, ring, cur, aLow, &state[0], tmp);
    int made = state[0];
    int curW = p->bw[0], curH = p->bh[0];
    for (int i = 1; i <= p->nh; i++) {
        curW += p->bw[i];
    }
    int i = 1 + p->nh;
    for (int k = 0; k < p->nv; k++, i += 3) {
        const int last = k == p->nv - 1;
        int32_t *out = last ? p->img : p->bufB;
        const int hw = p->bw[i], nH = p->bh[i + 1];
        scale_t sc = p->sc;
        sc.on = sc.on && last;
        const int aH = avail[i + 1] < avail[i + 2] ? avail[i + 1] : avail[i + 2];
        int32_t *st = state + 1 + 3 * k;
        level_rows(cur, stride, p->band[i], p->band[i + 1], p->band[i + 2], curW, hw, curH, nH, made, avail[i], aH,
                ring + i, out, st, state + ST_HDR + rw + (size_t) 4 * rw * k, rw, tmp, sc, avx2);
        made = st[2];
        cur = out;
        curW += hw;
        curH += nH;
    }
    return made;
}

static int component_rows_scalar(const plan_t *p, const int *avail, int32_t *state) {
    return component_rows(p, avail, state, 0);
}

__attribute__((target("sse4.1"))) static int component_rows_sse41(const plan_t *p, const int *avail, int32_t *state) {
    return component_rows(p, avail, state, 0);
}

__attribute__((target("avx2"))) static int component_rows_avx2(const plan_t *p, const int *avail, int32_t *state) {
    const int made = component_rows(p, avail, state, 1);
    _mm_sfence(); /* the streamed rows of pair_scaled_avx2 before the plane is handed back */
    return made;
}

/* The state's header against the plan: counters inside the sizes they count. */
static int check_state(const plan_t *p, const int32_t *st, const int *avail) {
    const int n = 1 + p->nh + 3 * p->nv;
    const int *ring = avail + n;
    if (st[0] < 0 || st[0] > p->bh[0]) {
        return ERR_ARGS;
    }
    /* the rows still to be read must still be in the rings: band b's ring holds rows avail - ring .. avail - 1 */
    for (int b = 0; b <= p->nh; b++) {
        if (ring[b] > 0 && st[0] < avail[b] - ring[b]) {
            return ERR_ARGS;
        }
    }
    int curH = p->bh[0];
    int i = 1 + p->nh;
    for (int k = 0; k < p->nv; k++, i += 3) {
        const int32_t *l = st + 1 + 3 * k;
        const int nH = p->bh[i + 1];
        if (l[0] < 0 || l[0] > 1 || l[1] < 0 || l[1] > nH || l[2] < 0 || l[2] > curH + nH) {
            return ERR_ARGS;
        }
        const int next = l[0] == 0 ? 0 : l[1] + 1; /* the first band row not read yet */
        for (int b = i; b < i + 3; b++) {
            if (ring[b] > 0 && next < avail[b] - ring[b]) {
                return ERR_ARGS;
            }
        }
        curH += nH;
    }
    return 0;
}

/*
 * The body of inverseComponent and inverseRows: avail and state null for the whole component at once, else rows
 * as far as avail goes with the state carried between calls (returns the last stage's rows made).
 */
static jint component_call(JNIEnv *env, jint isa, jobjectArray bands, jintArray dims, jint nh, jint nv, jintArray img,
        jint stride, jintArray bufA, jintArray bufB, jint scaleOn, jint add, jint dz, jint max, jintArray avail,
        jintArray state) {
    if (isa < ISA_SCALAR || isa > best_isa || bands == NULL || dims == NULL || img == NULL || nh < 0 || nv < 0) {
        return ERR_ARGS;
    }
    const int n = 1 + nh + 3 * nv;
    if (n > MAX_BANDS || (*env)->GetArrayLength(env, bands) < n || (*env)->GetArrayLength(env, dims) < 2 * n) {
        return ERR_ARGS;
    }
    if (nv > 0 && bufA == NULL) {
        return ERR_ARGS;
    }
    if (nv > 1 && bufB == NULL) {
        return ERR_ARGS;
    }
    const int rows = state != NULL;
    int av[2 * MAX_BANDS];
    if (rows) {
        /* at most two 2-D levels (see Part 1b), the state and the rows decoded of every band */
        if (nv > 2 || avail == NULL || (*env)->GetArrayLength(env, avail) < 2 * n
                || (*env)->GetArrayLength(env, state) < state_len(stride, nv)) {
            return ERR_ARGS;
        }
        (*env)->GetIntArrayRegion(env, avail, 0, 2 * n, av);
    }
    plan_t p;
    memset(&p, 0, sizeof p);
    p.nh = nh;
    p.nv = nv;
    p.stride = stride;
    p.sc.on = scaleOn != 0;
    p.sc.add = add;
    p.sc.dz = dz;
    p.sc.max = max;
    jint d[2 * MAX_BANDS];
    (*env)->GetIntArrayRegion(env, dims, 0, 2 * n, d);
    jintArray arr[MAX_BANDS];
    long blen[MAX_BANDS];
    for (int b = 0; b < n; b++) {
        arr[b] = (jintArray) (*env)->GetObjectArrayElement(env, bands, b);
        if (arr[b] == NULL) {
            for (int j = 0; j < b; j++) {
                (*env)->DeleteLocalRef(env, arr[j]);
            }
            return ERR_ARGS;
        }
        blen[b] = (*env)->GetArrayLength(env, arr[b]);
        p.bw[b] = d[2 * b];
        p.bh[b] = d[2 * b + 1];
    }
    long imgLen = (*env)->GetArrayLength(env, img);
    long aLen = bufA != NULL ? (*env)->GetArrayLength(env, bufA) : 0;
    long bLen = bufB != NULL ? (*env)->GetArrayLength(env, bufB) : 0;
    int maxW = 0;
    int rc = check(&p, blen, rows ? av + n : NULL, imgLen, aLen, bLen, &maxW);
    for (int b = 0; rc == 0 && rows && b < n; b++) {
        if (av[b] < 0 || av[b] > p.bh[b]) {
            rc = ERR_ARGS;
        }
    }
    int32_t *scratch = NULL;
    if (rc == 0 && !rows) {
        scratch = malloc((size_t) 5 * (maxW + 8) * sizeof(int32_t));
        if (scratch == NULL) {
            rc = ERR_NOMEM;
        }
    }
    if (rc != 0) {
        for (int b = 0; b < n; b++) {
            (*env)->DeleteLocalRef(env, arr[b]);
        }
        return rc;
    }
    /* pin everything (no JNI calls but the releases until all are released) */
    int pinned = 0;
    int ok = 1;
    for (; pinned < n; pinned++) {
        p.band[pinned] = (*env)->GetPrimitiveArrayCritical(env, arr[pinned], NULL);
        if (p.band[pinned] == NULL) {
            ok = 0;
            break;
        }
    }
    p.img = ok ? (*env)->GetPrimitiveArrayCritical(env, img, NULL) : NULL;
    ok = ok && p.img != NULL;
    p.bufA = ok && bufA != NULL ? (*env)->GetPrimitiveArrayCritical(env, bufA, NULL) : NULL;
    ok = ok && (bufA == NULL || p.bufA != NULL);
    p.bufB = ok && bufB != NULL ? (*env)->GetPrimitiveArrayCritical(env, bufB, NULL) : NULL;
    ok = ok && (bufB == NULL || p.bufB != NULL);
    int32_t *st = ok && rows ? (*env)->GetPrimitiveArrayCritical(env, state, NULL) : NULL;
    ok = ok && (!rows || st != NULL);
    jint result = ok ? 0 : ERR_PIN;
    if (ok && rows) {
        if (check_state(&p, st, av) != 0) {
            result = ERR_ARGS;
        } else if (isa >= ISA_AVX2) {
            result = component_rows_avx2(&p, av, st);
        } else if (isa == ISA_SSE41) {
            result = component_rows_sse41(&p, av, st);
        } else {
            result = component_rows_scalar(&p, av, st);
        }
    } else if (ok) {
        if (isa >= ISA_AVX2) {
            component_avx2(&p, scratch);
        } else if (isa == ISA_SSE41) {
            component_sse41(&p, scratch);
        } else {
            component_scalar(&p, scratch);
        }
    }
    if (st != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, state, st, 0);
    }
    if (p.bufB != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, bufB, p.bufB, 0);
    }
    if (p.bufA != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, bufA, p.bufA, 0);
    }
    if (p.img != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, img, p.img, 0);
    }
    for (int b = pinned - 1; b >= 0; b--) {
        (*env)->ReleasePrimitiveArrayCritical(env, arr[b], (void *) p.band[b], JNI_ABORT);
    }
    for (int b = 0; b < n; b++) {
        (*env)->DeleteLocalRef(env, arr[b]);
    }
    free(scratch);
    return result;
}

/*
 * inverseComponent(isa, int[][] bands, int[] dims, nh, nv, int[] img, stride, int[] bufA, int[] bufB,
 *                  scaleOn, add, dz, max) -> 0, or a negative ERR_*.
 * bands: 1 + nh + 3 * nv arrays (the lowest band, the horizontal-only levels' bands, then HL, LH, HH of each 2-D
 * level from the smallest); dims: their widths and heights, interleaved. bufA/bufB may be null without 2-D
 * levels (bufB also with only one).
 */
JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_inverseComponent(JNIEnv *env, jclass cls, jint isa,
        jobjectArray bands, jintArray dims, jint nh, jint nv, jintArray img, jint stride, jintArray bufA,
        jintArray bufB, jint scaleOn, jint add, jint dz, jint max) {
    (void) cls;
    return component_call(env, isa, bands, dims, nh, nv, img, stride, bufA, bufB, scaleOn, add, dz, max, NULL, NULL);
}

/*
 * inverseRows(isa, bands, dims, nh, nv, img, stride, bufA, bufB, scaleOn, add, dz, max, int[] avail, int[] state)
 * -> the rows of the component's last stage made so far (img's rows when they reach the component's height), or
 * a negative ERR_*. As inverseComponent, as far as avail (rows decoded of each band, in the bands' order) goes;
 * nv <= 2; state: at least 16 + (4 nv + 1) (stride + 8) ints, its first 16 zero at the start of a frame.
 */
JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_inverseRows(JNIEnv *env, jclass cls, jint isa,
        jobjectArray bands, jintArray dims, jint nh, jint nv, jintArray img, jint stride, jintArray bufA,
        jintArray bufB, jint scaleOn, jint add, jint dz, jint max, jintArray avail, jintArray state) {
    (void) cls;
    if (state == NULL) {
        return ERR_ARGS;
    }
    return component_call(env, isa, bands, dims, nh, nv, img, stride, bufA, bufB, scaleOn, add, dz, max, avail,
            state);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Part 2: slice entropy decoding.
 *
 * The plan (an int[] the Java decoder builds per codestream, see JpegXsDecoder.nativePlan):
 *   [0] bandsAll [1] npx [2] npy [3] hsl [4] nPackets [5] precinct header bytes [6] Fq [7] Fs [8] Qpih [9] Rm
 *   [10] long packet headers [11] bandsExist
 *   then per band (PB ints): exists, bW, bH, bLines, wNorm, wLast, gain, priority, gwMax, ring (rows kept: the
 *   band's row r goes to row r % ring of its array, which holds ring rows; 0: all rows, r to row r)
 *   then per packet: line, first band, end band
 */
#define PH 12
#define PB 10
#define MAX_ALL 512

typedef struct {
    const uint8_t *buf;
    long blen;   /* readable bytes of buf: beyond them the reader sees zeros */
    long next;   /* next byte not yet in the cache */
    long end;    /* the sub-packet's end (for the overrun check) */
    uint64_t cache;
    int bits;
} rd_t;

ALWAYS void rd_seek(rd_t *r, long pos, long end) {
    r->next = pos;
    r->end = end;
    r->cache = 0;
    r->bits = 0;
}

/* at least 57 valid bits in the cache (bits < 57 on entry) */
ALWAYS void rd_refill(rd_t *r) {
    if (r->next >= 0 && r->next + 8 <= r->blen) {
        uint64_t v;
        memcpy(&v, r->buf + r->next, 8);
        r->cache |= __builtin_bswap64(v) >> r->bits;
        r->next += (63 - r->bits) >> 3;
        r->bits |= 56;
        return;
    }
    while (r->bits <= 56) {
        uint64_t x = r->next >= 0 && r->next < r->blen ? r->buf[r->next] : 0;
        r->next++;
        r->cache |= x << (56 - r->bits);
        r->bits += 8;
    }
}

/* n bits, 1 <= n <= 56 */
ALWAYS uint64_t rd_read(rd_t *r, int n) {
    if (r->bits < n) {
        rd_refill(r);
    }
    uint64_t v = r->cache >> (64 - n);
    r->cache <<= n;
    r->bits -= n;
    return v;
}

ALWAYS int rd_bit(rd_t *r) {
    if (r->bits < 1) {
        rd_refill(r);
    }
    int v = (int) (r->cache >> 63);
    r->cache <<= 1;
    r->bits--;
    return v;
}

/* the number of 1 bits before a 0 (at most 31), or -1 */
ALWAYS int rd_unary(rd_t *r) {
    if (r->bits < 32) {
        rd_refill(r);
    }
    uint64_t inv = ~r->cache;
    int n = inv == 0 ? 64 : __builtin_clzll(inv);
    if (n > 31) {
        return -1;
    }
    r->cache <<= n + 1;
    r->bits -= n + 1;
    return n;
}

ALWAYS long rd_consumed(const rd_t *r) {
    return r->next * 8 - r->bits;
}

ALWAYS long rd_bytepos(const rd_t *r) {
    return (rd_consumed(r) + 7) >> 3;
}

ALWAYS int rd_overrun(const rd_t *r) {
    return rd_consumed(r) > r->end * 8;
}

/* The bit-plane transpose of a group (as BitPlanes.toLanes): plane i (MSB plane read first) in bits 4i..4i+3 with
   coefficient j's bit at 4i + 3 - j, to coefficient j's magnitude in bits 16(3-j)..16(3-j)+15: the 6-bit bit index
   rotated by two places, four delta swaps. */
static uint64_t m1, m2, m3, m4;

static uint64_t delta_mask(int a, int b) {
    uint64_t m = 0;
    for (int p = 0; p < 64; p++) {
        if (((p >> a) & 1) == 1 && ((p >> b) & 1) == 0) {
            m |= 1ull << p;
        }
    }
    return m;
}

__attribute__((constructor)) static void find_masks(void) {
    m1 = delta_mask(0, 4);
    m2 = delta_mask(1, 5);
    m3 = delta_mask(0, 2);
    m4 = delta_mask(1, 3);
}

ALWAYS uint64_t to_lanes(uint64_t x, uint64_t k1, uint64_t k2, uint64_t k3, uint64_t k4) {
    uint64_t t = ((x >> 15) ^ x) & k1;
    x ^= t ^ (t << 15);
    t = ((x >> 30) ^ x) & k2;
    x ^= t ^ (t << 30);
    t = ((x >> 3) ^ x) & k3;
    x ^= t ^ (t << 3);
    t = ((x >> 6) ^ x) & k4;
    return x ^ t ^ (t << 6);
}

typedef struct {
    const int32_t *plan;
    int bandsAll, npx, npy, hsl, nPackets, phb, fq, fs, qpih, rm, longHdr;
    int32_t *coef[MAX_ALL];
    /* slice state */
    int32_t *gcli;        /* [state][band] at gcliOff[b] + state * gcliPerState */
    long gcliOff[MAX_ALL];
    long gcliPerState;
    int32_t *gtli;        /* [state * bandsAll + b] */
    int32_t *sig;         /* [b] at sigOff[b] */
    long sigOff[MAX_ALL];
    int mode[MAX_ALL];
    int leftover[MAX_ALL];
    int32_t *idx;         /* the groups with bit-planes of a band line (decode_band) */
    int32_t *nbs;         /* their data bits (the AVX2 variant) */
} slice_t;

#define BAND(b, f) (S->plan[PH + (b) * PB + (f)])
#define EXISTS(b) BAND(b, 0)
#define BW(b) BAND(b, 1)
#define BH(b) BAND(b, 2)
#define BLINES(b) BAND(b, 3)
#define WNORM(b) BAND(b, 4)
#define WLAST(b) BAND(b, 5)
#define GAIN(b) BAND(b, 6)
#define PRIO(b) BAND(b, 7)
#define GWMAX(b) BAND(b, 8)
#define RING(b) BAND(b, 9)
#define PKT(k, f) (S->plan[PH + S->bandsAll * PB + 3 * (k) + (f)])

ALWAYS int lines_in(const slice_t *S, int b, int py) {
    return py < S->npy - 1 ? BLINES(b) : BH(b) - (S->npy - 1) * BLINES(b);
}

/* the array row of band b's row r */
ALWAYS long row_of(const slice_t *S, int b, long r) {
    return RING(b) > 0 ? r % RING(b) : r;
}

ALWAYS int width_in(const slice_t *S, int b, int px) {
    return px < S->npx - 1 ? WNORM(b) : WLAST(b);
}

ALWAYS int32_t *gcli_of(slice_t *S, int state, int b) {
    return S->gcli + S->gcliOff[b] + state * S->gcliPerState;
}

/* BMI2 pdep, as inline assembly (see pext64 below) */
ALWAYS uint64_t pdep64(uint64_t x, uint64_t mask) {
    uint64_t r;
    __asm__("pdepq %2, %1, %0" : "=r"(r) : "r"(x), "r"(mask));
    return r;
}

/* The counts of an 8-group (n <= 8 groups) whose significance flag says none of them has planes: all gtl. */
ALWAYS void counts_flagged(int32_t *gc, int n, int gtl) {
    for (int k = 0; k < n; k++) {
        gc[k] = gtl;
    }
}

/*
 * Counts coded from zero, n codes (n <= 8) whose ends are all among the pc set bits of z (the reader's valid cache
 * bits inverted): the k-th end from the top by pdep of the (pc - 1 - k)-th set bit, each count the distance to the
 * end before; then the reader moved past the last. ERR_FALLBACK for a count above 15 (the bit reader's refusal).
 */
ALWAYS int counts_ends_pdep(rd_t *rd, int32_t *gc, int n, int gtl, uint64_t z, int pc) {
    int prev = -1, bad = 0;
    for (int k = 0; k < n; k++) {
        const int e = __builtin_clzll(pdep64(1ull << (pc - 1 - k), z));
        const int v = gtl + e - prev - 1;
        prev = e;
        gc[k] = v;
        bad |= v > 15;
    }
    if (bad) {
        return ERR_FALLBACK;
    }
    rd->cache = (rd->cache << prev) << 1;
    rd->bits -= prev + 1;
    return 0;
}

/* n counts coded from zero read one unary code after the other (codes not all in the cache). */
ALWAYS int counts_by_reader(rd_t *rd, int32_t *gc, int n, int gtl) {
    for (int k = 0; k < n; k++) {
        const int u = rd_unary(rd);
        if (u < 0 || gtl + u > 15) {
            return ERR_FALLBACK;
        }
        gc[k] = gtl + u;
    }
    return 0;
}

/*
 * The AVX2 variant's counts coded from zero (round 17): an 8-group's 8 unary codes at once when the reader's cache
 * holds them all. The codes' ends are the zero bits of the cache: with z its valid bits inverted, the k-th end from
 * the top is the (pc - k)-th set bit of z from the bottom, found by pdep of one bit (pc = popcount(z)), so the eight
 * positions are independent of each other instead of a chain of eight reads. A code of 32 ones or more, or a count
 * above 15, is refused as the bit reader's loop refuses it; an 8-group whose codes are not all in the cache goes
 * through that loop.
 */
__attribute__((target("avx2,bmi2"))) static inline int counts_zero_avx2(rd_t *rd, int32_t *gc, int gw, int gtl,
        int sigOn, const int32_t *sg) {
    for (int i = 0; i < gw; i += 8) {
        const int n = gw - i < 8 ? gw - i : 8;
        if (sigOn && sg[i >> 3] != 0) {
            counts_flagged(gc + i, n, gtl);
            continue;
        }
        if (rd->bits < 56) {
            rd_refill(rd);
        }
        const uint64_t z = ~rd->cache & (~0ull << (64 - rd->bits));
        const int pc = __builtin_popcountll(z);
        if (pc >= n) {
            /* a whole 8-group with a constant count, so that its eight pdeps unroll side by side */
            if ((n == 8 ? counts_ends_pdep(rd, gc + i, 8, gtl, z, pc) : counts_ends_pdep(rd, gc + i, n, gtl, z, pc)) != 0) {
                return ERR_FALLBACK;
            }
            continue;
        }
        if (counts_by_reader(rd, gc + i, n, gtl) != 0) {
            return ERR_FALLBACK;
        }
    }
    return 0;
}

/*
 * The AVX-512 variant's counts coded from zero: counts_zero_avx2, but an 8-group's eight code ends from one
 * compress (VBMI2's vpcompressb of the bit indices 0..63 under the inverted cache: the set bits' indices in order,
 * the top eight picked and turned to positions from the top by one byte permute) and their differences in one
 * register; only the last end, which moves the reader, by pdep as before (it is the one on the reader's chain).
 */
__attribute__((target("avx2,bmi2,avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2"))) static inline int
counts_zero_avx512(rd_t *rd, int32_t *gc, int gw, int gtl, int sigOn, const int32_t *sg) {
    const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48,
            47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24,
            23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m128i first = _mm_setr_epi8(-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m128i top = _mm_set1_epi8(63), fifteen = _mm_set1_epi8(15);
    for (int i = 0; i < gw; i += 8) {
        const int n = gw - i < 8 ? gw - i : 8;
        if (sigOn && sg[i >> 3] != 0) {
            counts_flagged(gc + i, n, gtl);
            continue;
        }
        if (rd->bits < 56) {
            rd_refill(rd);
        }
        const uint64_t z = ~rd->cache & (~0ull << (64 - rd->bits));
        const int pc = __builtin_popcountll(z);
        if (pc >= 8 && n == 8) {
            const int last = __builtin_clzll(pdep64(1ull << (pc - 8), z));
            /* byte k: the index of the (pc - 1 - k)-th set bit from the bottom, i.e. the k-th end from the top */
            const __m512i idx = _mm512_maskz_compress_epi8((__mmask64) z, iota);
            const __m128i sel = _mm_sub_epi8(_mm_set1_epi8((char) (pc - 1)), _mm512_castsi512_si128(iota));
            const __m128i pos = _mm_sub_epi8(top, _mm512_castsi512_si128(
                    _mm512_permutexvar_epi8(_mm512_castsi128_si512(sel), idx)));
            const __m128i prev = _mm_or_si128(_mm_slli_si128(pos, 1), first);
            const __m128i v = _mm_add_epi8(_mm_sub_epi8(_mm_sub_epi8(pos, prev), _mm_set1_epi8(1)),
                    _mm_set1_epi8((char) gtl));
            _mm256_storeu_si256((__m256i *) (gc + i), _mm256_cvtepu8_epi32(v));
            if ((_mm_cmpgt_epi8_mask(v, fifteen) & 0xFF) != 0) {
                return ERR_FALLBACK;
            }
            rd->cache = (rd->cache << last) << 1;
            rd->bits -= last + 1;
            continue;
        }
        if (pc >= n) {
            if (counts_ends_pdep(rd, gc + i, n, gtl, z, pc) != 0) {
                return ERR_FALLBACK;
            }
            continue;
        }
        if (counts_by_reader(rd, gc + i, n, gtl) != 0) {
            return ERR_FALLBACK;
        }
    }
    return 0;
}

ALWAYS int decode_counts(slice_t *S, rd_t *rd, int b, int line, int px, int cur, int top, const int bmi2) {
    const int gw = (width_in(S, b, px) + 3) >> 2;
    const int stride = GWMAX(b);
    int32_t *gc = gcli_of(S, cur, b) + (long) line * stride;
    const int gtl = S->gtli[cur * S->bandsAll + b];
    const int m = S->mode[b];
    const int sigOn = (m & 2) != 0;
    const int32_t *sg = S->sig + S->sigOff[b];
    if ((m & 1) == 0 && bmi2 == 2) {
        return counts_zero_avx512(rd, gc, gw, gtl, sigOn, sg);
    }
    if ((m & 1) == 0 && bmi2) {
        return counts_zero_avx2(rd, gc, gw, gtl, sigOn, sg);
    }
    if ((m & 1) == 0) {
        for (int i = 0; i < gw; i++) {
            if (sigOn && sg[i >> 3] != 0) {
                int e = (i | 7) + 1 < gw ? (i | 7) + 1 : gw;
                for (; i < e; i++) {
                    gc[i] = gtl;
                }
                i--;
                continue;
            }
            int u = rd_unary(rd);
            if (u < 0 || gtl + u > 15) {
                return ERR_FALLBACK;
            }
            gc[i] = gtl + u;
        }
        return 0;
    }
    const int32_t *tg;
    int gtlTop;
    if (line == 0) {
        tg = gcli_of(S, top, b) + (long) (BLINES(b) - 1) * stride;
        gtlTop = S->gtli[top * S->bandsAll + b];
    } else {
        tg = gc - stride;
        gtlTop = gtl;
    }
    const int t = gtlTop > gtl ? gtlTop : gtl;
    for (int i = 0; i < gw; i++) {
        int mTop = tg[i] > t ? tg[i] : t;
        if (sigOn && sg[i >> 3] != 0) {
            gc[i] = S->rm != 0 ? gtl : mTop;
            continue;
        }
        int x = rd_unary(rd);
        if (x < 0) {
            return ERR_FALLBACK;
        }
        int thr = mTop - gtl > 0 ? mTop - gtl : 0;
        int delta;
        if (x > 2 * thr) {
            delta = x - thr;
        } else if (x > 0) {
            delta = (x & 1) != 0 ? -((x + 1) >> 1) : x >> 1;
        } else {
            delta = 0;
        }
        int v = mTop + delta;
        if (v > 15) {
            return ERR_FALLBACK;
        }
        gc[i] = v;
    }
    return 0;
}

/* the data sub-packet's part of band b, line `line` (deadzone quantization only) */
/* BMI2 pext, as inline assembly so that only the AVX2 variant (which the run-time check guards) reaches it */
ALWAYS uint64_t pext64(uint64_t x, uint64_t mask) {
    uint64_t r;
    __asm__("pextq %2, %1, %0" : "=r"(r) : "r"(x), "r"(mask));
    return r;
}

/* The four magnitudes of a group from its ps plane bits (bits above them ignored): with BMI2 (the AVX2 variant) one pext each, else the
   delta swaps. */
ALWAYS void magnitudes(uint64_t xm, int ps, const int bmi2, uint32_t *a0, uint32_t *a1, uint32_t *a2, uint32_t *a3) {
    if (bmi2) {
        const uint64_t low = ~(~0ull << ps);
        *a0 = (uint32_t) pext64(xm, 0x8888888888888888ull & low);
        *a1 = (uint32_t) pext64(xm, 0x4444444444444444ull & low);
        *a2 = (uint32_t) pext64(xm, 0x2222222222222222ull & low);
        *a3 = (uint32_t) pext64(xm, 0x1111111111111111ull & low);
    } else {
        const uint64_t lanes = to_lanes(xm & ~(~0ull << ps), m1, m2, m3, m4);
        *a0 = (uint32_t) (lanes >> 48);
        *a1 = (uint32_t) (lanes >> 32) & 0xFFFF;
        *a2 = (uint32_t) (lanes >> 16) & 0xFFFF;
        *a3 = (uint32_t) lanes & 0xFFFF;
    }
}

/* deadzone reconstruction of magnitude a with sign bit s */
ALWAYS int32_t dequant(uint32_t a, uint32_t s, int gtl, uint32_t half, uint32_t shift) {
    uint32_t v = (((a << gtl) | half) << shift) & (0u - (a != 0));
    return (int32_t) ((v ^ (0u - s)) + s);
}

/* ---- The AVX2 variant's band lines (round 17): no serial bit reader over the whole groups ----
 * The data bits of every group with bit-planes are known from the counts before any is read (4 per plane, plus 4
 * signs when the signs are in the data), so their offsets are prefix sums: four groups are extracted side by side
 * from four independent 64-bit loads, turned from planes into magnitudes by the bit transpose in 64-bit lanes
 * (the signs put in as plane 15, so bit 15 of each magnitude), dequantised eight at a time in 32-bit lanes. The
 * reader's chain (refill, shift, length) is gone from the loop; only the running offset remains. Taken only when
 * every load stays inside the buffer and no group has more than 56 bits; else the bit reader's loop. */

/* for each 8-bit mask, the positions of its set bits (the AVX2 group list) */
static uint8_t compress8[256][8];

__attribute__((constructor)) static void find_compress8(void) {
    for (int m = 0; m < 256; m++) {
        int n = 0;
        for (int j = 0; j < 8; j++) {
            if ((m >> j) & 1) {
                compress8[m][n++] = (uint8_t) j;
            }
        }
        for (; n < 8; n++) {
            compress8[m][n] = 0;
        }
    }
}

/* The whole groups with bit-planes (as decode_data's list) and their data bits, 8 groups a step; the largest
   group's bits and the line's total. idx and nbs have room for 8 entries past `full`. */
__attribute__((target("avx2,bmi2"))) static inline int list_groups_avx2(const int32_t *gc, int full, int gtl,
        int signBits, int32_t *idx, int32_t *nbs, int *maxNb, long *total) {
    const __m256i gtlv = _mm256_set1_epi32(gtl), sb = _mm256_set1_epi32(signBits), zero = _mm256_setzero_si256();
    const __m256i step = _mm256_set1_epi32(8);
    __m256i gi = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i mx = zero, sum = zero;
    int n = 0, g = 0;
    for (; g + 8 <= full; g += 8) {
        const __m256i p = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *) (gc + g)), gtlv);
        const __m256i nz = _mm256_cmpgt_epi32(p, zero);
        const int m = _mm256_movemask_ps(_mm256_castsi256_ps(nz));
        const __m256i nb = _mm256_and_si256(_mm256_add_epi32(_mm256_slli_epi32(p, 2), sb), nz);
        mx = _mm256_max_epi32(mx, nb);
        sum = _mm256_add_epi32(sum, nb);
        const __m256i perm = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *) compress8[m]));
        _mm256_storeu_si256((__m256i *) (idx + n), _mm256_permutevar8x32_epi32(gi, perm));
        _mm256_storeu_si256((__m256i *) (nbs + n), _mm256_permutevar8x32_epi32(nb, perm));
        n += __builtin_popcount((unsigned) m);
        gi = _mm256_add_epi32(gi, step);
    }
    int32_t lm[8], ls[8];
    _mm256_storeu_si256((__m256i *) lm, mx);
    _mm256_storeu_si256((__m256i *) ls, sum);
    int mxs = 0;
    long tot = 0;
    for (int j = 0; j < 8; j++) {
        mxs = lm[j] > mxs ? lm[j] : mxs;
        tot += ls[j];
    }
    for (; g < full; g++) {
        const int p = gc[g] - gtl;
        const int nb = p > 0 ? 4 * p + signBits : 0;
        idx[n] = g;
        nbs[n] = nb;
        n += p > 0;
        mxs = nb > mxs ? nb : mxs;
        tot += nb;
    }
    *maxNb = mxs;
    *total = tot;
    return n;
}

/* 32-bit lanes holding a magnitude (bits 0-14) with its sign in bit 15 (zero-extended), to coefficients */
__attribute__((target("avx2"))) static inline __m256i dequant8_avx2(__m256i w, __m128i gtlc, __m256i halfv,
        __m128i shc) {
    const __m256i m = _mm256_and_si256(w, _mm256_set1_epi32(0x7FFF));
    const __m256i s = _mm256_srai_epi32(_mm256_slli_epi32(w, 16), 31);
    __m256i v = _mm256_sll_epi32(_mm256_or_si256(_mm256_sll_epi32(m, gtlc), halfv), shc);
    v = _mm256_andnot_si256(_mm256_cmpeq_epi32(m, _mm256_setzero_si256()), v);
    return _mm256_sub_epi32(_mm256_xor_si256(v, s), s);
}

__attribute__((target("avx2"))) static inline __m256i dswap_avx2(__m256i x, __m256i k, int d) {
    const __m256i t = _mm256_and_si256(_mm256_xor_si256(_mm256_srli_epi64(x, d), x), k);
    return _mm256_xor_si256(x, _mm256_xor_si256(t, _mm256_slli_epi64(t, d)));
}

/*
 * The listed groups' data from bit `pos` of buf (every 8-byte load at or below byte (pos + the line's bits) / 8
 * inside the buffer: checked by the caller), into dst (zeroed); the bit position after them.
 */
__attribute__((target("avx2,bmi2"))) static inline long data_groups_avx2(const uint8_t *buf, long pos,
        const int32_t *idx, const int32_t *nbs, int n, int gtl, int32_t *dst, uint32_t shift, uint32_t half,
        int signBits) {
    const __m256i bswap = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,
            7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
    /* 16-bit words reversed in each 64-bit lane: coefficient 0 (bits 48-63) first */
    const __m256i wrev = _mm256_setr_epi8(6, 7, 4, 5, 2, 3, 0, 1, 14, 15, 12, 13, 10, 11, 8, 9,
            6, 7, 4, 5, 2, 3, 0, 1, 14, 15, 12, 13, 10, 11, 8, 9);
    const __m256i k1 = _mm256_set1_epi64x((long long) m1), k2 = _mm256_set1_epi64x((long long) m2);
    const __m256i k3 = _mm256_set1_epi64x((long long) m3), k4 = _mm256_set1_epi64x((long long) m4);
    const __m256i c64 = _mm256_set1_epi64x(64), c7 = _mm256_set1_epi64x(7), ones = _mm256_set1_epi64x(-1);
    const __m256i sbv = _mm256_set1_epi64x(signBits), zero = _mm256_setzero_si256();
    const __m128i gtlc = _mm_cvtsi32_si128(gtl), shc = _mm_cvtsi32_si128((int) shift);
    const __m256i halfv = _mm256_set1_epi32((int) half);
    __m256i posv = _mm256_set1_epi64x(pos);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256i nb = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *) (nbs + i)));
        /* inclusive prefix sum of the four lengths */
        __m256i inc = _mm256_add_epi64(nb, _mm256_slli_si256(nb, 8));
        inc = _mm256_add_epi64(inc, _mm256_blend_epi32(_mm256_permute4x64_epi64(inc, 0x55), zero, 0x0F));
        const __m256i o = _mm256_add_epi64(posv, _mm256_sub_epi64(inc, nb));
        posv = _mm256_add_epi64(posv, _mm256_permute4x64_epi64(inc, 0xFF));
        __m256i v = _mm256_i64gather_epi64((const long long *) buf, _mm256_srli_epi64(o, 3), 1);
        v = _mm256_sllv_epi64(_mm256_shuffle_epi8(v, bswap), _mm256_and_si256(o, c7));
        const __m256i x = _mm256_srlv_epi64(v, _mm256_sub_epi64(c64, nb));
        /* the planes (low ps bits) with the four signs (above them, or none) moved to bits 60-63 */
        const __m256i ps = _mm256_sub_epi64(nb, sbv);
        __m256i y = _mm256_and_si256(x, _mm256_srlv_epi64(ones, _mm256_sub_epi64(c64, ps)));
        y = _mm256_or_si256(y, _mm256_slli_epi64(_mm256_srlv_epi64(x, ps), 60));
        y = dswap_avx2(y, k1, 15);
        y = dswap_avx2(y, k2, 30);
        y = dswap_avx2(y, k3, 3);
        y = dswap_avx2(y, k4, 6);
        y = _mm256_shuffle_epi8(y, wrev);
        const __m256i lo = dequant8_avx2(_mm256_unpacklo_epi16(y, zero), gtlc, halfv, shc); /* groups 0, 2 */
        const __m256i hi = dequant8_avx2(_mm256_unpackhi_epi16(y, zero), gtlc, halfv, shc); /* groups 1, 3 */
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i]), _mm256_castsi256_si128(lo));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 1]), _mm256_castsi256_si128(hi));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 2]), _mm256_extracti128_si256(lo, 1));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 3]), _mm256_extracti128_si256(hi, 1));
    }
    pos = _mm256_extract_epi64(posv, 0);
    for (; i < n; i++) {
        const int nb = nbs[i], ps = nb - signBits;
        uint64_t v;
        memcpy(&v, buf + (pos >> 3), 8);
        const uint64_t x = (__builtin_bswap64(v) << (pos & 7)) >> (64 - nb);
        pos += nb;
        const uint32_t sgn = (uint32_t) (x >> ps);
        uint32_t a0, a1, a2, a3;
        magnitudes(x, ps, 1, &a0, &a1, &a2, &a3);
        int32_t *d = dst + 4 * idx[i];
        d[0] = dequant(a0, (sgn >> 3) & 1, gtl, half, shift);
        d[1] = dequant(a1, (sgn >> 2) & 1, gtl, half, shift);
        d[2] = dequant(a2, (sgn >> 1) & 1, gtl, half, shift);
        d[3] = dequant(a3, sgn & 1, gtl, half, shift);
    }
    return pos;
}

#define DEC_AVX512 "avx2,bmi2,avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi,avx512vbmi2"

__attribute__((target(DEC_AVX512))) static inline __m512i dswap_avx512(__m512i x, __m512i k, int d) {
    const __m512i t = _mm512_ternarylogic_epi64(_mm512_srli_epi64(x, d), x, k, 0x28); /* (a ^ b) & c */
    return _mm512_ternarylogic_epi64(x, t, _mm512_slli_epi64(t, d), 0x96);           /* a ^ b ^ c */
}

__attribute__((target(DEC_AVX512))) static inline __m512i dequant16_avx512(__m512i w, __m128i gtlc, __m512i halfv,
        __m128i shc) {
    const __m512i m = _mm512_and_si512(w, _mm512_set1_epi32(0x7FFF));
    const __m512i s = _mm512_srai_epi32(_mm512_slli_epi32(w, 16), 31);
    __m512i v = _mm512_sll_epi32(_mm512_or_si512(_mm512_sll_epi32(m, gtlc), halfv), shc);
    v = _mm512_maskz_mov_epi32(_mm512_test_epi32_mask(m, m), v);
    return _mm512_sub_epi32(_mm512_xor_si512(v, s), s);
}

/*
 * data_groups_avx2 eight listed groups at a time (the same loads at the same offsets, so the caller's bound holds):
 * the prefix sum of eight lengths in three steps, one eight-lane gather, the delta swaps with ternary logic, sixteen
 * dequantisations a register; the last < 8 groups by data_groups_avx2 from where this stopped.
 */
__attribute__((target(DEC_AVX512))) static inline long data_groups_avx512(const uint8_t *buf, long pos,
        const int32_t *idx, const int32_t *nbs, int n, int gtl, int32_t *dst, uint32_t shift, uint32_t half,
        int signBits) {
    const __m512i bswap = _mm512_broadcast_i32x4(_mm_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8));
    const __m512i wrev = _mm512_broadcast_i32x4(_mm_setr_epi8(6, 7, 4, 5, 2, 3, 0, 1, 14, 15, 12, 13, 10, 11, 8, 9));
    const __m512i k1 = _mm512_set1_epi64((long long) m1), k2 = _mm512_set1_epi64((long long) m2);
    const __m512i k3 = _mm512_set1_epi64((long long) m3), k4 = _mm512_set1_epi64((long long) m4);
    const __m512i c64 = _mm512_set1_epi64(64), c7 = _mm512_set1_epi64(7), ones = _mm512_set1_epi64(-1);
    const __m512i sbv = _mm512_set1_epi64(signBits), zero = _mm512_setzero_si512(), last = _mm512_set1_epi64(7);
    const __m128i gtlc = _mm_cvtsi32_si128(gtl), shc = _mm_cvtsi32_si128((int) shift);
    const __m512i halfv = _mm512_set1_epi32((int) half);
    __m512i posv = _mm512_set1_epi64(pos);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m512i nb = _mm512_cvtepu32_epi64(_mm256_loadu_si256((const __m256i *) (nbs + i)));
        /* inclusive prefix sum of the eight lengths (alignr with zeros: lanes moved up by 1, 2, 4) */
        __m512i inc = _mm512_add_epi64(nb, _mm512_alignr_epi64(nb, zero, 7));
        inc = _mm512_add_epi64(inc, _mm512_alignr_epi64(inc, zero, 6));
        inc = _mm512_add_epi64(inc, _mm512_alignr_epi64(inc, zero, 4));
        const __m512i o = _mm512_add_epi64(posv, _mm512_sub_epi64(inc, nb));
        posv = _mm512_add_epi64(posv, _mm512_permutexvar_epi64(last, inc));
        __m512i v = _mm512_i64gather_epi64(_mm512_srli_epi64(o, 3), (const void *) buf, 1);
        v = _mm512_sllv_epi64(_mm512_shuffle_epi8(v, bswap), _mm512_and_si512(o, c7));
        const __m512i x = _mm512_srlv_epi64(v, _mm512_sub_epi64(c64, nb));
        const __m512i ps = _mm512_sub_epi64(nb, sbv);
        __m512i y = _mm512_and_si512(x, _mm512_srlv_epi64(ones, _mm512_sub_epi64(c64, ps)));
        y = _mm512_or_si512(y, _mm512_slli_epi64(_mm512_srlv_epi64(x, ps), 60));
        y = dswap_avx512(y, k1, 15);
        y = dswap_avx512(y, k2, 30);
        y = dswap_avx512(y, k3, 3);
        y = dswap_avx512(y, k4, 6);
        y = _mm512_shuffle_epi8(y, wrev);
        const __m512i lo = dequant16_avx512(_mm512_unpacklo_epi16(y, zero), gtlc, halfv, shc); /* groups 0 2 4 6 */
        const __m512i hi = dequant16_avx512(_mm512_unpackhi_epi16(y, zero), gtlc, halfv, shc); /* groups 1 3 5 7 */
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i]), _mm512_castsi512_si128(lo));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 1]), _mm512_castsi512_si128(hi));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 2]), _mm512_extracti32x4_epi32(lo, 1));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 3]), _mm512_extracti32x4_epi32(hi, 1));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 4]), _mm512_extracti32x4_epi32(lo, 2));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 5]), _mm512_extracti32x4_epi32(hi, 2));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 6]), _mm512_extracti32x4_epi32(lo, 3));
        _mm_storeu_si128((__m128i *) (dst + 4 * idx[i + 7]), _mm512_extracti32x4_epi32(hi, 3));
    }
    pos = _mm_cvtsi128_si64(_mm512_castsi512_si128(posv));
    return data_groups_avx2(buf, pos, idx + i, nbs + i, n - i, gtl, dst, shift, half, signBits);
}

/* the reader at bit `pos` (as if read up to there) */
ALWAYS void rd_setpos(rd_t *r, long pos) {
    r->next = pos >> 3;
    r->cache = 0;
    r->bits = 0;
    const int k = (int) (pos & 7);
    if (k != 0) {
        rd_refill(r);
        r->cache <<= k;
        r->bits -= k;
    }
}

/* the data sub-packet's part of band b, line `line` (deadzone quantization only) */
ALWAYS void decode_data(slice_t *S, rd_t *rd, int b, int line, int py, int px, int cur, const int bmi2) {
    const int w = width_in(S, b, px);
    const int gw = (w + 3) >> 2;
    const int full = w >> 2;
    const int32_t *gc = gcli_of(S, cur, b) + (long) line * GWMAX(b);
    const int gtl = S->gtli[cur * S->bandsAll + b];
    int32_t *dst = S->coef[b] + row_of(S, b, (long) py * BLINES(b) + line) * BW(b) + (long) px * WNORM(b);
    const uint32_t shift = (uint32_t) S->fq & 31;
    const uint32_t half = gtl > 0 ? 1u << (gtl - 1) : 0;
    const int signBits = S->fs == 0 ? 4 : 0;
    /* whole groups, the reader's state in locals */
    uint64_t cache = rd->cache;
    int bits = rd->bits;
    long next = rd->next;
    const uint8_t *buf = rd->buf;
    const long safe = rd->blen - 8;
    /* the whole groups with bit-planes listed without a branch, the line zeroed at once, then the data of those
       groups only: zero groups come in runs of any length, and a branch on each was mispredicted often */
    int32_t *idx = S->idx;
    int nnz = 0;
    if (bmi2) {
        int maxNb;
        long total;
        nnz = list_groups_avx2(gc, full, gtl, signBits, idx, S->nbs, &maxNb, &total);
        memset(dst, 0, (size_t) full * 16);
        const long pos = next * 8 - bits;
        if (maxNb <= 56 && pos >= 0 && ((pos + total) >> 3) + 8 <= rd->blen) {
            rd_setpos(rd, bmi2 == 2 ? data_groups_avx512(buf, pos, idx, S->nbs, nnz, gtl, dst, shift, half, signBits)
                    : data_groups_avx2(buf, pos, idx, S->nbs, nnz, gtl, dst, shift, half, signBits));
            cache = rd->cache;
            bits = rd->bits;
            next = rd->next;
            nnz = 0; /* done: the partial group below */
        }
    } else {
        for (int g = 0; g < full; g++) {
            idx[nnz] = g;
            nnz += gc[g] > gtl;
        }
        memset(dst, 0, (size_t) full * 16);
    }
    for (int i = 0; i < nnz; i++) {
        const int g = idx[i];
        int32_t *restrict d = dst + 4 * g;
        const int ps = 4 * (gc[g] - gtl);
        const int nb = ps + signBits;
        uint64_t x;
        if (nb <= 56 && (bits >= nb || (next >= 0 && next <= safe))) {
            if (bits < nb) {
                uint64_t v;
                memcpy(&v, buf + next, 8);
                cache |= __builtin_bswap64(v) >> bits;
                next += (63 - bits) >> 3;
                bits |= 56;
            }
            x = (cache >> 1) >> (63 - nb);
            cache <<= nb;
            bits -= nb;
        } else { /* near the end of the array, or 14+ planes */
            rd->cache = cache;
            rd->bits = bits;
            rd->next = next;
            if (nb <= 56) {
                x = rd_read(rd, nb);
            } else {
                uint64_t hi = rd_read(rd, nb - 32);
                x = (hi << 32) | rd_read(rd, 32);
            }
            cache = rd->cache;
            bits = rd->bits;
            next = rd->next;
        }
        const uint32_t sgn = (uint32_t) (x >> ps);
        uint32_t a0, a1, a2, a3;
        magnitudes(x, ps, bmi2, &a0, &a1, &a2, &a3);
        d[0] = dequant(a0, (sgn >> 3) & 1, gtl, half, shift);
        d[1] = dequant(a1, (sgn >> 2) & 1, gtl, half, shift);
        d[2] = dequant(a2, (sgn >> 1) & 1, gtl, half, shift);
        d[3] = dequant(a3, sgn & 1, gtl, half, shift);
    }
    rd->cache = cache;
    rd->bits = bits;
    rd->next = next;
    /* the last partial group */
    int left = 0;
    dst += 4 * full;
    for (int g = full; g < gw; g++, dst += 4) {
        const int n = w - 4 * g < 4 ? w - 4 * g : 4;
        const int planes = gc[g] - gtl;
        if (planes <= 0) {
            for (int j = 0; j < n; j++) {
                dst[j] = 0;
            }
            continue;
        }
        const int ps = 4 * planes;
        const int nb = ps + signBits;
        uint64_t x;
        if (nb <= 56) {
            x = rd_read(rd, nb);
        } else {
            uint64_t hi = rd_read(rd, nb - 32);
            x = (hi << 32) | rd_read(rd, 32);
        }
        const uint32_t sgn = (uint32_t) (x >> ps);
        uint32_t a[4];
        magnitudes(x, ps, bmi2, &a[0], &a[1], &a[2], &a[3]);
        for (int j = 0; j < 4; j++) {
            if (j < n) {
                dst[j] = dequant(a[j], (sgn >> (3 - j)) & 1, gtl, half, shift);
            } else if (a[j] != 0) {
                left++;
            }
        }
    }
    S->leftover[b] = left;
}

ALWAYS void decode_signs(slice_t *S, rd_t *rd, int b, int line, int py, int px) {
    const int w = width_in(S, b, px);
    int32_t *dst = S->coef[b] + row_of(S, b, (long) py * BLINES(b) + line) * BW(b) + (long) px * WNORM(b);
    for (int i = 0; i < w; i++) {
        int32_t v = dst[i];
        if (v != 0 && rd_bit(rd) != 0) {
            dst[i] = -v;
        }
    }
    if (S->leftover[b] != 0 && (w & 3) != 0) {
        int n = S->leftover[b];
        while (n > 32) {
            rd_read(rd, 32);
            n -= 32;
        }
        if (n > 0) {
            rd_read(rd, n);
        }
    }
}

ALWAYS int check_sub(const rd_t *rd, long subStart, long len) {
    return rd_overrun(rd) || rd_bytepos(rd) - subStart > len;
}

/* one precinct from p; the end of its data, or ERR_FALLBACK */
ALWAYS long precinct(slice_t *S, const uint8_t *buf, long blen, long p, long end, int py, int px, int cur,
        int top, const int bmi2) {
    if (end - p < S->phb) {
        return ERR_FALLBACK;
    }
    const long lprc = ((long) buf[p] << 16) | ((long) buf[p + 1] << 8) | buf[p + 2];
    const int q = buf[p + 3], r = buf[p + 4];
    const long dpos = p + 5;
    int bitIdx = 0;
    int32_t *gt = S->gtli + cur * S->bandsAll;
    for (int b = 0; b < S->bandsAll; b++) {
        if (!EXISTS(b)) {
            continue;
        }
        int v = (buf[dpos + (bitIdx >> 3)] >> (6 - (bitIdx & 7))) & 3;
        bitIdx += 2;
        if (top < 0 && (v & 1) != 0) {
            return ERR_FALLBACK;
        }
        S->mode[b] = v;
        int pump = PRIO(b) < r ? 1 : 0;
        int t = q - GAIN(b) - pump;
        gt[b] = t < 0 ? 0 : t > 15 ? 15 : t;
    }
    p += S->phb;
    const long dataEnd = p + lprc;
    if (dataEnd > end) {
        return ERR_FALLBACK;
    }
    const int hdrBytes = S->longHdr ? 7 : 5;
    rd_t rd;
    rd.buf = buf;
    rd.blen = blen;
    for (int k = 0; k < S->nPackets; k++) {
        const int line = PKT(k, 0), b0 = PKT(k, 1), b1 = PKT(k, 2);
        int any = 0;
        for (int b = b0; b < b1; b++) {
            if (line < lines_in(S, b, py)) {
                any = 1;
                break;
            }
        }
        if (!any) {
            continue;
        }
        if (dataEnd - p < hdrBytes) {
            return ERR_FALLBACK;
        }
        const int raw = buf[p] >> 7;
        long dataLen, gcliLen, signLen;
        if (S->longHdr) {
            dataLen = ((long) (buf[p] & 0x7F) << 13) | ((long) buf[p + 1] << 5) | (buf[p + 2] >> 3);
            gcliLen = ((long) (buf[p + 2] & 0x07) << 17) | ((long) buf[p + 3] << 9) | ((long) buf[p + 4] << 1)
                    | (buf[p + 5] >> 7);
            signLen = ((long) (buf[p + 5] & 0x7F) << 8) | buf[p + 6];
        } else {
            dataLen = ((long) (buf[p] & 0x7F) << 8) | buf[p + 1];
            gcliLen = ((long) buf[p + 2] << 5) | (buf[p + 3] >> 3);
            signLen = ((long) (buf[p + 3] & 0x07) << 8) | buf[p + 4];
        }
        p += hdrBytes;
        if (dataLen + gcliLen + signLen > dataEnd - p) {
            return ERR_FALLBACK;
        }
        if (raw != 0) { /* bit-plane counts as 4-bit values */
            rd_seek(&rd, p, p + gcliLen);
            for (int b = b0; b < b1; b++) {
                if (line < lines_in(S, b, py)) {
                    int gw = (width_in(S, b, px) + 3) >> 2;
                    int32_t *gc = gcli_of(S, cur, b) + (long) line * GWMAX(b);
                    for (int i = 0; i < gw; i++) {
                        gc[i] = (int32_t) rd_read(&rd, 4);
                    }
                }
            }
        } else {
            rd_seek(&rd, p, dataEnd);
            for (int b = b0; b < b1; b++) {
                if ((S->mode[b] & 2) != 0 && line < lines_in(S, b, py)) {
                    int gw = (width_in(S, b, px) + 3) >> 2;
                    int sw = (gw + 7) >> 3;
                    int32_t *sg = S->sig + S->sigOff[b];
                    for (int i = 0; i < sw; i++) {
                        sg[i] = rd_bit(&rd);
                    }
                }
            }
            if (rd_overrun(&rd)) {
                return ERR_FALLBACK;
            }
            p = rd_bytepos(&rd);
            if (gcliLen + dataLen + signLen > dataEnd - p) {
                return ERR_FALLBACK;
            }
            rd_seek(&rd, p, p + gcliLen);
            for (int b = b0; b < b1; b++) {
                if (line < lines_in(S, b, py) && decode_counts(S, &rd, b, line, px, cur, top, bmi2) != 0) {
                    return ERR_FALLBACK;
                }
            }
        }
        if (check_sub(&rd, p, gcliLen)) {
            return ERR_FALLBACK;
        }
        p += gcliLen;
        rd_seek(&rd, p, p + dataLen);
        for (int b = b0; b < b1; b++) {
            if (line < lines_in(S, b, py)) {
                decode_data(S, &rd, b, line, py, px, cur, bmi2);
            }
        }
        if (check_sub(&rd, p, dataLen)) {
            return ERR_FALLBACK;
        }
        p += dataLen;
        if (S->fs != 0) {
            rd_seek(&rd, p, p + signLen);
            for (int b = b0; b < b1; b++) {
                if (line < lines_in(S, b, py)) {
                    decode_signs(S, &rd, b, line, py, px);
                }
            }
            if (check_sub(&rd, p, signLen)) {
                return ERR_FALLBACK;
            }
            p += signLen;
        }
    }
    if (p > dataEnd) {
        return ERR_FALLBACK;
    }
    return dataEnd;
}

ALWAYS int slice(slice_t *S, const uint8_t *buf, long blen, long p, long end, int s, const int bmi2) {
    const int rows = S->hsl < S->npy - s * S->hsl ? S->hsl : S->npy - s * S->hsl;
    int topOf[S->npx];
    for (int c = 0; c < S->npx; c++) {
        topOf[c] = -1;
    }
    int spare = S->npx;
    for (int r = 0; r < rows; r++) {
        int py = s * S->hsl + r;
        for (int px = 0; px < S->npx; px++) {
            int top = topOf[px];
            int cur = top < 0 ? px : spare;
            long q = precinct(S, buf, blen, p, end, py, px, cur, top, bmi2);
            if (q < 0) {
                return ERR_FALLBACK;
            }
            p = q;
            if (top >= 0) {
                spare = top;
            }
            topOf[px] = cur;
        }
    }
    return 0;
}

static int slice_scalar(slice_t *S, const uint8_t *buf, long blen, long p, long end, int s) {
    return slice(S, buf, blen, p, end, s, 0);
}

__attribute__((target("sse4.1"))) static int slice_sse41(slice_t *S, const uint8_t *buf, long blen, long p, long end,
        int s) {
    return slice(S, buf, blen, p, end, s, 0);
}

__attribute__((target("avx2,bmi2"))) static int slice_avx2(slice_t *S, const uint8_t *buf, long blen, long p,
        long end, int s) {
    return slice(S, buf, blen, p, end, s, 1);
}

/* the AVX2 code but for the counts coded from zero (counts_zero_avx512) and the listed groups' data */
__attribute__((target("avx2,bmi2,avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2"))) static int slice_avx512(
        slice_t *S, const uint8_t *buf, long blen, long p, long end, int s) {
    return slice(S, buf, blen, p, end, s, 2);
}

/* The plan against itself and the band arrays' lengths; the slice state's sizes. */
static int check_plan(slice_t *S, const int32_t *plan, long planLen, const long *clen, int s) {
    if (planLen < PH) {
        return ERR_ARGS;
    }
    S->plan = plan;
    S->bandsAll = plan[0];
    S->npx = plan[1];
    S->npy = plan[2];
    S->hsl = plan[3];
    S->nPackets = plan[4];
    S->phb = plan[5];
    S->fq = plan[6];
    S->fs = plan[7];
    S->qpih = plan[8];
    S->rm = plan[9];
    S->longHdr = plan[10];
    int bandsExist = plan[11];
    if (S->bandsAll < 1 || S->bandsAll > MAX_ALL || S->npx < 1 || S->npx > 4096 || S->npy < 1 || S->hsl < 1
            || S->nPackets < 0 || bandsExist < 1 || bandsExist > S->bandsAll
            || S->phb < 5 + (2 * bandsExist + 7) / 8) {
        return ERR_ARGS;
    }
    if (planLen < PH + (long) S->bandsAll * PB + 3L * S->nPackets) {
        return ERR_ARGS;
    }
    if (s < 0 || (long) s * S->hsl >= S->npy) {
        return ERR_ARGS;
    }
    int exist = 0;
    long off = 0, soff = 0;
    for (int b = 0; b < S->bandsAll; b++) {
        if (!EXISTS(b)) {
            S->gcliOff[b] = 0;
            S->sigOff[b] = 0;
            continue;
        }
        exist++;
        long bw = BW(b), bh = BH(b), bl = BLINES(b), wn = WNORM(b), wl = WLAST(b), gwm = GWMAX(b), ring = RING(b);
        long wmax = wn > wl ? wn : wl;
        long kept = ring > 0 && ring < bh ? ring : bh;
        if (bw < 0 || bh < 0 || bl < 1 || wn < 0 || wl < 0 || ring < 0 || bw * kept > clen[b]
                || (S->npx - 1) * wn + wl > bw || (S->npy - 1) * bl > bh || bh - (S->npy - 1) * bl > bl
                || gwm < (wmax + 3) / 4 || gwm > (1L << 24)) {
            return ERR_ARGS;
        }
        S->gcliOff[b] = off;
        off += bl * gwm;
        S->sigOff[b] = soff;
        soff += (gwm + 7) / 8 + 1;
    }
    if (exist != bandsExist || off > (1L << 28)) {
        return ERR_ARGS;
    }
    for (int k = 0; k < S->nPackets; k++) {
        int line = PKT(k, 0), b0 = PKT(k, 1), b1 = PKT(k, 2);
        if (line < 0 || b0 < 0 || b1 > S->bandsAll || b0 > b1) {
            return ERR_ARGS;
        }
        for (int b = b0; b < b1; b++) {
            if (!EXISTS(b)) {
                return ERR_ARGS;
            }
        }
    }
    S->gcliPerState = off;
    return soff > (1L << 24) ? ERR_ARGS : 0;
}

/*
 * decodeSlice(isa, byte[] buf, p, end, s, int[] plan, int[][] coef) -> 0, ERR_FALLBACK (decode this slice in Java),
 * or another negative ERR_*. p: the first precinct of slice s (after its SLH), end: the end of the codestream's
 * precincts (the EOC marker's offset), both inside buf.
 */
JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_decodeSlice(JNIEnv *env, jclass cls, jint isa,
        jbyteArray buf, jint p, jint end, jint s, jintArray plan, jobjectArray coef) {
    (void) cls;
    if (isa < ISA_SCALAR || isa > best_isa || buf == NULL || plan == NULL || coef == NULL) {
        return ERR_ARGS;
    }
    long blen = (*env)->GetArrayLength(env, buf);
    if (p < 0 || end < p || end > blen) {
        return ERR_ARGS;
    }
    long planLen = (*env)->GetArrayLength(env, plan);
    if (planLen < PH || planLen > (1L << 22)) {
        return ERR_ARGS;
    }
    int32_t *pl = malloc((size_t) planLen * sizeof(int32_t));
    if (pl == NULL) {
        return ERR_NOMEM;
    }
    (*env)->GetIntArrayRegion(env, plan, 0, (jsize) planLen, pl);
    slice_t *S = calloc(1, sizeof(slice_t));
    if (S == NULL) {
        free(pl);
        return ERR_NOMEM;
    }
    int bandsAll = pl[0];
    long clen[MAX_ALL];
    jintArray arr[MAX_ALL];
    int rc = 0;
    if (bandsAll < 1 || bandsAll > MAX_ALL || (*env)->GetArrayLength(env, coef) < bandsAll) {
        rc = ERR_ARGS;
    }
    int got = 0;
    for (; rc == 0 && got < bandsAll; got++) {
        arr[got] = (jintArray) (*env)->GetObjectArrayElement(env, coef, got);
        clen[got] = arr[got] != NULL ? (*env)->GetArrayLength(env, arr[got]) : -1;
    }
    if (rc == 0) {
        rc = check_plan(S, pl, planLen, clen, s);
    }
    for (int b = 0; rc == 0 && b < bandsAll; b++) {
        if (EXISTS(b) && arr[b] == NULL) {
            rc = ERR_ARGS;
        }
    }
    int32_t *gcli = NULL, *gtli = NULL, *sig = NULL;
    if (rc == 0) {
        long sigLen = 0;
        for (int b = 0; b < bandsAll; b++) {
            if (EXISTS(b)) {
                sigLen = S->sigOff[b] + (GWMAX(b) + 7) / 8 + 1;
            }
        }
        gcli = calloc((size_t) (S->npx + 1) * (size_t) (S->gcliPerState > 0 ? S->gcliPerState : 1), sizeof(int32_t));
        gtli = calloc((size_t) (S->npx + 1) * (size_t) bandsAll, sizeof(int32_t));
        sig = calloc((size_t) (sigLen > 0 ? sigLen : 1), sizeof(int32_t));
        long gwAll = 1;
        for (int b = 0; b < bandsAll; b++) {
            if (EXISTS(b) && GWMAX(b) > gwAll) {
                gwAll = GWMAX(b);
            }
        }
        /* the group list and its bit lengths, each with room for the AVX2 list's 8-wide stores past the end */
        S->idx = malloc((size_t) 2 * (gwAll + 8) * sizeof(int32_t));
        S->nbs = S->idx + gwAll + 8;
        if (gcli == NULL || gtli == NULL || sig == NULL || S->idx == NULL) {
            rc = ERR_NOMEM;
        }
        S->gcli = gcli;
        S->gtli = gtli;
        S->sig = sig;
    }
    if (rc == 0 && (S->qpih != 0)) {
        rc = ERR_FALLBACK; /* uniform quantization: the Java path */
    }
    if (rc == 0) {
        int pinned = 0, ok = 1;
        for (; pinned < bandsAll; pinned++) {
            if (!EXISTS(pinned)) {
                S->coef[pinned] = NULL;
                continue;
            }
            S->coef[pinned] = (*env)->GetPrimitiveArrayCritical(env, arr[pinned], NULL);
            if (S->coef[pinned] == NULL) {
                ok = 0;
                break;
            }
        }
        uint8_t *b = ok ? (*env)->GetPrimitiveArrayCritical(env, buf, NULL) : NULL;
        if (ok && b != NULL) {
            if (isa == ISA_AVX512) {
                rc = slice_avx512(S, b, blen, p, end, s);
            } else if (isa >= ISA_AVX2) {
                rc = slice_avx2(S, b, blen, p, end, s);
            } else if (isa == ISA_SSE41) {
                rc = slice_sse41(S, b, blen, p, end, s);
            } else {
                rc = slice_scalar(S, b, blen, p, end, s);
            }
        } else {
            rc = ERR_PIN;
        }
        if (b != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, buf, b, JNI_ABORT);
        }
        for (int k = pinned - 1; k >= 0; k--) {
            if (S->coef[k] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, arr[k], S->coef[k], 0);
            }
        }
    }
    for (int k = 0; k < got; k++) {
        if (arr[k] != NULL) {
            (*env)->DeleteLocalRef(env, arr[k]);
        }
    }
    free(gcli);
    free(gtli);
    free(sig);
    free(S->idx);
    free(S);
    free(pl);
    return rc;
}
