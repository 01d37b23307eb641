/*
 * libmcmjxs, encoder side: the hot loops of the JPEG XS encoder of org.mcm.codec.jpegxs in C, called through JNI
 * (the decoder's are in mcmjxs.c; both files make one libmcmjxs.so).
 *
 * Part 1: the forward LeGall 5/3 wavelet of one component, all levels in one call, with the input scaling to the
 * wavelet domain fused into the first level's row loads, and every band row rounded as soon as it is made, while
 * it is in the cache (EncoderTransform.roundRow): Fq fractional bits dropped, the magnitude capped at 15 bits, the
 * packing words (deadzone quantization) or the signed rounded values (uniform quantization), the bit-plane count
 * of every group of 4, the largest count of every 8 groups and the row statistics the rate control reads. The
 * arithmetic is the Java encoder's (Dwt53.forward / forwardLevel, EncoderTransform.forwardComponent / roundRow):
 * 32-bit two's complement that wraps (-fwrapv), arithmetic right shifts, so both give the same bytes.
 *
 * Part 2: the writing of planned precincts (PrecinctPacker.writePrecinct) with deadzone quantization.
 *
 * Part 3 (at the end): the rate control (RateControl.planAll), sizes updated band by band.
 *
 * Instruction sets as in mcmjxs.c: the same kernels compiled three times (scalar, SSE4.1, AVX2 with BMI2's pdep
 * for the bit-plane spreading), picked by the caller; a fourth, AVX-512 (F/BW/VL/DQ/CD/VBMI), has its own rounding
 * of band rows (round_row_dz_avx512, 16 groups a step) and the wavelet compiled for it (gcc's 512-bit vectors), the
 * AVX2 code for the rest. Every array length and every dimension is checked before
 * anything is read or written; a call that does not add up returns a negative code, touches nothing, and the
 * caller runs the Java path.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>

#define ENC_MAX_BANDS 32
#define BW_BITS 20
#define FQ 8
#define H_GCLI 0
#define H_GMAX 16
#define H_BITS 32

enum { E_ISA_SCALAR = 0, E_ISA_SSE41 = 1, E_ISA_AVX2 = 2, E_ISA_AVX512 = 3 };

int mcmjxs_cpu_isa(void); /* mcmjxs.c */
enum { E_ERR_ARGS = -1, E_ERR_NOMEM = -2, E_ERR_PIN = -3 };

static int enc_best_isa = -1;
/* SPREAD[q] (q < 256): bit i of q at bit 4i (BitPlanes.SPREAD) */
static uint64_t spread8[256];

__attribute__((constructor)) static void enc_init(void) {
    enc_best_isa = mcmjxs_cpu_isa();
    for (int q = 0; q < 256; q++) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (uint64_t) ((q >> i) & 1) << (4 * i);
        }
        spread8[q] = v;
    }
}

#define ALWAYS static inline __attribute__((always_inline))
/* the AVX-512 level's target (mcmjxs_cpu_isa checks the same features) */
#define AVX512 "avx2,bmi2,avx512f,avx512bw,avx512vl,avx512dq,avx512cd,avx512vbmi"

/* One band of the component: its size, where its rounded rows go and where their statistics go. */
typedef struct {
    int w, h, gw, sw, lines, statBase;
    uint8_t *gcli;   /* h * gw counts */
    int32_t *gmax;   /* h * sw maxima of 8 groups */
    uint64_t *words; /* deadzone: h * gw packing words */
    int32_t *mag;    /* uniform: h * w rounded values */
} eband_t;

typedef struct {
    int w, h, nh, nv, nb;
    const int32_t *src;  /* srcBytes 4: int samples */
    const uint8_t *src8; /* srcBytes 2: 16-bit little-endian samples; 1: bytes */
    int srcBytes;
    int srcStride;       /* in samples */
    int scaleOn;
    int32_t mask, shift, offset;
    int32_t *bufA, *bufB;
    eband_t band[ENC_MAX_BANDS];
    uint16_t *stats;
    int statRows, hSize, deadzone, statsBits;
} eplan_t;

/* bit length of a value below 2^16 (0 for 0) */
ALWAYS int bitlen(uint32_t v) {
    return v ? 32 - __builtin_clz(v) : 0;
}

/* bit i of x (16 bits) at bit 4i: BMI2's pdep (inlined into the AVX2 variant only) or two table lookups */
static inline __attribute__((target("bmi2"))) uint64_t spread_pdep(uint32_t x) {
    return _pdep_u64(x, 0x1111111111111111ULL);
}

ALWAYS uint64_t spread16(uint32_t x, int usePdep) {
    if (usePdep) {
        return spread_pdep(x);
    }
    return spread8[x & 0xFF] | (spread8[(x >> 8) & 0xFF] << 32);
}

/* a delta swap on every 64-bit lane: the bits in m exchanged with the bits d places above them */
__attribute__((target("avx2"))) static inline __m256i delta_swap64(__m256i x, __m256i m, int d) {
    __m256i t = _mm256_and_si256(_mm256_xor_si256(_mm256_srli_epi64(x, d), x), m);
    return _mm256_xor_si256(_mm256_xor_si256(x, t), _mm256_slli_epi64(t, d));
}

/*
 * Four groups' packing words at once: each 64-bit lane holds a group's four 16-bit values c0..c3 (c0 lowest) and
 * becomes spread16(c0) << 3 | spread16(c1) << 2 | spread16(c2) << 1 | spread16(c3), i.e. bit i of c_j goes to bit
 * 4i + 3 - j. With the values reversed in the lane (c3 lowest) that moves the bit at index (i0 i1 i2 i3 j0 j1) to
 * (j0 j1 i0 i1 i2 i3): three delta swaps exchange the index bits 0<->2, 0<->4 and 1<->5, then a byte shuffle swaps
 * the index bits 3<->5.
 */
__attribute__((target("avx2"))) static inline __m256i words4_avx2(__m256i q) {
    const __m256i rev = _mm256_setr_epi8(6, 7, 4, 5, 2, 3, 0, 1, 14, 15, 12, 13, 10, 11, 8, 9,
            6, 7, 4, 5, 2, 3, 0, 1, 14, 15, 12, 13, 10, 11, 8, 9);
    const __m256i bytes = _mm256_setr_epi8(0, 4, 2, 6, 1, 5, 3, 7, 8, 12, 10, 14, 9, 13, 11, 15,
            0, 4, 2, 6, 1, 5, 3, 7, 8, 12, 10, 14, 9, 13, 11, 15);
    __m256i x = _mm256_shuffle_epi8(q, rev);
    x = delta_swap64(x, _mm256_set1_epi8(0x0A), 3);
    x = delta_swap64(x, _mm256_set1_epi64x(0x0000AAAA0000AAAALL), 15);
    x = delta_swap64(x, _mm256_set1_epi64x(0x00000000CCCCCCCCLL), 30);
    return _mm256_shuffle_epi8(x, bytes);
}

/* deadzone rounding of 8 wavelet values (see round_row): magnitude >> FQ capped at 0x7FFF, sign at bit 15 */
__attribute__((target("avx2"))) static inline __m256i deadzone8_avx2(__m256i v) {
    const __m256i half = _mm256_set1_epi32(1 << (FQ - 1)), cap = _mm256_set1_epi32(0x7FFF);
    __m256i m = _mm256_min_epi32(_mm256_srai_epi32(_mm256_add_epi32(_mm256_abs_epi32(v), half), FQ), cap);
    return _mm256_or_si256(m, _mm256_slli_epi32(_mm256_srli_epi32(v, 31), 15));
}

/*
 * round_row with deadzone quantization in AVX2, the same outputs: 8 groups (32 values) a step, their packing words
 * by words4_avx2, their counts as float exponents, the 8-group maximum by a horizontal max; the last < 8 groups and
 * the statistics' histogram as in round_row.
 */
__attribute__((target("avx2,bmi2"))) static void round_row_dz_avx2(const eplan_t *P, const eband_t *B, int y,
        int32_t *restrict in) {
    const int width = B->w, groups = B->gw;
    uint8_t *restrict gc = B->gcli + (size_t) y * groups;
    uint64_t *restrict wd = B->words + (size_t) y * groups;
    int32_t *restrict gm = B->gmax + (size_t) y * B->sw;
    const int l = B->lines;
    const int py = y / l;
    uint16_t *restrict st = P->stats + ((size_t) py * P->statRows + B->statBase + (y - py * l)) * P->hSize;
    memset(st, 0, (size_t) P->hSize * sizeof(uint16_t));
    const int full = width >> 2;
    const int oct = full >> 3;
    const __m256i low15 = _mm256_set1_epi64x(0x7FFF), bias = _mm256_set1_epi32(126);
    const __m256i firstBytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
            0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    for (int o = 0; o < oct; o++) {
        int32_t *p = in + 32 * o;
        __m256i d0 = deadzone8_avx2(_mm256_loadu_si256((const __m256i *) p));
        __m256i d1 = deadzone8_avx2(_mm256_loadu_si256((const __m256i *) (p + 8)));
        __m256i d2 = deadzone8_avx2(_mm256_loadu_si256((const __m256i *) (p + 16)));
        __m256i d3 = deadzone8_avx2(_mm256_loadu_si256((const __m256i *) (p + 24)));
        _mm256_storeu_si256((__m256i *) p, d0);
        _mm256_storeu_si256((__m256i *) (p + 8), d1);
        _mm256_storeu_si256((__m256i *) (p + 16), d2);
        _mm256_storeu_si256((__m256i *) (p + 24), d3);
        /* 16-bit values, a group a 64-bit lane: packus interleaves the 128-bit halves, the permute restores */
        __m256i a = _mm256_permute4x64_epi64(_mm256_packus_epi32(d0, d1), 0xD8);
        __m256i b = _mm256_permute4x64_epi64(_mm256_packus_epi32(d2, d3), 0xD8);
        _mm256_storeu_si256((__m256i *) (wd + 8 * o), words4_avx2(a));
        _mm256_storeu_si256((__m256i *) (wd + 8 * o + 4), words4_avx2(b));
        /* each group's OR of its magnitudes in the low 15 bits of its lane, then the 8 in 32-bit lanes in order */
        __m256i oa = _mm256_or_si256(a, _mm256_srli_epi64(a, 32));
        oa = _mm256_and_si256(_mm256_or_si256(oa, _mm256_srli_epi64(oa, 16)), low15);
        __m256i ob = _mm256_or_si256(b, _mm256_srli_epi64(b, 32));
        ob = _mm256_and_si256(_mm256_or_si256(ob, _mm256_srli_epi64(ob, 16)), low15);
        __m256i c = _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(oa), _mm256_castsi256_ps(ob),
                _MM_SHUFFLE(2, 0, 2, 0)));
        c = _mm256_permute4x64_epi64(c, 0xD8);
        /* bit length = the float's exponent - 126 (exact below 2^24), 0 for 0 */
        __m256i bl = _mm256_max_epi32(_mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(
                _mm256_cvtepi32_ps(c)), 23), bias), _mm256_setzero_si256());
        __m256i by = _mm256_shuffle_epi8(bl, firstBytes);
        uint64_t counts = (uint64_t) (uint32_t) _mm256_extract_epi32(by, 0)
                | ((uint64_t) (uint32_t) _mm256_extract_epi32(by, 4) << 32);
        memcpy(gc + 8 * o, &counts, 8);
        __m256i mx = _mm256_max_epi32(bl, _mm256_shuffle_epi32(bl, 0x4E));
        mx = _mm256_max_epi32(mx, _mm256_shuffle_epi32(mx, 0xB1));
        mx = _mm256_max_epi32(mx, _mm256_permute2x128_si256(mx, mx, 1));
        gm[o] = _mm256_cvtsi256_si32(mx);
    }
    /* their histogram afterwards (added to the statistics row in the loop, each add waited for the one before) */
    uint32_t gh[16];
    memset(gh, 0, sizeof gh);
    for (int o = 0; o < oct; o++) {
        gh[gm[o]] += 8;
    }
    for (int v = 0; v < 16; v++) {
        st[H_GMAX + v] = (uint16_t) gh[v];
    }
    /* the rest as round_row does */
    const int32_t half = 1 << (FQ - 1);
    for (int x = 32 * oct; x < width; x++) {
        int32_t v = in[x];
        int32_t s = v >> 31;
        int32_t d = (((v ^ s) - s + half) >> FQ) - 0x7FFF;
        in[x] = (0x7FFF + (d & (d >> 31))) | (int32_t) (((uint32_t) v >> 31) << 15);
    }
    for (int k = 8 * oct; k < full; k++) {
        const int32_t *q = in + 4 * k;
        wd[k] = (spread_pdep((uint32_t) q[0] & 0xFFFF) << 3) | (spread_pdep((uint32_t) q[1] & 0xFFFF) << 2)
                | (spread_pdep((uint32_t) q[2] & 0xFFFF) << 1) | spread_pdep((uint32_t) q[3] & 0xFFFF);
        gc[k] = (uint8_t) bitlen((uint32_t) (q[0] | q[1] | q[2] | q[3]) & 0x7FFF);
    }
    if (full < groups) {
        uint64_t word = 0;
        uint32_t or = 0;
        for (int x = 4 * full; x < width; x++) {
            word |= spread_pdep((uint32_t) in[x] & 0xFFFF) << (3 - (x & 3));
            or |= (uint32_t) in[x];
        }
        wd[full] = word;
        gc[full] = (uint8_t) bitlen(or & 0x7FFF);
    }
    if (8 * oct < groups) {
        int max = 0;
        for (int k = 8 * oct; k < groups; k++) {
            max = gc[k] > max ? gc[k] : max;
        }
        st[H_GMAX + max] = (uint16_t) (st[H_GMAX + max] + (groups - 8 * oct));
        gm[oct] = max;
    }
    uint32_t hist[4][16];
    memset(hist, 0, sizeof hist);
    int k = 0;
    for (; k + 4 <= groups; k += 4) {
        hist[0][gc[k]]++;
        hist[1][gc[k + 1]]++;
        hist[2][gc[k + 2]]++;
        hist[3][gc[k + 3]]++;
    }
    for (; k < groups; k++) {
        hist[0][gc[k]]++;
    }
    for (int v = 0; v < 16; v++) {
        st[H_GCLI + v] = (uint16_t) (hist[0][v] + hist[1][v] + hist[2][v] + hist[3][v]);
    }
    if (P->statsBits) {
        for (int x = 0; x < width; x++) {
            int bits = bitlen((uint32_t) in[x] & 0x7FFF);
            st[H_BITS + bits] = (uint16_t) (st[H_BITS + bits] + 1);
        }
    }
}

/* AVX-512 (ternary logic): a delta swap on every 64-bit lane, as delta_swap64 */
__attribute__((target(AVX512))) static inline __m512i delta_swap64_512(__m512i x, __m512i m, int d) {
    __m512i t = _mm512_ternarylogic_epi64(_mm512_srli_epi64(x, d), x, m, 0x28); /* (a ^ b) & c */
    return _mm512_ternarylogic_epi64(x, t, _mm512_slli_epi64(t, d), 0x96);      /* a ^ b ^ c */
}

/* deadzone rounding of 16 wavelet values (deadzone8_avx2): magnitude >> FQ capped at 0x7FFF, sign at bit 15 */
__attribute__((target(AVX512))) static inline __m512i deadzone16_avx512(__m512i v) {
    const __m512i half = _mm512_set1_epi32(1 << (FQ - 1)), cap = _mm512_set1_epi32(0x7FFF),
            sign = _mm512_set1_epi32(0x8000);
    __m512i m = _mm512_min_epi32(_mm512_srai_epi32(_mm512_add_epi32(_mm512_abs_epi32(v), half), FQ), cap);
    return _mm512_ternarylogic_epi32(m, _mm512_srli_epi32(v, 16), sign, 0xF8); /* a | (b & c) */
}

/*
 * 16 groups (64 values from p) of a band row at once: the deadzone values (back to p when the statistics need the
 * bit lengths), the packing words, the counts and the two 8-group maxima, as round_row_dz_avx2 makes 8. masked:
 * the row's last step, where vals values and grps groups are left (masked loads and stores, so nothing outside the
 * row is read or written; the missing values are 0, as a partial group's missing coefficients are).
 */
__attribute__((target(AVX512))) static inline __attribute__((always_inline)) void round16_avx512(int32_t *p,
        uint64_t *wd, uint8_t *gc, int32_t *gm, int masked, int vals, int grps, int keep) {
    /* byte k of a packing word's lane before the transpose: its group's values reversed (c3 lowest), picked from the
       deadzone values of two registers (bit 6 of the index: the second) */
    const __m512i pick = _mm512_set_epi8(
            113, 112, 117, 116, 121, 120, 125, 124, 97, 96, 101, 100, 105, 104, 109, 108,
            81, 80, 85, 84, 89, 88, 93, 92, 65, 64, 69, 68, 73, 72, 77, 76,
            49, 48, 53, 52, 57, 56, 61, 60, 33, 32, 37, 36, 41, 40, 45, 44,
            17, 16, 21, 20, 25, 24, 29, 28, 1, 0, 5, 4, 9, 8, 13, 12);
    const __m512i bytes = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 2, 6, 1, 5, 3, 7, 8, 12, 10, 14, 9, 13, 11, 15));
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i low15 = _mm512_set1_epi64(0x7FFF);
    __m512i d[4];
    for (int k = 0; k < 4; k++) {
        int n = vals - 16 * k;
        n = n < 0 ? 0 : n > 16 ? 16 : n;
        __m512i v = masked ? _mm512_maskz_loadu_epi32((__mmask16) _bzhi_u32(0xFFFF, (unsigned) n), p + 16 * k)
                : _mm512_loadu_si512(p + 16 * k);
        d[k] = deadzone16_avx512(v);
        if (keep) {
            if (masked) {
                _mm512_mask_storeu_epi32(p + 16 * k, (__mmask16) _bzhi_u32(0xFFFF, (unsigned) n), d[k]);
            } else {
                _mm512_storeu_si512(p + 16 * k, d[k]);
            }
        }
    }
    __m512i a = _mm512_permutex2var_epi8(d[0], pick, d[1]);
    __m512i b = _mm512_permutex2var_epi8(d[2], pick, d[3]);
    __m512i wa = a, wb = b;
    const __m512i m1 = _mm512_set1_epi8(0x0A), m2 = _mm512_set1_epi64(0x0000AAAA0000AAAALL),
            m3 = _mm512_set1_epi64(0x00000000CCCCCCCCLL);
    wa = delta_swap64_512(wa, m1, 3);
    wb = delta_swap64_512(wb, m1, 3);
    wa = delta_swap64_512(wa, m2, 15);
    wb = delta_swap64_512(wb, m2, 15);
    wa = delta_swap64_512(wa, m3, 30);
    wb = delta_swap64_512(wb, m3, 30);
    wa = _mm512_shuffle_epi8(wa, bytes);
    wb = _mm512_shuffle_epi8(wb, bytes);
    /* each group's OR of its magnitudes in the low 15 bits of its lane, then the 16 in 32-bit lanes in order */
    __m512i oa = _mm512_or_si512(a, _mm512_srli_epi64(a, 32));
    oa = _mm512_ternarylogic_epi64(oa, _mm512_srli_epi64(oa, 16), low15, 0xA8); /* (a | b) & c */
    __m512i ob = _mm512_or_si512(b, _mm512_srli_epi64(b, 32));
    ob = _mm512_ternarylogic_epi64(ob, _mm512_srli_epi64(ob, 16), low15, 0xA8);
    __m512i c = _mm512_permutex2var_epi32(oa, even, ob);
    __m512i bl = _mm512_sub_epi32(_mm512_set1_epi32(32), _mm512_lzcnt_epi32(c)); /* bit length, 0 for 0 */
    __m512i mx = _mm512_max_epi32(bl, _mm512_shuffle_epi32(bl, 0x4E));
    mx = _mm512_max_epi32(mx, _mm512_shuffle_epi32(mx, 0xB1));
    mx = _mm512_max_epi32(mx, _mm512_shuffle_i32x4(mx, mx, _MM_SHUFFLE(2, 3, 0, 1)));
    __m128i counts = _mm512_cvtepi32_epi8(bl);
    if (masked) {
        const uint32_t gmask = _bzhi_u32(0xFFFF, (unsigned) grps);
        _mm512_mask_storeu_epi64(wd, (__mmask8) gmask, wa);
        _mm512_mask_storeu_epi64(wd + 8, (__mmask8) (gmask >> 8), wb);
        _mm_mask_storeu_epi8(gc, (__mmask16) gmask, counts);
        gm[0] = _mm512_cvtsi512_si32(mx);
        if (grps > 8) {
            gm[1] = _mm_cvtsi128_si32(_mm512_extracti32x4_epi32(mx, 2));
        }
    } else {
        _mm512_storeu_si512(wd, wa);
        _mm512_storeu_si512(wd + 8, wb);
        _mm_storeu_si128((__m128i *) gc, counts);
        gm[0] = _mm512_cvtsi512_si32(mx);
        gm[1] = _mm_cvtsi128_si32(_mm512_extracti32x4_epi32(mx, 2));
    }
}

/*
 * round_row with deadzone quantization in AVX-512, the same outputs: 16 groups a step (round16_avx512), the row's
 * last step masked; the histogram of the counts by byte compares (one per count value up to the row's largest, 64
 * groups each), that of the 8-group maxima and the bit lengths as before.
 */
__attribute__((target(AVX512))) static void round_row_dz_avx512(const eplan_t *P, const eband_t *B, int y,
        int32_t *restrict in) {
    const int width = B->w, groups = B->gw, octs = B->sw;
    uint8_t *restrict gc = B->gcli + (size_t) y * groups;
    uint64_t *restrict wd = B->words + (size_t) y * groups;
    int32_t *restrict gm = B->gmax + (size_t) y * octs;
    const int l = B->lines;
    const int py = y / l;
    uint16_t *restrict st = P->stats + ((size_t) py * P->statRows + B->statBase + (y - py * l)) * P->hSize;
    memset(st, 0, (size_t) P->hSize * sizeof(uint16_t));
    const int keep = P->statsBits;
    const int fullSteps = width >> 6;
    for (int s = 0; s < fullSteps; s++) {
        round16_avx512(in + 64 * s, wd + 16 * s, gc + 16 * s, gm + 2 * s, 0, 64, 16, keep);
    }
    if (16 * fullSteps < groups) {
        const int s = fullSteps;
        round16_avx512(in + 64 * s, wd + 16 * s, gc + 16 * s, gm + 2 * s, 1, width - 64 * s, groups - 16 * s, keep);
    }
    uint32_t gh[16];
    memset(gh, 0, sizeof gh);
    int rowMax = 0;
    for (int o = 0; o + 1 < octs; o++) {
        gh[gm[o]] += 8;
        rowMax = gm[o] > rowMax ? gm[o] : rowMax;
    }
    gh[gm[octs - 1]] += (uint32_t) (groups - 8 * (octs - 1));
    rowMax = gm[octs - 1] > rowMax ? gm[octs - 1] : rowMax;
    for (int v = 0; v < 16; v++) {
        st[H_GMAX + v] = (uint16_t) gh[v];
    }
    uint32_t nonzero = 0;
    for (int v = 1; v <= rowMax; v++) {
        const __m512i vv = _mm512_set1_epi8((char) v);
        uint32_t n = 0;
        int j = 0;
        for (; j + 64 <= groups; j += 64) {
            n += (uint32_t) _mm_popcnt_u64(_mm512_cmpeq_epi8_mask(_mm512_loadu_si512(gc + j), vv));
        }
        if (j < groups) {
            const __mmask64 m = _bzhi_u64(~0ULL, (unsigned) (groups - j));
            n += (uint32_t) _mm_popcnt_u64(_mm512_mask_cmpeq_epi8_mask(m, _mm512_maskz_loadu_epi8(m, gc + j), vv));
        }
        st[H_GCLI + v] = (uint16_t) n;
        nonzero += n;
    }
    st[H_GCLI] = (uint16_t) ((uint32_t) groups - nonzero);
    if (keep) {
        for (int x = 0; x < width; x++) {
            int bits = bitlen((uint32_t) in[x] & 0x7FFF);
            st[H_BITS + bits] = (uint16_t) (st[H_BITS + bits] + 1);
        }
    }
}

/*
 * Rounds row y of band B (wavelet values in in[0..w), overwritten) as EncoderTransform.roundRow does: into the
 * band's words or rounded values, its counts and 8-group maxima and the row's statistics.
 */
ALWAYS void round_row(const eplan_t *P, const eband_t *B, int y, int32_t *restrict in, int32_t *restrict abs,
        int usePdep) {
    if (usePdep == 2 && P->deadzone) {
        round_row_dz_avx512(P, B, y, in);
        return;
    }
    if (usePdep && P->deadzone) {
        round_row_dz_avx2(P, B, y, in);
        return;
    }
    const int width = B->w, groups = B->gw;
    const int32_t half = 1 << (FQ - 1);
    uint8_t *restrict gc = B->gcli + (size_t) y * groups;
    if (P->deadzone) {
        for (int x = 0; x < width; x++) {
            int32_t v = in[x];
            int32_t s = v >> 31;
            int32_t d = (((v ^ s) - s + half) >> FQ) - 0x7FFF;
            in[x] = (0x7FFF + (d & (d >> 31))) | (int32_t) (((uint32_t) v >> 31) << 15);
        }
        uint64_t *restrict wd = B->words + (size_t) y * groups;
        const int full = width >> 2;
        for (int k = 0; k < full; k++) {
            const int32_t *q = in + 4 * k;
            uint64_t word = (spread16((uint32_t) q[0] & 0xFFFF, usePdep) << 3)
                    | (spread16((uint32_t) q[1] & 0xFFFF, usePdep) << 2)
                    | (spread16((uint32_t) q[2] & 0xFFFF, usePdep) << 1) | spread16((uint32_t) q[3] & 0xFFFF, usePdep);
            wd[k] = word;
            gc[k] = (uint8_t) bitlen((uint32_t) (q[0] | q[1] | q[2] | q[3]) & 0x7FFF);
        }
        if (full < groups) { /* a partial last group: the missing coefficients are 0 */
            uint64_t word = 0;
            uint32_t or = 0;
            for (int x = 4 * full; x < width; x++) {
                word |= spread16((uint32_t) in[x] & 0xFFFF, usePdep) << (3 - (x & 3));
                or |= (uint32_t) in[x];
            }
            wd[full] = word;
            gc[full] = (uint8_t) bitlen(or & 0x7FFF);
        }
    } else {
        for (int x = 0; x < width; x++) {
            int32_t v = in[x];
            int32_t s = v >> 31;
            int32_t d = (((v ^ s) - s + half) >> FQ) - 0x7FFF;
            abs[x] = 0x7FFF + (d & (d >> 31));
        }
        int32_t *restrict m = B->mag + (size_t) y * width;
        for (int x = 0; x < width; x++) {
            int32_t s = in[x] >> 31;
            int32_t v = (abs[x] ^ s) - s;
            in[x] = v;
            m[x] = v;
        }
        const int full = width >> 2;
        for (int k = 0; k < full; k++) {
            gc[k] = (uint8_t) bitlen((uint32_t) (abs[4 * k] | abs[4 * k + 1] | abs[4 * k + 2] | abs[4 * k + 3]));
        }
        if (full < groups) {
            uint32_t or = 0;
            for (int x = 4 * full; x < width; x++) {
                or |= (uint32_t) abs[x];
            }
            gc[full] = (uint8_t) bitlen(or);
        }
    }
    /* the row's statistics (chars in Java: 16 bits that wrap) */
    const int l = B->lines;
    const int py = y / l;
    uint16_t *restrict st = P->stats + ((size_t) py * P->statRows + B->statBase + (y - py * l)) * P->hSize;
    memset(st, 0, (size_t) P->hSize * sizeof(uint16_t));
    uint32_t hist[4][16];
    memset(hist, 0, sizeof hist);
    int32_t *restrict gm = B->gmax + (size_t) y * B->sw;
    for (int j = 0; j < groups; j += 8) {
        const int e = j + 8 < groups ? j + 8 : groups;
        int max = 0;
        for (int k = j; k < e; k++) {
            int v = gc[k];
            hist[k & 3][v]++;
            max = v > max ? v : max;
        }
        st[H_GMAX + max] = (uint16_t) (st[H_GMAX + max] + (e - j));
        gm[j >> 3] = max;
    }
    for (int v = 0; v < 16; v++) {
        st[H_GCLI + v] = (uint16_t) (hist[0][v] + hist[1][v] + hist[2][v] + hist[3][v]);
    }
    if (P->statsBits) {
        for (int x = 0; x < width; x++) {
            int b = bitlen((uint32_t) in[x] & 0x7FFF);
            st[H_BITS + b] = (uint16_t) (st[H_BITS + b] + 1);
        }
    }
}

/*
 * Forward 1-D (Dwt53.forward): in[0..len) into l (ceil(len/2)) and h (floor(len/2)). h[k] = x[2k+1] -
 * ((x[2k] + x[2k+2]) >> 1) with x[len] = x[len-2]; l[k] = x[2k] + ((h[k-1] + h[k] + 2) >> 2) with h[-1] = h[0],
 * h[nH] = h[nH-1]. Two passes, each one vectorisable loop with the edges apart.
 */
ALWAYS void fwd1d(const int32_t *restrict x, int32_t *restrict l, int32_t *restrict h, int len) {
    if (len == 1) {
        l[0] = x[0];
        return;
    }
    const int nH = len >> 1;
    const int kn = (len - 1) >> 1; /* k < kn: x[2k+2] exists */
    for (int k = 0; k < kn; k++) {
        h[k] = x[2 * k + 1] - ((x[2 * k] + x[2 * k + 2]) >> 1);
    }
    if (kn < nH) { /* even length: the last odd sample mirrors */
        h[nH - 1] = x[2 * nH - 1] - x[2 * nH - 2];
    }
    l[0] = x[0] + ((h[0] + h[0] + 2) >> 2);
    for (int k = 1; k < nH; k++) {
        l[k] = x[2 * k] + ((h[k - 1] + h[k] + 2) >> 2);
    }
    if (len & 1) {
        l[nH] = x[2 * nH] + ((h[nH - 1] + h[nH - 1] + 2) >> 2);
    }
}

/* a 16-bit sample at any address (a raw frame's planes need not be aligned) */
typedef uint16_t u16_any __attribute__((aligned(1), may_alias));

/* Row y of a level's input: the source (scaled into buf when the plan says so) or a row of the previous level. */
ALWAYS const int32_t *load_row(const eplan_t *P, int level0, const int32_t *cur, int stride, int y, int w,
        int32_t *restrict buf) {
    if (!level0) {
        return cur + (size_t) y * stride;
    }
    const int32_t mask = P->mask, offset = P->offset;
    const int shift = P->shift;
    if (P->srcBytes == 2) { /* raw planes are always scaled */
        /* 16-bit little-endian samples read as such (x86-64 is little-endian; any alignment), so that
           the loop vectorises (zero-extending loads); two byte loads a sample did not, and cost ~2 ms a 1080p
           4:2:2 frame more than the int planes of a picture */
        const u16_any *restrict s = (const u16_any *) (P->src8 + (size_t) y * P->srcStride * 2);
        for (int x = 0; x < w; x++) {
            buf[x] = (((int32_t) s[x] & mask) << shift) - offset;
        }
        return buf;
    }
    if (P->srcBytes == 1) {
        const uint8_t *s = P->src8 + (size_t) y * P->srcStride;
        for (int x = 0; x < w; x++) {
            buf[x] = ((s[x] & mask) << shift) - offset;
        }
        return buf;
    }
    const int32_t *s = P->src + (size_t) y * P->srcStride;
    if (!P->scaleOn) {
        return s;
    }
    for (int x = 0; x < w; x++) {
        buf[x] = ((s[x] & mask) << shift) - offset;
    }
    return buf;
}

/*
 * The whole component: the 2-D levels (Dwt53.forwardLevel) from the full resolution down, low bands ping-ponging
 * between bufA and bufB (stride w), every band row rounded as it is made; then row by row the horizontal-only
 * levels and the lowest band (rows are independent there). scratch: 11 rows of w + 8 ints.
 */
ALWAYS void enc_component(const eplan_t *P, int32_t *scratch, int usePdep) {
    const int stride = P->w;
    const size_t rs = (size_t) P->w + 8;
    int32_t *rows[3] = {scratch, scratch + rs, scratch + 2 * rs};
    int32_t *hRows[2] = {scratch + 3 * rs, scratch + 4 * rs};
    int32_t *lRow = scratch + 5 * rs, *rHl = scratch + 6 * rs, *rLh = scratch + 7 * rs, *rHh = scratch + 8 * rs;
    int32_t *abs = scratch + 9 * rs, *tmp = scratch + 10 * rs;
    int curW = P->w, curH = P->h;
    const int32_t *cur = NULL; /* NULL: the source */
    int i = P->nb - 1;
    for (int k = 0; k < P->nv; k++, i -= 3) {
        const eband_t *bHl = &P->band[i - 2], *bLh = &P->band[i - 1], *bHh = &P->band[i];
        const int level0 = cur == NULL;
        int32_t *out = (k & 1) == 0 ? P->bufA : P->bufB;
        const int w = curW, h = curH;
        const int nL = (h + 1) >> 1, nH = h >> 1;
        if (h == 1) {
            const int32_t *r = load_row(P, level0, cur, stride, 0, w, lRow);
            memcpy(tmp, r, (size_t) w * 4);
            fwd1d(tmp, out, rHl, w);
            round_row(P, bHl, 0, rHl, abs, usePdep);
        } else {
            const int32_t *x0 = load_row(P, level0, cur, stride, 0, w, rows[0]);
            for (int kk = 0; kk < nL; kk++) {
                const int32_t *x2 = x0;
                if (kk < nH) {
                    const int32_t *restrict x1 = load_row(P, level0, cur, stride, 2 * kk + 1, w, rows[(2 * kk + 1) % 3]);
                    if (2 * kk + 2 < h) {
                        x2 = load_row(P, level0, cur, stride, 2 * kk + 2, w, rows[(2 * kk + 2) % 3]);
                    }
                    int32_t *restrict hk = hRows[kk & 1];
                    const int32_t *restrict a = x0, *restrict c = x2;
                    for (int x = 0; x < w; x++) {
                        hk[x] = x1[x] - ((a[x] + c[x]) >> 1);
                    }
                }
                const int32_t *restrict hp = hRows[(kk > 0 ? kk - 1 : 0) & 1];
                const int32_t *restrict hc = hRows[(kk < nH ? kk : nH - 1) & 1];
                const int32_t *restrict a = x0;
                for (int x = 0; x < w; x++) {
                    lRow[x] = a[x] + ((hp[x] + hc[x] + 2) >> 2);
                }
                fwd1d(lRow, out + (size_t) kk * stride, rHl, w);
                round_row(P, bHl, kk, rHl, abs, usePdep);
                if (kk < nH) {
                    fwd1d(hRows[kk & 1], rLh, rHh, w);
                    round_row(P, bLh, kk, rLh, abs, usePdep);
                    round_row(P, bHh, kk, rHh, abs, usePdep);
                }
                x0 = x2;
            }
        }
        cur = out;
        curW = (curW + 1) >> 1;
        curH = (curH + 1) >> 1;
    }
    /* horizontal-only levels and the lowest band, row by row (rHl/rLh ping-pong the low part) */
    const int level0 = cur == NULL;
    for (int y = 0; y < curH; y++) {
        const int32_t *r = load_row(P, level0, cur, stride, y, curW, rows[0]);
        int32_t *low = rLh;
        memcpy(low, r, (size_t) curW * 4);
        int w = curW;
        int j = i;
        for (int k = P->nv; k < P->nh + P->nv; k++, j--) {
            int32_t *nl = low == rLh ? rHh : rLh;
            fwd1d(low, nl, rHl, w);
            round_row(P, &P->band[j], y, rHl, abs, usePdep);
            low = nl;
            w = (w + 1) >> 1;
        }
        round_row(P, &P->band[0], y, low, abs, usePdep);
    }
}

static void enc_component_scalar(const eplan_t *P, int32_t *scratch) {
    enc_component(P, scratch, 0);
}

__attribute__((target("sse4.1"))) static void enc_component_sse41(const eplan_t *P, int32_t *scratch) {
    enc_component(P, scratch, 0);
}

__attribute__((target("avx2,bmi2"))) static void enc_component_avx2(const eplan_t *P, int32_t *scratch) {
    enc_component(P, scratch, 1);
}

__attribute__((target(AVX512))) static void enc_component_avx512(const eplan_t *P, int32_t *scratch) {
    enc_component(P, scratch, 2);
}

/*
 * An array that other threads write elsewhere at the same time, pinned in place; NULL if the JVM would hand out a copy
 * (releasing it would undo their writes).
 */
static void *pin_in_place(JNIEnv *env, jarray a) {
    jboolean copied = JNI_FALSE;
    void *p = (*env)->GetPrimitiveArrayCritical(env, a, &copied);
    if (p != NULL && copied) {
        (*env)->ReleasePrimitiveArrayCritical(env, a, p, JNI_ABORT);
        p = NULL;
    }
    return p;
}

/* The local references to the first n bands' arrays (NULL where none) let go. */
static void delete_refs(JNIEnv *env, jarray *a, jarray *b, jarray *c, int n) {
    for (int i = 0; i < n; i++) {
        jarray r[3] = {a[i], b[i], c[i]};
        for (int k = 0; k < 3; k++) {
            if (r[k] != NULL) {
                (*env)->DeleteLocalRef(env, r[k]);
            }
        }
    }
}

/*
 * The band sizes the wavelet makes of a w x h component with nv 2-D and nh horizontal-only levels, in the local
 * order of Geometry (0 the lowest band, then the horizontal-only levels' bands from the smallest, then HL, LH, HH of
 * each 2-D level from the smallest), as Geometry computes them.
 */
static void expected_sizes(int w, int h, int nh, int nv, int *bw, int *bh) {
    int lvl = 1 + nh + 3 * nv - 1;
    int tw = w, th = h;
    for (int k = 0; k < nv; k++) {
        int w2 = tw / 2, w1 = tw - w2, h2 = th / 2, h1 = th - h2;
        bw[lvl] = w2;
        bh[lvl] = h2;
        bw[lvl - 1] = w1;
        bh[lvl - 1] = h2;
        bw[lvl - 2] = w2;
        bh[lvl - 2] = h1;
        tw = w1;
        th = h1;
        lvl -= 3;
    }
    for (int k = 0; k < nh; k++) {
        int w2 = tw / 2, w1 = tw - w2;
        bw[lvl] = w2;
        bh[lvl] = th;
        tw = w1;
        lvl -= 1;
    }
    bw[0] = tw;
    bh[0] = th;
}

/*
 * forwardComponent(isa, Object src, long srcOff, srcStride, srcBytes, w, h, depth (0: no scaling), nh, nv,
 *                  int[] bufA, int[] bufB, byte[][] gcli, int[][] gmax, Object[] coef, int[] dims, char[] stats,
 *                  statRows, hSize, flags) -> 0, or a negative E_ERR_* (nothing written then).
 * src: srcBytes 4: an int[] (srcOff in ints); 2: 16-bit little-endian samples, 1: 8-bit samples, in a byte[] or a
 * direct ByteBuffer (srcOff in bytes; always scaled: depth != 0). srcStride: the rows' distance in samples.
 * The component's bands in Geometry's local order: gcli, gmax, coef (long[] packing words with deadzone
 * quantization, flags bit 0, else int[] rounded values) and dims (per band: width, height, lines per precinct,
 * first statistics row within a precinct's); stats: statRows rows of hSize chars per precinct; flags bit 1: the
 * statistics hold the bit lengths. bufA holds ceil(h/2) rows of w, bufB the second level's (may be null below 2).
 */
JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_forwardComponent(JNIEnv *env, jclass cls, jint isa,
        jobject src, jlong srcOff, jint srcStride, jint srcBytes, jint w, jint h, jint depth, jint nh, jint nv, jintArray bufA,
        jintArray bufB, jobjectArray gcli, jobjectArray gmax, jobjectArray coef, jintArray dims, jcharArray stats,
        jint statRows, jint hSize, jint flags) {
    (void) cls;
    if (isa < E_ISA_SCALAR || isa > enc_best_isa || src == NULL || gcli == NULL || gmax == NULL || coef == NULL
            || dims == NULL || stats == NULL) {
        return E_ERR_ARGS;
    }
    if (w < 1 || h < 1 || w > 65536 || h > 65536 || nh < 0 || nv < 0 || nv > 2 || nh > 8 || depth < 0 || depth > 16
            || srcOff < 0 || srcStride < w || statRows < 1 || (hSize != 32 && hSize != 48)) {
        return E_ERR_ARGS;
    }
    if (!(srcBytes == 4 || ((srcBytes == 2 || srcBytes == 1) && depth != 0))) {
        return E_ERR_ARGS;
    }
    const int deadzone = flags & 1, statsBits = (flags >> 1) & 1;
    if (statsBits && (!deadzone || hSize != 48)) {
        return E_ERR_ARGS;
    }
    const int nb = 1 + nh + 3 * nv;
    if ((*env)->GetArrayLength(env, gcli) < nb || (*env)->GetArrayLength(env, gmax) < nb
            || (*env)->GetArrayLength(env, coef) < nb || (*env)->GetArrayLength(env, dims) < 4 * nb) {
        return E_ERR_ARGS;
    }
    if ((nv > 0 && bufA == NULL) || (nv > 1 && bufB == NULL)) {
        return E_ERR_ARGS;
    }
    eplan_t P;
    memset(&P, 0, sizeof P);
    P.w = w;
    P.h = h;
    P.nh = nh;
    P.nv = nv;
    P.nb = nb;
    P.srcStride = srcStride;
    P.scaleOn = depth != 0;
    P.mask = depth != 0 ? (int32_t) ((1u << depth) - 1) : -1;
    P.shift = depth != 0 ? BW_BITS - depth : 0;
    P.offset = depth != 0 ? 1 << (BW_BITS - 1) : 0;
    P.statRows = statRows;
    P.hSize = hSize;
    P.deadzone = deadzone;
    P.statsBits = statsBits;
    if (P.shift < 0) {
        return E_ERR_ARGS;
    }
    /* the source: an array of the right type, or a direct buffer, holding h rows of w from srcOff */
    uint8_t *direct = NULL;
    long srcLen;
    {
        jclass want = (*env)->FindClass(env, srcBytes == 4 ? "[I" : "[B");
        if (want == NULL) {
            (*env)->ExceptionClear(env);
            return E_ERR_ARGS;
        }
        int isArray = (*env)->IsInstanceOf(env, src, want);
        (*env)->DeleteLocalRef(env, want);
        if (isArray) {
            srcLen = (*env)->GetArrayLength(env, (jarray) src);
        } else if (srcBytes != 4 && (direct = (*env)->GetDirectBufferAddress(env, src)) != NULL) {
            srcLen = (long) (*env)->GetDirectBufferCapacity(env, src);
        } else {
            return E_ERR_ARGS;
        }
        long unit = srcBytes == 4 ? 1 : srcBytes;
        if (srcLen < 0 || srcOff + ((long) (h - 1) * srcStride + w) * unit > srcLen) {
            return E_ERR_ARGS;
        }
    }
    if (nv > 0 && (long) ((h + 1) >> 1) * w > (*env)->GetArrayLength(env, bufA)) {
        return E_ERR_ARGS;
    }
    if (nv > 1 && (long) ((((h + 1) >> 1) + 1) >> 1) * w > (*env)->GetArrayLength(env, bufB)) {
        return E_ERR_ARGS;
    }
    int ew[ENC_MAX_BANDS], eh[ENC_MAX_BANDS];
    expected_sizes(w, h, nh, nv, ew, eh);
    jint d[4 * ENC_MAX_BANDS];
    (*env)->GetIntArrayRegion(env, dims, 0, 4 * nb, d);
    long stLen = (*env)->GetArrayLength(env, stats);
    if ((*env)->EnsureLocalCapacity(env, 3 * nb + 16) != 0) {
        (*env)->ExceptionClear(env);
        return E_ERR_NOMEM;
    }
    jarray ag[ENC_MAX_BANDS], am[ENC_MAX_BANDS], ac[ENC_MAX_BANDS];
    jclass byteArr = (*env)->FindClass(env, "[B");
    jclass intArr = (*env)->FindClass(env, "[I");
    jclass longArr = (*env)->FindClass(env, "[J");
    if (byteArr == NULL || intArr == NULL || longArr == NULL) {
        (*env)->ExceptionClear(env);
        return E_ERR_ARGS;
    }
    int got = 0;
    int rc = 0;
    for (; got < nb; got++) {
        eband_t *B = &P.band[got];
        B->w = d[4 * got];
        B->h = d[4 * got + 1];
        B->lines = d[4 * got + 2];
        B->statBase = d[4 * got + 3];
        ag[got] = (*env)->GetObjectArrayElement(env, gcli, got);
        am[got] = (*env)->GetObjectArrayElement(env, gmax, got);
        ac[got] = (*env)->GetObjectArrayElement(env, coef, got);
        if (ag[got] == NULL || am[got] == NULL || ac[got] == NULL) {
            got++;
            rc = E_ERR_ARGS;
            break;
        }
        if (B->w != ew[got] || B->h != eh[got] || B->w < 1 || B->h < 1 || B->lines < 1 || B->statBase < 0
                || B->statBase + B->lines > statRows) {
            got++;
            rc = E_ERR_ARGS;
            break;
        }
        B->gw = (B->w + 3) >> 2;
        B->sw = (B->gw + 7) >> 3;
        /* the arrays' types: a byte[] is no int[] (the lengths would mean something else) */
        int typesOk = (*env)->IsInstanceOf(env, ag[got], byteArr) && (*env)->IsInstanceOf(env, am[got], intArr)
                && (*env)->IsInstanceOf(env, ac[got], deadzone ? longArr : intArr);
        if (!typesOk) {
            got++;
            rc = E_ERR_ARGS;
            break;
        }
        long needC = deadzone ? (long) B->gw * B->h : (long) B->w * B->h;
        if ((*env)->GetArrayLength(env, ag[got]) < (long) B->gw * B->h
                || (*env)->GetArrayLength(env, am[got]) < (long) B->sw * B->h
                || (*env)->GetArrayLength(env, ac[got]) < needC) {
            got++;
            rc = E_ERR_ARGS;
            break;
        }
        /* the statistics row of the band's last row is the highest it writes (rows grow with y) */
        int y = B->h - 1, py = y / B->lines;
        long lastRow = (long) py * statRows + B->statBase + (y - (long) py * B->lines);
        if ((lastRow + 1) * hSize > stLen) {
            got++;
            rc = E_ERR_ARGS;
            break;
        }
    }
    int32_t *scratch = NULL;
    if (rc == 0) {
        scratch = malloc((size_t) 11 * ((size_t) w + 8) * sizeof(int32_t));
        if (scratch == NULL) {
            rc = E_ERR_NOMEM;
        }
    }
    if (rc == 0) {
        /* pin everything (no JNI calls but the releases until all are released) */
        void *pg[ENC_MAX_BANDS], *pm[ENC_MAX_BANDS], *pc[ENC_MAX_BANDS];
        memset(pg, 0, sizeof pg);
        memset(pm, 0, sizeof pm);
        memset(pc, 0, sizeof pc);
        void *psrc = NULL, *pa = NULL, *pb = NULL, *pst = NULL;
        int ok = 1;
        for (int b = 0; b < nb && ok; b++) {
            pg[b] = (*env)->GetPrimitiveArrayCritical(env, ag[b], NULL);
            pm[b] = pg[b] != NULL ? (*env)->GetPrimitiveArrayCritical(env, am[b], NULL) : NULL;
            pc[b] = pm[b] != NULL ? (*env)->GetPrimitiveArrayCritical(env, ac[b], NULL) : NULL;
            ok = pc[b] != NULL;
        }
        if (ok) {
            psrc = direct != NULL ? NULL : (*env)->GetPrimitiveArrayCritical(env, (jarray) src, NULL);
            ok = direct != NULL || psrc != NULL;
        }
        if (ok && nv > 0) {
            pa = (*env)->GetPrimitiveArrayCritical(env, bufA, NULL);
            ok = pa != NULL;
        }
        if (ok && nv > 1) {
            pb = (*env)->GetPrimitiveArrayCritical(env, bufB, NULL);
            ok = pb != NULL;
        }
        if (ok) {
            /* other components' threads write other rows meanwhile */
            pst = pin_in_place(env, stats);
            ok = pst != NULL;
        }
        if (ok) {
            P.srcBytes = srcBytes;
            if (srcBytes == 4) {
                P.src = (const int32_t *) psrc + srcOff;
            } else {
                P.src8 = (direct != NULL ? direct : (const uint8_t *) psrc) + srcOff;
            }
            P.bufA = pa;
            P.bufB = pb;
            P.stats = pst;
            for (int b = 0; b < nb; b++) {
                P.band[b].gcli = pg[b];
                P.band[b].gmax = pm[b];
                if (deadzone) {
                    P.band[b].words = pc[b];
                } else {
                    P.band[b].mag = pc[b];
                }
            }
            if (isa == E_ISA_AVX512) {
                enc_component_avx512(&P, scratch);
            } else if (isa == E_ISA_AVX2) {
                enc_component_avx2(&P, scratch);
            } else if (isa == E_ISA_SSE41) {
                enc_component_sse41(&P, scratch);
            } else {
                enc_component_scalar(&P, scratch);
            }
        } else {
            rc = E_ERR_PIN;
        }
        if (pst != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, stats, pst, 0);
        }
        if (pb != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, bufB, pb, 0);
        }
        if (pa != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, bufA, pa, 0);
        }
        if (psrc != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, (jarray) src, psrc, JNI_ABORT);
        }
        for (int b = nb - 1; b >= 0; b--) {
            if (pc[b] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, ac[b], pc[b], 0);
            }
            if (pm[b] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, am[b], pm[b], 0);
            }
            if (pg[b] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, ag[b], pg[b], 0);
            }
        }
    }
    delete_refs(env, ag, am, ac, got);
    (*env)->DeleteLocalRef(env, byteArr);
    (*env)->DeleteLocalRef(env, intArr);
    (*env)->DeleteLocalRef(env, longArr);
    free(scratch);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Part 2: the writing of planned precincts (PrecinctPacker.writePrecinct) with deadzone quantization: precinct
 * header, packet headers, raw bit-plane counts, significance flags, counts coded from zero or vertically
 * predicted, data sub-packets (signs interleaved or separate). Uniform quantization is left to the Java path.
 *
 * The packing plan (an int[] the encoder builds once, see EncoderState.nativePackPlan):
 *   [0] bandsAll [1] nPackets [2] npy [3] precinct header bytes [4] long packet headers [5] Fs [6] Rm [7] vpred
 *   then per band (PPB ints): exists, bH, lines per precinct, gw, sw, gain, priority
 *   then per packet: line, first band, end band
 */
#define PPH 8
#define PPB 7
#define PMAX_BANDS 512
#define PLANES_MASK ((1ULL << 60) - 1)

/* MSB-first bit writer into buf[pos..limit): bits collect at the top of acc; never writes at or past limit. */
typedef struct {
    uint8_t *buf;
    long pos, limit;
    uint64_t acc;
    int n;
    int overflow;
} bw_t;

/* v has no bits at or above count; count 0..56 */
ALWAYS void bw_put(bw_t *w, uint64_t v, int count) {
    int k = w->n + count;
    uint64_t a = w->acc | (k ? v << (64 - k) : 0);
    int nbytes = k >> 3;
    if (w->pos + 8 <= w->limit) {
        uint64_t be = __builtin_bswap64(a);
        memcpy(w->buf + w->pos, &be, 8);
    } else {
        if (w->pos + nbytes > w->limit) {
            w->overflow = 1;
            w->acc = 0;
            w->n = 0;
            return;
        }
        for (int i = 0; i < nbytes; i++) {
            w->buf[w->pos + i] = (uint8_t) (a >> (56 - 8 * i));
        }
    }
    w->pos += nbytes;
    w->acc = nbytes == 8 ? 0 : a << (nbytes * 8);
    w->n = k & 7;
}

/* the low count bits of v, count 0..32 */
ALWAYS void bw_write(bw_t *w, uint32_t v, int count) {
    bw_put(w, count == 0 ? 0 : (uint64_t) (v & (0xFFFFFFFFu >> (32 - count))), count);
}

/* the low count bits of v, count 0..64 */
ALWAYS void bw_write_long(bw_t *w, uint64_t v, int count) {
    if (count > 32) {
        bw_write(w, (uint32_t) (v >> 32), count - 32);
        bw_write(w, (uint32_t) v, 32);
    } else {
        bw_write(w, (uint32_t) v, count);
    }
}

ALWAYS long bw_align(bw_t *w) {
    if (w->n > 0) {
        if (w->pos >= w->limit) {
            w->overflow = 1;
        } else {
            w->buf[w->pos++] = (uint8_t) (w->acc >> 56);
        }
        w->acc = 0;
        w->n = 0;
    }
    return w->pos;
}

/* The coefficients of a packing word left nonzero by the planes x: bit 3 - j for coefficient j. */
ALWAYS int nonzero4(uint64_t x) {
    x |= x >> 32;
    x |= x >> 16;
    x |= x >> 8;
    x |= x >> 4;
    return (int) x & 0xF;
}

ALWAYS int vpred_symbol(int delta, int thr) {
    if (delta > thr) {
        return delta + thr;
    }
    if (delta > 0) {
        return 2 * delta;
    }
    return delta < 0 ? -2 * delta - 1 : 0;
}

typedef struct {
    const int32_t *plan;
    int bandsAll, nPackets, npy, phb, longHdr, signs, rm, vpred;
    const int32_t *planQ, *planR, *planPadded, *planOffset, *planSize, *pktData, *pktCnt, *pktSign;
    const int8_t *planMode;
    const uint8_t *pktRaw;
    const uint8_t *gcli[PMAX_BANDS];
    const int32_t *gmax[PMAX_BANDS];
    const uint64_t *words[PMAX_BANDS];
    uint8_t *out;
} pack_t;

#define PB_(S, b, f) ((S)->plan[PPH + (b) * PPB + (f)])
#define P_EXISTS(S, b) PB_(S, b, 0)
#define P_BH(S, b) PB_(S, b, 1)
#define P_LINES(S, b) PB_(S, b, 2)
#define P_GW(S, b) PB_(S, b, 3)
#define P_SW(S, b) PB_(S, b, 4)
#define P_GAIN(S, b) PB_(S, b, 5)
#define P_PRIO(S, b) PB_(S, b, 6)
#define P_PKT(S, k, f) ((S)->plan[PPH + (S)->bandsAll * PPB + 3 * (k) + (f)])

ALWAYS int lines_in(const pack_t *S, int b, int py) {
    return py < S->npy - 1 ? P_LINES(S, b) : P_BH(S, b) - (S->npy - 1) * P_LINES(S, b);
}

static void truncations(const pack_t *S, int *t, int q, int r) {
    for (int b = 0; b < S->bandsAll; b++) {
        if (P_EXISTS(S, b)) {
            int v = q - P_GAIN(S, b) - (P_PRIO(S, b) < r ? 1 : 0);
            t[b] = v < 0 ? 0 : (v > 15 ? 15 : v);
        }
    }
}

ALWAYS int residuals_zero(const uint8_t *gc, int o, int n, int cnt, int t, int tt) {
    for (int i = o; i < o + cnt; i++) {
        int a = gc[i] > t ? gc[i] : t;
        int b = gc[i - n] > tt ? gc[i - n] : tt;
        if (a != b) {
            return 0;
        }
    }
    return 1;
}

/* unary codes: len - 1 ones and a zero, collected in a long (see PrecinctPacker.writeCounts) */
ALWAYS void put_unary(bw_t *w, uint64_t *acc, int *na, int len) {
    if (*na + len > 56) {
        bw_put(w, *acc, *na);
        *acc = 0;
        *na = 0;
    }
    *acc = (*acc << len) | ((1ULL << len) - 2);
    *na += len;
}

/*
 * The data sub-packet of one packet line (signs interleaved when signsHere, a constant at each call). The groups'
 * bits collect in a local accumulator that goes to the writer when the next group's would not fit in 56 bits (a
 * few groups a put at low rates instead of one), and a group without planes above t adds no bits without a branch:
 * its length is 0 and its bits and signs are masked to 0 (whether a group has planes changes from group to group
 * in runs of any length, and a branch on it was mispredicted often).
 */
/*
 * One group's data bits v (len of them: its planes above the truncation, after its 4 sign bits when signsHere)
 * into the local accumulator of write_data, or, when they would not fit in 56 bits, to the writer in two puts.
 */
ALWAYS void data_put(bw_t *w, uint64_t *dacc, int *dn, uint64_t v, int len, const int signsHere) {
    if (__builtin_expect(len > 56, 0)) {
        const int pl = signsHere ? (len - 4) >> 2 : len >> 2;
        bw_put(w, *dacc, *dn);
        *dacc = 0;
        *dn = 0;
        if (signsHere) {
            bw_put(w, v >> (4 * pl), 4);
        }
        bw_write_long(w, v & ((1ULL << (4 * pl)) - 1), 4 * pl);
        return;
    }
    if (*dn + len > 56) {
        bw_put(w, *dacc, *dn);
        *dacc = 0;
        *dn = 0;
    }
    *dacc = (*dacc << len) | v;
    *dn += len;
}

/*
 * The counts of one band line coded from zero (put_unary's codes: max(count - t, 0) ones... as len - 1 ones and a
 * zero, len = max(count - t, 0) + 1), in AVX2: an 8-group's 8 codes made side by side and joined in pairs (at most
 * 32 bits each), 4 puts into the accumulator instead of 8; the 8-groups skipped by significance as in write_precinct,
 * the last partial 8-group one count at a time.
 */
__attribute__((target("avx2"))) static void counts_line_avx2(bw_t *w, uint64_t *pacc, int *pna, const uint8_t *gc,
        const int32_t *gm, int n, int t, int sig) {
    uint64_t acc = *pacc;
    int na = *pna;
    const __m256i tv = _mm256_set1_epi32(t), one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2);
    const __m256i low32 = _mm256_set1_epi64x(0xFFFFFFFFLL);
    const int full = n & ~7;
    for (int j = 0; j < full; j += 8) {
        if (sig && gm[j >> 3] <= t) {
            continue;
        }
        int64_t g8;
        memcpy(&g8, gc + j, 8);
        const __m256i d = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(g8)), tv);
        const __m256i len = _mm256_add_epi32(_mm256_max_epi32(d, _mm256_setzero_si256()), one);
        const __m256i code = _mm256_sub_epi32(_mm256_sllv_epi32(one, len), two);
        /* pairs in 64-bit lanes: the even group's code above the odd one's */
        const __m256i ce = _mm256_and_si256(code, low32), co = _mm256_srli_epi64(code, 32);
        const __m256i le = _mm256_and_si256(len, low32), lo = _mm256_srli_epi64(len, 32);
        uint64_t pv[4], pl[4];
        _mm256_storeu_si256((__m256i *) pv, _mm256_or_si256(_mm256_sllv_epi64(ce, lo), co));
        _mm256_storeu_si256((__m256i *) pl, _mm256_add_epi64(le, lo));
        for (int k = 0; k < 4; k++) {
            const int l = (int) pl[k];
            if (na + l > 56) {
                bw_put(w, acc, na);
                acc = 0;
                na = 0;
            }
            acc = (acc << l) | pv[k];
            na += l;
        }
    }
    if (full < n && !(sig && gm[full >> 3] <= t)) {
        for (int i = full; i < n; i++) {
            int dd = gc[i] - t;
            put_unary(w, &acc, &na, (dd & ~(dd >> 31)) + 1);
        }
    }
    *pacc = acc;
    *pna = na;
}

/* 4 groups' data bits and their lengths (write_data's arithmetic, a group a 64-bit lane) */
__attribute__((target("avx2"))) static inline void data4_avx2(const uint8_t *gc, const uint64_t *wd, __m128i shift,
        __m256i tv, const int signsHere, __m256i *vOut, __m256i *lenOut) {
    int32_t g4;
    memcpy(&g4, gc, 4);
    const __m256i planes = _mm256_sub_epi64(_mm256_cvtepu8_epi64(_mm_cvtsi32_si128(g4)), tv);
    const __m256i keep = _mm256_cmpgt_epi64(planes, _mm256_setzero_si256());
    const __m256i pl4 = _mm256_slli_epi64(_mm256_and_si256(planes, keep), 2);
    const __m256i word = _mm256_loadu_si256((const __m256i *) wd);
    const __m256i bits = _mm256_and_si256(_mm256_srl_epi64(_mm256_and_si256(word,
            _mm256_set1_epi64x((long long) PLANES_MASK)), shift), keep);
    if (signsHere) {
        __m256i x = _mm256_or_si256(bits, _mm256_srli_epi64(bits, 32));
        x = _mm256_or_si256(x, _mm256_srli_epi64(x, 16));
        x = _mm256_or_si256(x, _mm256_srli_epi64(x, 8));
        x = _mm256_or_si256(x, _mm256_srli_epi64(x, 4));
        const __m256i sg = _mm256_and_si256(_mm256_srli_epi64(word, 60), x); /* nonzero4 & the signs */
        *vOut = _mm256_or_si256(_mm256_sllv_epi64(sg, pl4), bits);
        *lenOut = _mm256_and_si256(_mm256_add_epi64(pl4, _mm256_set1_epi64x(4)), keep);
    } else {
        *vOut = bits;
        *lenOut = pl4;
    }
}

/*
 * The data bits of one band line's groups [0, n) as write_data writes them, in AVX2: 8 groups of a significant
 * 8-group at once, their bits and lengths computed side by side, then joined in pairs (the first's bits above the
 * second's) so that the serial accumulator takes 4 puts instead of 8; an 8-group with a pair over 56 bits, and the
 * last, partial 8-group, go group by group.
 */
__attribute__((target("avx2,bmi2"))) static inline void data_line_avx2(bw_t *w, uint64_t *dacc, int *dn,
        const uint8_t *gc, const uint64_t *wd, const int32_t *gm, int n, int t, const int signsHere) {
    uint64_t acc = *dacc; /* in registers here (the function is not inlined into write_data) */
    int an = *dn;
    const __m128i shift = _mm_cvtsi32_si128(4 * t);
    const __m256i tv = _mm256_set1_epi64x(t), limit = _mm256_set1_epi64x(56);
    const int full = n & ~7;
    for (int j = 0; j < full; j += 8) {
        if (gm[j >> 3] <= t) {
            continue;
        }
        __m256i va, la, vb, lb;
        data4_avx2(gc + j, wd + j, shift, tv, signsHere, &va, &la);
        data4_avx2(gc + j + 4, wd + j + 4, shift, tv, signsHere, &vb, &lb);
        /* pairs (g0 g1), (g4 g5), (g2 g3), (g6 g7) */
        const __m256i vlo = _mm256_unpacklo_epi64(va, vb), vhi = _mm256_unpackhi_epi64(va, vb);
        const __m256i llo = _mm256_unpacklo_epi64(la, lb), lhi = _mm256_unpackhi_epi64(la, lb);
        const __m256i lp = _mm256_add_epi64(llo, lhi);
        if (__builtin_expect(_mm256_movemask_epi8(_mm256_cmpgt_epi64(lp, limit)) == 0, 1)) {
            uint64_t pv[4], pn[4];
            _mm256_storeu_si256((__m256i *) pv, _mm256_or_si256(_mm256_sllv_epi64(vlo, lhi), vhi));
            _mm256_storeu_si256((__m256i *) pn, lp);
            data_put(w, &acc, &an, pv[0], (int) pn[0], signsHere);
            data_put(w, &acc, &an, pv[2], (int) pn[2], signsHere);
            data_put(w, &acc, &an, pv[1], (int) pn[1], signsHere);
            data_put(w, &acc, &an, pv[3], (int) pn[3], signsHere);
        } else {
            uint64_t v8[8], l8[8];
            _mm256_storeu_si256((__m256i *) v8, va);
            _mm256_storeu_si256((__m256i *) (v8 + 4), vb);
            _mm256_storeu_si256((__m256i *) l8, la);
            _mm256_storeu_si256((__m256i *) (l8 + 4), lb);
            for (int i = 0; i < 8; i++) {
                data_put(w, &acc, &an, v8[i], (int) l8[i], signsHere);
            }
        }
    }
    if (full < n && gm[full >> 3] > t) {
        for (int i = full; i < n; i++) {
            const int planes = gc[i] - t;
            const int pl = planes & ~(planes >> 31);
            const uint64_t keep = (uint64_t) 0 - (uint64_t) (pl != 0);
            const uint64_t word = wd[i];
            const uint64_t bits = ((word & PLANES_MASK) >> (4 * t)) & keep;
            if (signsHere) {
                const uint64_t sg = (word >> 60) & (uint64_t) nonzero4(bits);
                data_put(w, &acc, &an, (sg << (4 * pl)) | bits, (4 * pl + 4) & (int) keep, 1);
            } else {
                data_put(w, &acc, &an, bits, 4 * pl, 0);
            }
        }
    }
    *dacc = acc;
    *dn = an;
}

ALWAYS void write_data(const pack_t *S, bw_t *w, int py, int line, int b0, int b1, const int *gtl, const int signsHere,
        const int vec) {
    uint64_t dacc = 0;
    int dn = 0;
    for (int b = b0; b < b1; b++) {
        if (line >= lines_in(S, b, py)) {
            continue;
        }
        const int n = P_GW(S, b);
        const int y = py * P_LINES(S, b) + line;
        const uint8_t *gc = S->gcli[b] + (size_t) y * n;
        const uint64_t *wd = S->words[b] + (size_t) y * n;
        const int32_t *gm = S->gmax[b] + (size_t) y * P_SW(S, b);
        const int t = gtl[b];
        if (vec) {
            data_line_avx2(w, &dacc, &dn, gc, wd, gm, n, t, signsHere);
            continue;
        }
        for (int j = 0; j < n; j += 8) {
            if (gm[j >> 3] <= t) {
                continue;
            }
            const int e = n < j + 8 ? n : j + 8;
            for (int i = j; i < e; i++) {
                const int planes = gc[i] - t;
                const int pl = planes & ~(planes >> 31); /* max(planes, 0) */
                const uint64_t keep = (uint64_t) 0 - (uint64_t) (pl != 0);
                const uint64_t word = wd[i];
                const uint64_t bits = ((word & PLANES_MASK) >> (4 * t)) & keep;
                uint64_t v;
                int len;
                if (signsHere) {
                    const uint64_t sg = (word >> 60) & (uint64_t) nonzero4(bits);
                    len = (4 * pl + 4) & (int) keep;
                    v = (sg << ((len - 4) & 63)) | bits; /* sg << 4 * planes; 0 when len is 0 */
                } else {
                    len = 4 * pl;
                    v = bits;
                }
                if (__builtin_expect(len > 56, 0)) {
                    bw_put(w, dacc, dn);
                    dacc = 0;
                    dn = 0;
                    if (signsHere) {
                        bw_put(w, v >> (4 * pl), 4);
                    }
                    bw_write_long(w, bits, 4 * pl);
                    continue;
                }
                if (dn + len > 56) {
                    bw_put(w, dacc, dn);
                    dacc = 0;
                    dn = 0;
                }
                dacc = (dacc << len) | v;
                dn += len;
            }
        }
    }
    bw_put(w, dacc, dn);
}

/* Writes precinct py as planned; returns the bytes written (without padding), or -1 if this code cannot. */
ALWAYS long write_precinct(const pack_t *S, int py, const int vec) {
    int gtl[PMAX_BANDS], top[PMAX_BANDS];
    truncations(S, gtl, S->planQ[py], S->planR[py]);
    if (S->vpred != 0 && py > 0) {
        truncations(S, top, S->planQ[py - 1], S->planR[py - 1]);
    } else {
        memset(top, 0, sizeof(int) * (size_t) S->bandsAll);
    }
    const long p = S->planOffset[py];
    bw_t W = {S->out, p, p + S->planPadded[py], 0, 0, 0};
    bw_t *w = &W;
    const int sigAt = py * S->bandsAll;
    bw_write(w, (uint32_t) (S->planPadded[py] - S->phb), 24);
    bw_write(w, (uint32_t) S->planQ[py], 8);
    bw_write(w, (uint32_t) S->planR[py], 8);
    for (int b = 0; b < S->bandsAll; b++) {
        if (P_EXISTS(S, b)) {
            bw_write(w, (uint32_t) S->planMode[sigAt + b], 2);
        }
    }
    bw_align(w);
    for (int k = 0; k < S->nPackets; k++) {
        const int pk = py * S->nPackets + k;
        if (S->pktData[pk] < 0) {
            continue;
        }
        const int line = P_PKT(S, k, 0), b0 = P_PKT(S, k, 1), b1 = P_PKT(S, k, 2);
        const int raw = S->pktRaw[pk] != 0;
        bw_write(w, raw, 1);
        if (S->longHdr) {
            bw_write(w, (uint32_t) S->pktData[pk], 20);
            bw_write(w, (uint32_t) S->pktCnt[pk], 20);
            bw_write(w, (uint32_t) S->pktSign[pk], 15);
        } else {
            bw_write(w, (uint32_t) S->pktData[pk], 15);
            bw_write(w, (uint32_t) S->pktCnt[pk], 13);
            bw_write(w, (uint32_t) S->pktSign[pk], 11);
        }
        if (raw) {
            for (int b = b0; b < b1; b++) {
                if (line < lines_in(S, b, py)) {
                    const int n = P_GW(S, b);
                    const uint8_t *gc = S->gcli[b] + (size_t) (py * P_LINES(S, b) + line) * n;
                    int i = 0;
                    for (; i + 8 <= n; i += 8) {
                        uint32_t v = 0;
                        for (int q = 0; q < 8; q++) {
                            v = (v << 4) | (gc[i + q] & 0xF);
                        }
                        bw_write(w, v, 32);
                    }
                    for (; i < n; i++) {
                        bw_write(w, gc[i], 4);
                    }
                }
            }
            bw_align(w);
        } else {
            for (int b = b0; b < b1; b++) {
                const int d = S->planMode[sigAt + b];
                if ((d & 2) != 0 && line < lines_in(S, b, py)) {
                    const int n = P_GW(S, b);
                    const int y = py * P_LINES(S, b) + line;
                    const uint8_t *gc = S->gcli[b];
                    const int t = gtl[b];
                    if (d == 3 && S->rm == 0) {
                        if (y == 0) {
                            return -1;
                        }
                        const int tt = line == 0 ? (t > top[b] ? t : top[b]) : t;
                        uint64_t fl = 0; /* the flags collect in a long, 56 a put (a put a flag before) */
                        int nf = 0;
                        for (int j = 0; j < n; j += 8) {
                            fl = (fl << 1) | (uint64_t) residuals_zero(gc, y * n + j, n, n - j < 8 ? n - j : 8, t, tt);
                            if (++nf == 56) {
                                bw_put(w, fl, 56);
                                fl = 0;
                                nf = 0;
                            }
                        }
                        bw_put(w, fl, nf);
                    } else {
                        const int32_t *gm = S->gmax[b] + (size_t) y * P_SW(S, b);
                        uint64_t fl = 0;
                        int nf = 0;
                        for (int j = 0; j < P_SW(S, b); j++) {
                            fl = (fl << 1) | (uint64_t) (gm[j] <= t);
                            if (++nf == 56) {
                                bw_put(w, fl, 56);
                                fl = 0;
                                nf = 0;
                            }
                        }
                        bw_put(w, fl, nf);
                    }
                }
            }
            bw_align(w);
            for (int b = b0; b < b1; b++) {
                if (line >= lines_in(S, b, py)) {
                    continue;
                }
                const int d = S->planMode[sigAt + b];
                const int n = P_GW(S, b);
                const int y = py * P_LINES(S, b) + line;
                const uint8_t *gc = S->gcli[b] + (size_t) y * n;
                const int32_t *gm = S->gmax[b] + (size_t) y * P_SW(S, b);
                const int t = gtl[b];
                uint64_t acc = 0;
                int na = 0;
                if ((d & 1) == 0 && vec) {
                    counts_line_avx2(w, &acc, &na, gc, gm, n, t, d != 0);
                } else if ((d & 1) == 0) { /* from zero, insignificant 8-groups skipped with sig */
                    const int sig = d != 0;
                    for (int j = 0; j < n; j += 8) {
                        if (sig && gm[j >> 3] <= t) {
                            continue;
                        }
                        const int e = n < j + 8 ? n : j + 8;
                        for (int i = j; i < e; i++) {
                            int dd = gc[i] - t;
                            put_unary(w, &acc, &na, (dd & ~(dd >> 31)) + 1);
                        }
                    }
                } else { /* vertically predicted from the row above */
                    if (y == 0) {
                        return -1;
                    }
                    const int tt = line == 0 ? (t > top[b] ? t : top[b]) : t;
                    const int sig = d == 3;
                    const uint8_t *above = gc - n;
                    for (int j = 0; j < n; j += 8) {
                        const int e = n < j + 8 ? n : j + 8;
                        if (sig && (S->rm == 0 ? residuals_zero(gc, j, n, e - j, t, tt) : gm[j >> 3] <= t)) {
                            continue;
                        }
                        for (int i = j; i < e; i++) {
                            int tp = above[i] > tt ? above[i] : tt;
                            int cur = gc[i] > t ? gc[i] : t;
                            put_unary(w, &acc, &na, vpred_symbol(cur - tp, tp - t) + 1);
                        }
                    }
                }
                bw_put(w, acc, na);
            }
            bw_align(w);
        }
        const int signsHere = S->signs == 0;
        if (signsHere) {
            write_data(S, w, py, line, b0, b1, gtl, 1, vec);
        } else {
            write_data(S, w, py, line, b0, b1, gtl, 0, vec);
        }
        bw_align(w);
        if (!signsHere) {
            for (int b = b0; b < b1; b++) {
                if (line >= lines_in(S, b, py)) {
                    continue;
                }
                const int n = P_GW(S, b);
                const int y = py * P_LINES(S, b) + line;
                const uint8_t *gc = S->gcli[b] + (size_t) y * n;
                const uint64_t *wd = S->words[b] + (size_t) y * n;
                const int t = gtl[b];
                for (int i = 0; i < n; i++) {
                    if (gc[i] <= t) {
                        continue;
                    }
                    const uint64_t word = wd[i];
                    const int nz = nonzero4((word & PLANES_MASK) >> (4 * t));
                    const int neg = (int) (word >> 60);
                    for (int j = 0; j < 4; j++) {
                        if (nz & (8 >> j)) {
                            bw_write(w, (uint32_t) ((neg >> (3 - j)) & 1), 1);
                        }
                    }
                }
            }
            bw_align(w);
        }
    }
    long end = bw_align(w);
    if (w->overflow) {
        return -1;
    }
    return end - p;
}

/* precincts py0..py1-1; returns how many were written as planned (the caller writes the rest in Java) */
ALWAYS int pack_range(const pack_t *S, int py0, int py1, const int vec) {
    for (int py = py0; py < py1; py++) {
        long n = write_precinct(S, py, vec);
        if (n < 0 || n != S->planSize[py]) {
            return py - py0;
        }
        memset(S->out + S->planOffset[py] + n, 0, (size_t) (S->planPadded[py] - n));
    }
    return py1 - py0;
}

static int pack_scalar(const pack_t *S, int py0, int py1) {
    return pack_range(S, py0, py1, 0);
}

__attribute__((target("sse4.1"))) static int pack_sse41(const pack_t *S, int py0, int py1) {
    return pack_range(S, py0, py1, 0);
}

__attribute__((target("avx2,bmi2"))) static int pack_avx2(const pack_t *S, int py0, int py1) {
    return pack_range(S, py0, py1, 1);
}

/*
 * packPrecincts(isa, byte[] out, py0, py1, int[] plan, int[] planQ, int[] planR, int[] planPadded, int[] planOffset,
 *               int[] planSize, byte[] planMode, int[] pktData, int[] pktCnt, int[] pktSign, boolean[] pktRaw,
 *               byte[][] gcli, int[][] gmax, long[][] words)
 *   -> how many of the precincts py0.. were written (each at planOffset, padded with zeros to planPadded; the
 *      caller writes the others in Java), or a negative E_ERR_* (nothing written).
 * gcli, gmax, words: per global band (null where the band does not exist).
 */
JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_packPrecincts(JNIEnv *env, jclass cls, jint isa,
        jbyteArray out, jint py0, jint py1, jintArray plan, jintArray planQ, jintArray planR, jintArray planPadded,
        jintArray planOffset, jintArray planSize, jbyteArray planMode, jintArray pktData, jintArray pktCnt,
        jintArray pktSign, jbooleanArray pktRaw, jobjectArray gcli, jobjectArray gmax, jobjectArray words) {
    (void) cls;
    if (isa < E_ISA_SCALAR || isa > enc_best_isa || out == NULL || plan == NULL || planQ == NULL || planR == NULL
            || planPadded == NULL || planOffset == NULL || planSize == NULL || planMode == NULL || pktData == NULL
            || pktCnt == NULL || pktSign == NULL || pktRaw == NULL || gcli == NULL || gmax == NULL || words == NULL) {
        return E_ERR_ARGS;
    }
    long planLen = (*env)->GetArrayLength(env, plan);
    if (planLen < PPH) {
        return E_ERR_ARGS;
    }
    jint hdr[PPH];
    (*env)->GetIntArrayRegion(env, plan, 0, PPH, hdr);
    const int bandsAll = hdr[0], nPackets = hdr[1], npy = hdr[2];
    if (bandsAll < 1 || bandsAll > PMAX_BANDS || nPackets < 1 || nPackets > 4096 || npy < 1 || hdr[3] < 0
            || py0 < 0 || py1 > npy || py0 > py1 || planLen < PPH + (long) bandsAll * PPB + 3L * nPackets) {
        return E_ERR_ARGS;
    }
    if ((*env)->GetArrayLength(env, planQ) < npy || (*env)->GetArrayLength(env, planR) < npy
            || (*env)->GetArrayLength(env, planPadded) < npy || (*env)->GetArrayLength(env, planOffset) < npy
            || (*env)->GetArrayLength(env, planSize) < npy
            || (*env)->GetArrayLength(env, planMode) < (long) npy * bandsAll
            || (*env)->GetArrayLength(env, pktData) < (long) npy * nPackets
            || (*env)->GetArrayLength(env, pktCnt) < (long) npy * nPackets
            || (*env)->GetArrayLength(env, pktSign) < (long) npy * nPackets
            || (*env)->GetArrayLength(env, pktRaw) < (long) npy * nPackets
            || (*env)->GetArrayLength(env, gcli) < bandsAll || (*env)->GetArrayLength(env, gmax) < bandsAll
            || (*env)->GetArrayLength(env, words) < bandsAll) {
        return E_ERR_ARGS;
    }
    if ((*env)->EnsureLocalCapacity(env, 3 * bandsAll + 16) != 0) {
        (*env)->ExceptionClear(env);
        return E_ERR_NOMEM;
    }
    pack_t S;
    memset(&S, 0, sizeof S);
    int32_t *pl = malloc((size_t) planLen * sizeof(int32_t));
    if (pl == NULL) {
        return E_ERR_NOMEM;
    }
    (*env)->GetIntArrayRegion(env, plan, 0, (jsize) planLen, pl);
    S.plan = pl;
    S.bandsAll = bandsAll;
    S.nPackets = nPackets;
    S.npy = npy;
    S.phb = hdr[3];
    S.longHdr = hdr[4] != 0;
    S.signs = hdr[5];
    S.rm = hdr[6];
    S.vpred = hdr[7];
    int rc = 0;
    /* the bands: sizes that add up, arrays that hold them */
    jarray ag[PMAX_BANDS], am[PMAX_BANDS], aw[PMAX_BANDS];
    memset(ag, 0, sizeof ag);
    memset(am, 0, sizeof am);
    memset(aw, 0, sizeof aw);
    for (int b = 0; b < bandsAll && rc == 0; b++) {
        if (!P_EXISTS(&S, b)) {
            continue;
        }
        long bh = P_BH(&S, b), lines = P_LINES(&S, b), gw = P_GW(&S, b), sw = P_SW(&S, b);
        if (bh < 1 || lines < 1 || gw < 1 || sw != (gw + 7) >> 3 || bh > (long) npy * lines
                || bh < (long) (npy - 1) * lines) {
            rc = E_ERR_ARGS;
            break;
        }
        ag[b] = (*env)->GetObjectArrayElement(env, gcli, b);
        am[b] = (*env)->GetObjectArrayElement(env, gmax, b);
        aw[b] = (*env)->GetObjectArrayElement(env, words, b);
        if (ag[b] == NULL || am[b] == NULL || aw[b] == NULL || (*env)->GetArrayLength(env, ag[b]) < gw * bh
                || (*env)->GetArrayLength(env, am[b]) < sw * bh || (*env)->GetArrayLength(env, aw[b]) < gw * bh) {
            rc = E_ERR_ARGS;
        }
    }
    for (int k = 0; k < nPackets && rc == 0; k++) {
        int line = P_PKT(&S, k, 0), b0 = P_PKT(&S, k, 1), b1 = P_PKT(&S, k, 2);
        if (line < 0 || b0 < 0 || b1 > bandsAll || b0 > b1) {
            rc = E_ERR_ARGS;
            break;
        }
        for (int b = b0; b < b1; b++) {
            if (!P_EXISTS(&S, b)) {
                rc = E_ERR_ARGS;
                break;
            }
        }
    }
    /* the precincts' ranges lie in out */
    if (rc == 0 && py1 > py0) {
        long outLen = (*env)->GetArrayLength(env, out);
        jint off[1], pad[1];
        for (int py = py0; py < py1 && rc == 0; py++) {
            (*env)->GetIntArrayRegion(env, planOffset, py, 1, off);
            (*env)->GetIntArrayRegion(env, planPadded, py, 1, pad);
            if (off[0] < 0 || pad[0] < S.phb || pad[0] < 1 || (long) off[0] + pad[0] > outLen) {
                rc = E_ERR_ARGS;
            }
        }
    }
    int done = 0;
    if (rc == 0 && py1 > py0) {
        void *pg[PMAX_BANDS], *pm[PMAX_BANDS], *pw[PMAX_BANDS];
        memset(pg, 0, sizeof pg);
        memset(pm, 0, sizeof pm);
        memset(pw, 0, sizeof pw);
        jarray small[10] = {planQ, planR, planPadded, planOffset, planSize, planMode, pktData, pktCnt, pktSign,
                pktRaw};
        void *ps[10];
        memset(ps, 0, sizeof ps);
        void *po = NULL;
        int ok = 1;
        for (int i = 0; i < 10 && ok; i++) {
            ps[i] = (*env)->GetPrimitiveArrayCritical(env, small[i], NULL);
            ok = ps[i] != NULL;
        }
        for (int b = 0; b < bandsAll && ok; b++) {
            if (ag[b] == NULL) {
                continue;
            }
            pg[b] = (*env)->GetPrimitiveArrayCritical(env, ag[b], NULL);
            pm[b] = pg[b] != NULL ? (*env)->GetPrimitiveArrayCritical(env, am[b], NULL) : NULL;
            pw[b] = pm[b] != NULL ? (*env)->GetPrimitiveArrayCritical(env, aw[b], NULL) : NULL;
            ok = pw[b] != NULL;
        }
        if (ok) {
            /* other threads write other parts of out meanwhile */
            po = pin_in_place(env, out);
            ok = po != NULL;
        }
        if (ok) {
            S.planQ = ps[0];
            S.planR = ps[1];
            S.planPadded = ps[2];
            S.planOffset = ps[3];
            S.planSize = ps[4];
            S.planMode = ps[5];
            S.pktData = ps[6];
            S.pktCnt = ps[7];
            S.pktSign = ps[8];
            S.pktRaw = ps[9];
            for (int b = 0; b < bandsAll; b++) {
                S.gcli[b] = pg[b];
                S.gmax[b] = pm[b];
                S.words[b] = pw[b];
            }
            S.out = po;
            if (isa >= E_ISA_AVX2) { /* AVX-512: the AVX2 code */
                done = pack_avx2(&S, py0, py1);
            } else if (isa == E_ISA_SSE41) {
                done = pack_sse41(&S, py0, py1);
            } else {
                done = pack_scalar(&S, py0, py1);
            }
        } else {
            rc = E_ERR_PIN;
        }
        if (po != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, out, po, 0);
        }
        for (int b = bandsAll - 1; b >= 0; b--) {
            if (pw[b] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, aw[b], pw[b], JNI_ABORT);
            }
            if (pm[b] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, am[b], pm[b], JNI_ABORT);
            }
            if (pg[b] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, ag[b], pg[b], JNI_ABORT);
            }
        }
        for (int i = 9; i >= 0; i--) {
            if (ps[i] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, small[i], ps[i], JNI_ABORT);
            }
        }
    }
    delete_refs(env, ag, am, aw, bandsAll);
    free(pl);
    return rc != 0 ? rc : done;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Part 3: the rate control (RateControl.planAll / planPrecinct / precinctSize / buildCosts / fillCosts /
 * vpredCosts): for each precinct the smallest quantization Q that fits its byte budget (searched from the previous
 * precinct's Q), then the largest refinement R that still fits, the coding mode of every band and the packets'
 * sizes, from the row statistics the wavelet wrote; the SLH markers of the slices it starts. The same integer
 * arithmetic and the same search as the Java code, so the same decisions. Uniform quantization with separate signs
 * (the sign costs need the coefficients) is left to the Java path.
 *
 * The rate-control plan (an int[] the encoder builds once, see RateControl.nativePlan):
 *   [0] bandsAll [1] nPackets [2] npy [3] precinct header bytes [4] long packet headers [5] Fs [6] Rm [7] vpred
 *   [8] significance coding allowed [9] statistics hold the bit lengths [10] hSize [11] statRows [12] maxQ [13] maxR
 *   [14] precincts per slice (hsl) [15] 0
 *   then per band (RPB ints): exists, bH, lines per precinct, gw, sw, gain, priority, first statistics row
 *   then per packet: line, first band, end band
 * The running state (a long[]): [0] p, the next byte of out [1] bytes used by the precincts so far [2] Q of the last
 * precinct [3] bytes available to all precincts [4] off, the codestream's first byte in out [5] Lcod.
 */
#define RPH 16
#define RPB 8
#define RC_COSTS 96

typedef struct {
    const int32_t *plan;
    int bandsAll, nPackets, npy, phb, longHdr, signs, rm, vpred, sig, statsBits, hSize, statRows, maxQ, maxR, hsl;
    const uint16_t *stats;
    const uint8_t *gcli[PMAX_BANDS];
    const int32_t *gmax[PMAX_BANDS];
    int32_t *planQ, *planR, *planSize, *planPadded, *planOffset, *pktData, *pktCnt, *pktSign;
    int8_t *planMode;
    uint8_t *pktRaw;
    uint8_t *out;
    /* working state: the cost tables of the precinct's band lines (RC_COSTS ints each, as RateControl's costs) */
    int32_t *costs;
    int costAt[PMAX_BANDS];
    int gtl[PMAX_BANDS], prevGtl[PMAX_BANDS], modeOf[PMAX_BANDS], vpOk[PMAX_BANDS], lines[PMAX_BANDS];
    /*
     * The size of the precinct for the current gtl kept up to date band by band (a probe that changes a few bands'
     * truncation, as most of the search for R does, costs those bands only): every band line's part of its packet
     * (lineAt, by the band line's index in costs), the packet of every band line (pktOf, -1: none), every packet's
     * sums (pktSum: significance flags, count, data and sign bits, 5 a packet with the raw counts' bits) and
     * whether it has lines in this precinct (pktAny).
     */
    int32_t *lineAt;
    int32_t *pktOf;
    int64_t *pktSum;
    uint8_t *pktAny;
} rc_t;

#define RB_(R, b, f) ((R)->plan[RPH + (b) * RPB + (f)])
#define R_EXISTS(R, b) RB_(R, b, 0)
#define R_BH(R, b) RB_(R, b, 1)
#define R_LINES(R, b) RB_(R, b, 2)
#define R_GW(R, b) RB_(R, b, 3)
#define R_SW(R, b) RB_(R, b, 4)
#define R_GAIN(R, b) RB_(R, b, 5)
#define R_PRIO(R, b) RB_(R, b, 6)
#define R_STATBASE(R, b) RB_(R, b, 7)
#define R_PKT(R, k, f) ((R)->plan[RPH + (R)->bandsAll * RPB + 3 * (k) + (f)])

ALWAYS int rc_lines_in(const rc_t *R, int b, int py) {
    return py < R->npy - 1 ? R_LINES(R, b) : R_BH(R, b) - (R->npy - 1) * R_LINES(R, b);
}

/* RateControl.fillCosts: the costs of a band row for all 16 truncations from its statistics row st */
ALWAYS void rc_fill_costs(const rc_t *R, int b, const uint16_t *st, int32_t *m) {
    const int n = R_GW(R, b), sw = R_SW(R, b);
    const int signBits = R->signs == 0 ? 4 : 0;
    int above = 0, excess = 0, sigGroups = 0, signs = 0;
    for (int t = 15; t >= 0; t--) {
        if (t < 15) {
            above += st[H_GCLI + t + 1];
            sigGroups += st[H_GMAX + t + 1];
            if (R->statsBits) {
                signs += st[H_BITS + t + 1];
            }
        }
        excess += above;
        m[t] = n + excess;
        m[16 + t] = sw + excess + sigGroups;
        m[32 + t] = 4 * excess + signBits * above;
        m[48 + t] = signs;
    }
}

/* RateControl.buildCosts */
ALWAYS void rc_build_costs(rc_t *R, int py) {
    const int vp = R->vpred != 0 && py % R->hsl != 0;
    for (int b = 0; b < R->bandsAll; b++) {
        if (!R_EXISTS(R, b)) {
            R->lines[b] = 0;
            continue;
        }
        const int lines = rc_lines_in(R, b, py);
        R->lines[b] = lines;
        R->vpOk[b] = vp;
        for (int l = 0; l < lines; l++) {
            int32_t *m = R->costs + (size_t) (R->costAt[b] + l) * RC_COSTS;
            const uint16_t *st = R->stats + ((size_t) py * R->statRows + R_STATBASE(R, b) + l) * R->hSize;
            rc_fill_costs(R, b, st, m);
            if (vp) {
                for (int i = 64; i < 96; i++) {
                    m[i] = -1;
                }
            }
        }
    }
}

/* RateControl.vpredCosts: the counts' bits of band row y predicted from the row above (truncation tTop) */
static void rc_vpred_costs(const rc_t *R, int b, int y, int t, int tTop, int32_t *m) {
    const uint8_t *gc = R->gcli[b];
    const int n = R_GW(R, b);
    const int base = y * n, up = base - n;
    const int tt = t > tTop ? t : tTop;
    const int32_t *gm = R->gmax[b];
    const int mo = y * R_SW(R, b);
    int plain = 0, sig = R_SW(R, b);
    for (int j = 0; j < n; j += 8) {
        const int e = n < j + 8 ? n : j + 8;
        int bits = 0, any = 0;
        for (int i = j; i < e; i++) {
            int top = gc[up + i] > tt ? gc[up + i] : tt;
            int thr = top - t;
            int d = (gc[base + i] > t ? gc[base + i] : t) - top;
            int x = d > thr ? d + thr : (d << 1) ^ (d >> 31);
            bits += x + 1;
            any |= x;
        }
        plain += bits;
        if (R->rm == 0 ? any != 0 : gm[mo + (j >> 3)] > t) {
            sig += bits;
        }
    }
    m[64 + t] = plain;
    m[80 + t] = sig;
}

/* RateControl.countBits */
ALWAYS int rc_count_bits(const rc_t *R, int b, int py, int l, int d, int t) {
    int32_t *m = R->costs + (size_t) (R->costAt[b] + l) * RC_COSTS;
    if ((d & 1) == 0) {
        return m[((d & 2) << 3) + t];
    }
    const int k = 64 + ((d & 2) << 3) + t;
    if (m[k] < 0) {
        rc_vpred_costs(R, b, py * R_LINES(R, b) + l, t, l == 0 ? R->prevGtl[b] : t, m);
    }
    return m[k];
}

/* RateControl.precinctSize's choice of the coding mode of band b for its current truncation */
ALWAYS int rc_band_mode(const rc_t *R, int b, int py) {
    const int lines = R->lines[b];
    int mode = 0;
    if (lines > 0 && (R->sig || R->vpOk[b])) {
        int64_t a = 0, s = 0;
        const int t = R->gtl[b];
        for (int l = 0; l < lines; l++) {
            const int32_t *m = R->costs + (size_t) (R->costAt[b] + l) * RC_COSTS;
            a += m[t];
            s += m[16 + t];
        }
        int64_t best = a;
        if (R->sig && s < a) {
            mode = 2;
            best = s;
        }
        if (R->vpOk[b]) {
            int64_t va = 0, vs = 0;
            for (int l = 0; l < lines; l++) {
                va += rc_count_bits(R, b, py, l, 1, t);
                if (R->sig) {
                    vs += rc_count_bits(R, b, py, l, 3, t);
                }
            }
            if (va < best) {
                mode = 1;
                best = va;
            }
            if (R->sig && vs < best) {
                mode = 3;
            }
        }
    }
    return mode;
}

/* adds (sign 1) or takes away (-1) the parts of band b's lines in their packets' sums */
ALWAYS void rc_band_sums(rc_t *R, int b, int sign) {
    for (int l = 0; l < R->lines[b]; l++) {
        const int i = R->costAt[b] + l;
        const int k = R->pktOf[i];
        if (k >= 0) {
            const int32_t *c = R->lineAt + 4 * (size_t) i;
            int64_t *ps = R->pktSum + 5 * (size_t) k;
            ps[0] += sign * c[0];
            ps[1] += sign * c[1];
            ps[2] += sign * c[2];
            ps[3] += sign * c[3];
        }
    }
}

/* band b's mode and its lines' parts (significance flags, count, data and sign bits) for its current truncation */
ALWAYS void rc_band_eval(rc_t *R, int b, int py) {
    const int d = rc_band_mode(R, b, py);
    R->modeOf[b] = d;
    const int t = R->gtl[b], sw = R_SW(R, b);
    for (int l = 0; l < R->lines[b]; l++) {
        const int i = R->costAt[b] + l;
        const int32_t *m = R->costs + (size_t) i * RC_COSTS;
        int32_t *c = R->lineAt + 4 * (size_t) i;
        const int cnt = rc_count_bits(R, b, py, l, d, t);
        c[0] = (d & 2) != 0 ? sw : 0;
        c[1] = (d & 2) != 0 ? cnt - sw : cnt;
        c[2] = m[32 + t];
        c[3] = R->signs != 0 ? m[48 + t] : 0;
    }
}

/* the truncations of (q, r); only the bands whose truncation changes are evaluated again (all when full) */
ALWAYS void rc_set(rc_t *R, int py, int q, int r, int full) {
    if (full) {
        memset(R->pktSum, 0, sizeof(int64_t) * 5 * (size_t) R->nPackets);
        for (int k = 0; k < R->nPackets; k++) {
            int64_t raw = 0;
            int any = 0;
            const int line = R_PKT(R, k, 0);
            for (int b = R_PKT(R, k, 1); b < R_PKT(R, k, 2); b++) {
                if (line < R->lines[b]) {
                    any = 1;
                    raw += 4LL * R_GW(R, b);
                }
            }
            R->pktAny[k] = (uint8_t) any;
            R->pktSum[5 * (size_t) k + 4] = raw;
        }
    }
    for (int b = 0; b < R->bandsAll; b++) {
        if (!R_EXISTS(R, b)) {
            continue;
        }
        int v = q - R_GAIN(R, b) - (R_PRIO(R, b) < r ? 1 : 0);
        v = v < 0 ? 0 : (v > 15 ? 15 : v);
        if (full || v != R->gtl[b]) {
            if (!full) {
                rc_band_sums(R, b, -1);
            }
            R->gtl[b] = v;
            rc_band_eval(R, b, py);
            rc_band_sums(R, b, 1);
        }
    }
}

/*
 * RateControl.precinctSize for the current truncations, from the packets' sums: bytes, or -1 if a field overflows;
 * the packets recorded when record
 */
ALWAYS int64_t rc_size(rc_t *R, int py, int record) {
    int64_t total = R->phb;
    const int hdr = R->longHdr ? 7 : 5;
    const int64_t maxData = R->longHdr ? (1 << 20) - 1 : (1 << 15) - 1;
    const int64_t maxGcli = R->longHdr ? (1 << 20) - 1 : (1 << 13) - 1;
    const int64_t maxSign = R->longHdr ? (1 << 15) - 1 : (1 << 11) - 1;
    const int pk = py * R->nPackets;
    for (int k = 0; k < R->nPackets; k++) {
        if (!R->pktAny[k]) {
            if (record) {
                R->pktData[pk + k] = -1;
            }
            continue;
        }
        const int64_t *ps = R->pktSum + 5 * (size_t) k;
        const int64_t coded = ((ps[0] + 7) >> 3) + ((ps[1] + 7) >> 3);
        const int64_t raw = (ps[4] + 7) >> 3;
        const int useRaw = raw < coded;
        const int64_t counts = useRaw ? raw : coded;
        const int64_t cntField = useRaw ? raw : (ps[1] + 7) >> 3;
        const int64_t data = (ps[2] + 7) >> 3;
        const int64_t sign = (ps[3] + 7) >> 3;
        if (data > maxData || cntField > maxGcli || sign > maxSign) {
            return -1;
        }
        if (record) {
            R->pktRaw[pk + k] = (uint8_t) useRaw;
            R->pktData[pk + k] = (int32_t) data;
            R->pktCnt[pk + k] = (int32_t) cntField;
            R->pktSign[pk + k] = (int32_t) sign;
        }
        total += hdr + counts + data + sign;
    }
    return total;
}

ALWAYS int64_t rc_probe(rc_t *R, int py, int q, int r) {
    rc_set(R, py, q, r, 0);
    return rc_size(R, py, 0);
}

/*
 * RateControl.planPrecinct: Q and R of precinct py for the budget, its plan recorded (sizes, modes, packets); 0,
 * or -1 where the Java code throws (the precinct does not fit the packet fields or Lprc): the caller stops there.
 */
ALWAYS int rc_plan_precinct(rc_t *R, int py, int64_t budget, int last, int lastQ) {
    rc_build_costs(R, py);
    int q = lastQ < 0 ? 0 : (lastQ > R->maxQ ? R->maxQ : lastQ);
    rc_set(R, py, q, 0, 1);
    int64_t size = rc_size(R, py, 0);
    if (size >= 0 && size <= budget) {
        while (q > 0) {
            int64_t s = rc_probe(R, py, q - 1, 0);
            if (s < 0 || s > budget) {
                break;
            }
            q--;
            size = s;
        }
    } else {
        for (q++; q <= R->maxQ; q++) {
            size = rc_probe(R, py, q, 0);
            if (size >= 0 && size <= budget) {
                break;
            }
        }
    }
    if (q > R->maxQ) {
        q = R->maxQ;
        size = rc_probe(R, py, q, 0);
        if (size < 0) {
            return -1;
        }
    }
    int r = 0;
    if (q > 0 && size <= budget) {
        int lo = 0, hi = R->maxR + 1;
        while (hi - lo > 1) {
            int mid = (int) (((unsigned) lo + (unsigned) hi) >> 1);
            int64_t s = rc_probe(R, py, q, mid);
            if (s >= 0 && s <= budget) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        r = lo;
    }
    rc_set(R, py, q, r, 0);
    size = rc_size(R, py, 1);
    if (size < 0) {
        return -1;
    }
    const int64_t padded = last ? (size > budget ? size : budget) : size;
    if (padded - R->phb > 0xFFFFF) {
        return -1;
    }
    R->planQ[py] = q;
    R->planR[py] = r;
    R->planSize[py] = (int32_t) size;
    R->planPadded[py] = (int32_t) padded;
    for (int b = 0; b < R->bandsAll; b++) {
        R->planMode[py * R->bandsAll + b] = (int8_t) (R->lines[b] > 0 ? R->modeOf[b] : 0);
    }
    return 0;
}

/*
 * RateControl.planAll for precincts py0..py1-1 from the running state st (see above), written back after every
 * precinct planned; the SLH marker of every slice started. Returns how many were planned: it stops where the Java
 * code would throw (the caller runs the Java code from there, which throws), with the state of the last one.
 */
ALWAYS int rc_plan_range(rc_t *R, int64_t *st, int py0, int py1) {
    int64_t p = st[0], used = st[1];
    int lastQ = (int) st[2];
    const int64_t available = st[3], off = st[4], lcod = st[5];
    int py = py0;
    for (; py < py1; py++) {
        int64_t at = p;
        if (py % R->hsl == 0) {
            if (at + 8 - off > lcod) {
                break;
            }
            const int s = py / R->hsl;
            uint8_t *o = R->out + at;
            o[0] = 0xFF;
            o[1] = 0x20;
            o[2] = 0;
            o[3] = 4;
            o[4] = (uint8_t) (s >> 8);
            o[5] = (uint8_t) s;
            at += 6;
        }
        const int64_t target = available * (py + 1) / R->npy;
        if (rc_plan_precinct(R, py, target - used, py == R->npy - 1, lastQ) != 0) {
            break;
        }
        const int padded = R->planPadded[py];
        if (at + padded - off > lcod) {
            break;
        }
        R->planOffset[py] = (int32_t) at;
        used += padded;
        p = at + padded;
        lastQ = R->planQ[py];
        memcpy(R->prevGtl, R->gtl, sizeof(int) * (size_t) R->bandsAll);
    }
    st[0] = p;
    st[1] = used;
    st[2] = lastQ;
    return py - py0;
}

static int rc_scalar(rc_t *R, int64_t *st, int py0, int py1) {
    return rc_plan_range(R, st, py0, py1);
}

__attribute__((target("sse4.1"))) static int rc_sse41(rc_t *R, int64_t *st, int py0, int py1) {
    return rc_plan_range(R, st, py0, py1);
}

__attribute__((target("avx2,bmi2"))) static int rc_avx2(rc_t *R, int64_t *st, int py0, int py1) {
    return rc_plan_range(R, st, py0, py1);
}

/*
 * planPrecincts(isa, int[] plan, long[] state, py0, py1, byte[] out, char[] stats, byte[][] gcli, int[][] gmax,
 *               int[] prevGtl, int[] planQ, int[] planR, int[] planSize, int[] planPadded, int[] planOffset,
 *               byte[] planMode, int[] pktData, int[] pktCnt, int[] pktSign, boolean[] pktRaw)
 *   -> how many of the precincts py0.. were planned (state, prevGtl and the plan arrays updated up to the last of
 *      them, the SLH markers written; the caller plans the others in Java), or a negative E_ERR_* (nothing written).
 * gcli, gmax: per global band (null where none), read with vertical prediction only (may be null without).
 */
JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_planPrecincts(JNIEnv *env, jclass cls, jint isa,
        jintArray plan, jlongArray state, jint py0, jint py1, jbyteArray out, jcharArray stats, jobjectArray gcli,
        jobjectArray gmax, jintArray prevGtl, jintArray planQ, jintArray planR, jintArray planSize,
        jintArray planPadded, jintArray planOffset, jbyteArray planMode, jintArray pktData, jintArray pktCnt,
        jintArray pktSign, jbooleanArray pktRaw) {
    (void) cls;
    if (isa < E_ISA_SCALAR || isa > enc_best_isa || plan == NULL || state == NULL || out == NULL || stats == NULL
            || prevGtl == NULL || planQ == NULL || planR == NULL || planSize == NULL || planPadded == NULL
            || planOffset == NULL || planMode == NULL || pktData == NULL || pktCnt == NULL || pktSign == NULL
            || pktRaw == NULL) {
        return E_ERR_ARGS;
    }
    long planLen = (*env)->GetArrayLength(env, plan);
    if (planLen < RPH || (*env)->GetArrayLength(env, state) < 6) {
        return E_ERR_ARGS;
    }
    jint hdr[RPH];
    (*env)->GetIntArrayRegion(env, plan, 0, RPH, hdr);
    const int bandsAll = hdr[0], nPackets = hdr[1], npy = hdr[2];
    if (bandsAll < 1 || bandsAll > PMAX_BANDS || nPackets < 1 || nPackets > 4096 || npy < 1 || hdr[3] < 0
            || (hdr[9] != 0 ? hdr[10] < H_BITS + 16 : hdr[10] < H_GMAX + 16) || hdr[10] > 4096 || hdr[11] < 1
            || hdr[12] < 0 || hdr[12] > 255 || hdr[13] < 0 || hdr[13] > 255 || hdr[14] < 1 || py0 < 0
            || py1 > npy || py0 > py1 || planLen < RPH + (long) bandsAll * RPB + 3L * nPackets) {
        return E_ERR_ARGS;
    }
    const int vpred = hdr[7] != 0;
    if ((vpred && (gcli == NULL || gmax == NULL || (*env)->GetArrayLength(env, gcli) < bandsAll
            || (*env)->GetArrayLength(env, gmax) < bandsAll))
            || (*env)->GetArrayLength(env, prevGtl) < bandsAll
            || (*env)->GetArrayLength(env, planQ) < npy || (*env)->GetArrayLength(env, planR) < npy
            || (*env)->GetArrayLength(env, planSize) < npy || (*env)->GetArrayLength(env, planPadded) < npy
            || (*env)->GetArrayLength(env, planOffset) < npy
            || (*env)->GetArrayLength(env, planMode) < (long) npy * bandsAll
            || (*env)->GetArrayLength(env, pktData) < (long) npy * nPackets
            || (*env)->GetArrayLength(env, pktCnt) < (long) npy * nPackets
            || (*env)->GetArrayLength(env, pktSign) < (long) npy * nPackets
            || (*env)->GetArrayLength(env, pktRaw) < (long) npy * nPackets
            || (*env)->GetArrayLength(env, stats) < (long) npy * hdr[11] * hdr[10]) {
        return E_ERR_ARGS;
    }
    jlong st[6];
    (*env)->GetLongArrayRegion(env, state, 0, 6, st);
    const long outLen = (*env)->GetArrayLength(env, out);
    if (st[4] < 0 || st[5] < 0 || st[4] + st[5] > outLen || st[0] < st[4] || st[0] > st[4] + st[5] || st[1] < 0
            || st[3] < 0 || st[3] > st[5]) {
        return E_ERR_ARGS;
    }
    rc_t *R = calloc(1, sizeof(rc_t));
    int32_t *pl = malloc((size_t) planLen * sizeof(int32_t));
    if (R == NULL || pl == NULL) {
        free(R);
        free(pl);
        return E_ERR_NOMEM;
    }
    (*env)->GetIntArrayRegion(env, plan, 0, (jsize) planLen, pl);
    R->plan = pl;
    R->bandsAll = bandsAll;
    R->nPackets = nPackets;
    R->npy = npy;
    R->phb = hdr[3];
    R->longHdr = hdr[4] != 0;
    R->signs = hdr[5];
    R->rm = hdr[6];
    R->vpred = hdr[7];
    R->sig = hdr[8] != 0;
    R->statsBits = hdr[9] != 0;
    R->hSize = hdr[10];
    R->statRows = hdr[11];
    R->maxQ = hdr[12];
    R->maxR = hdr[13];
    R->hsl = hdr[14];
    int rc = 0;
    long costLines = 0;
    jarray ag[PMAX_BANDS], am[PMAX_BANDS];
    memset(ag, 0, sizeof ag);
    memset(am, 0, sizeof am);
    if ((*env)->EnsureLocalCapacity(env, 2 * bandsAll + 16) != 0) {
        (*env)->ExceptionClear(env);
        rc = E_ERR_NOMEM;
    }
    for (int b = 0; b < bandsAll && rc == 0; b++) {
        if (!R_EXISTS(R, b)) {
            continue;
        }
        long bh = R_BH(R, b), lines = R_LINES(R, b), gw = R_GW(R, b), sw = R_SW(R, b), sb = R_STATBASE(R, b);
        if (bh < 1 || lines < 1 || lines > 64 || gw < 1 || gw > 65535 || sw != (gw + 7) >> 3
                || bh > (long) npy * lines || bh < (long) (npy - 1) * lines || sb < 0 || sb + lines > R->statRows
                || R_GAIN(R, b) < 0 || R_GAIN(R, b) > 255 || R_PRIO(R, b) < 0 || R_PRIO(R, b) > 255) {
            rc = E_ERR_ARGS;
            break;
        }
        R->costAt[b] = (int) costLines;
        costLines += lines;
        if (vpred) {
            ag[b] = (*env)->GetObjectArrayElement(env, gcli, b);
            am[b] = (*env)->GetObjectArrayElement(env, gmax, b);
            if (ag[b] == NULL || am[b] == NULL || (*env)->GetArrayLength(env, ag[b]) < gw * bh
                    || (*env)->GetArrayLength(env, am[b]) < sw * bh) {
                rc = E_ERR_ARGS;
            }
        }
    }
    for (int k = 0; k < nPackets && rc == 0; k++) {
        int line = R_PKT(R, k, 0), b0 = R_PKT(R, k, 1), b1 = R_PKT(R, k, 2);
        if (line < 0 || b0 < 0 || b1 > bandsAll || b0 > b1) {
            rc = E_ERR_ARGS;
            break;
        }
        for (int b = b0; b < b1; b++) {
            if (!R_EXISTS(R, b)) {
                rc = E_ERR_ARGS;
                break;
            }
        }
    }
    if (rc == 0) {
        jint pg[PMAX_BANDS];
        (*env)->GetIntArrayRegion(env, prevGtl, 0, bandsAll, pg);
        for (int b = 0; b < bandsAll; b++) {
            R->prevGtl[b] = pg[b] < 0 ? 0 : (pg[b] > 15 ? 15 : pg[b]);
        }
        const size_t cl = (size_t) (costLines > 0 ? costLines : 1);
        R->costs = malloc(cl * RC_COSTS * sizeof(int32_t));
        R->lineAt = malloc(cl * 4 * sizeof(int32_t));
        R->pktOf = malloc(cl * sizeof(int32_t));
        R->pktSum = malloc((size_t) nPackets * 5 * sizeof(int64_t));
        R->pktAny = malloc((size_t) nPackets);
        if (R->costs == NULL || R->lineAt == NULL || R->pktOf == NULL || R->pktSum == NULL || R->pktAny == NULL) {
            rc = E_ERR_NOMEM;
        } else {
            /* the packet of every band line (a band line in no packet counts in no size, as in the Java code) */
            for (size_t i = 0; i < cl; i++) {
                R->pktOf[i] = -1;
            }
            for (int k = 0; k < nPackets; k++) {
                const int line = R_PKT(R, k, 0);
                for (int b = R_PKT(R, k, 1); b < R_PKT(R, k, 2); b++) {
                    if (line < R_LINES(R, b)) {
                        if (R->pktOf[R->costAt[b] + line] >= 0) {
                            rc = E_ERR_ARGS; /* a band line in two packets */
                        }
                        R->pktOf[R->costAt[b] + line] = k;
                    }
                }
            }
        }
    }
    int done = 0;
    if (rc == 0 && py1 > py0) {
        void *pgc[PMAX_BANDS], *pgm[PMAX_BANDS];
        memset(pgc, 0, sizeof pgc);
        memset(pgm, 0, sizeof pgm);
        /* written while the packing threads read the precincts planned before: pinned in place, not copied */
        jarray small[10] = {planQ, planR, planSize, planPadded, planOffset, planMode, pktData, pktCnt, pktSign,
                pktRaw};
        void *ps[10];
        memset(ps, 0, sizeof ps);
        void *po = NULL, *pst = NULL;
        int ok = 1;
        for (int i = 0; i < 10 && ok; i++) {
            ps[i] = pin_in_place(env, small[i]);
            ok = ps[i] != NULL;
        }
        if (ok) {
            pst = (*env)->GetPrimitiveArrayCritical(env, stats, NULL);
            ok = pst != NULL;
        }
        for (int b = 0; b < bandsAll && ok && vpred; b++) {
            if (ag[b] == NULL) {
                continue;
            }
            pgc[b] = (*env)->GetPrimitiveArrayCritical(env, ag[b], NULL);
            pgm[b] = pgc[b] != NULL ? (*env)->GetPrimitiveArrayCritical(env, am[b], NULL) : NULL;
            ok = pgm[b] != NULL;
        }
        if (ok) {
            po = pin_in_place(env, out);
            ok = po != NULL;
        }
        if (ok) {
            R->planQ = ps[0];
            R->planR = ps[1];
            R->planSize = ps[2];
            R->planPadded = ps[3];
            R->planOffset = ps[4];
            R->planMode = ps[5];
            R->pktData = ps[6];
            R->pktCnt = ps[7];
            R->pktSign = ps[8];
            R->pktRaw = ps[9];
            R->stats = pst;
            for (int b = 0; b < bandsAll; b++) {
                R->gcli[b] = pgc[b];
                R->gmax[b] = pgm[b];
            }
            R->out = po;
            int64_t s64[6];
            for (int i = 0; i < 6; i++) {
                s64[i] = st[i];
            }
            if (isa >= E_ISA_AVX2) { /* AVX-512: the AVX2 code */
                done = rc_avx2(R, s64, py0, py1);
            } else if (isa == E_ISA_SSE41) {
                done = rc_sse41(R, s64, py0, py1);
            } else {
                done = rc_scalar(R, s64, py0, py1);
            }
            for (int i = 0; i < 3; i++) {
                st[i] = s64[i];
            }
        } else {
            rc = E_ERR_PIN;
        }
        if (po != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, out, po, 0);
        }
        for (int b = bandsAll - 1; b >= 0; b--) {
            if (pgm[b] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, am[b], pgm[b], JNI_ABORT);
            }
            if (pgc[b] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, ag[b], pgc[b], JNI_ABORT);
            }
        }
        if (pst != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, stats, pst, JNI_ABORT);
        }
        for (int i = 9; i >= 0; i--) {
            if (ps[i] != NULL) {
                (*env)->ReleasePrimitiveArrayCritical(env, small[i], ps[i], 0);
            }
        }
        if (rc == 0) {
            (*env)->SetLongArrayRegion(env, state, 0, 3, st);
            jint pg[PMAX_BANDS];
            for (int b = 0; b < bandsAll; b++) {
                pg[b] = R->prevGtl[b];
            }
            (*env)->SetIntArrayRegion(env, prevGtl, 0, bandsAll, pg);
        }
    }
    for (int b = 0; b < bandsAll; b++) {
        if (ag[b] != NULL) {
            (*env)->DeleteLocalRef(env, ag[b]);
        }
        if (am[b] != NULL) {
            (*env)->DeleteLocalRef(env, am[b]);
        }
    }
    free(R->costs);
    free(R->lineAt);
    free(R->pktOf);
    free(R->pktSum);
    free(R->pktAny);
    free(R);
    free(pl);
    return rc != 0 ? rc : done;
}
