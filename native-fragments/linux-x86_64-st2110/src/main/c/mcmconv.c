/*
 * libmcmnet, part 2: conversion between the planar 4:2:2 layouts apps use (yuv422p10le: 16-bit little-endian
 * samples; yuv422p: 8-bit) and the RFC 4175 pixel groups on the wire (10-bit: Cb Y0 Cr Y1 as 4 x 10 bits
 * big-endian in 5 bytes; 8-bit: UYVY), a run of whole pixel groups per call. Stateless: the caller picks the
 * instruction set (mcmnet_cpu_isa() tells the best one this CPU has; lower ones stay callable so tests can force
 * each), the scalar code does what the SSE4.1 and AVX2 loops leave over; the AVX-512 loops take a run's last
 * pgroups with masked loads and stores. The vector loops never read or write a byte outside the run they were given. Samples above 10 bits are masked, as the Java code does.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define API __attribute__((visibility("default")))

enum { ISA_SCALAR = 0, ISA_SSE41 = 1, ISA_AVX2 = 2, ISA_AVX512 = 3 };
enum { FMT_P10 = 10, FMT_P8 = 8 };

static int best_isa = -1;

__attribute__((constructor)) static void find_isa(void) {
    __builtin_cpu_init();
    /* libgcc's check of an AVX-512 feature includes the OS saving the ZMM state (XGETBV) */
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi");
    best_isa = avx512                           ? ISA_AVX512
            : __builtin_cpu_supports("avx2")   ? ISA_AVX2
            : __builtin_cpu_supports("sse4.1") ? ISA_SSE41
                                               : ISA_SCALAR;
}

/* The best instruction set of this CPU for the conversions: 3 AVX-512 (F, BW, VL and VBMI: the 10-bit
 * conversions; 8-bit takes the AVX2 loops there), 2 AVX2, 1 SSE4.1, 0 none (scalar C). */
API int mcmnet_cpu_isa(void) {
    return best_isa;
}

static inline uint32_t ld16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v & 0x3FF;
}

static inline void st16(uint8_t *p, uint32_t v) {
    uint16_t s = (uint16_t)v;
    memcpy(p, &s, 2);
}

/* ---- scalar ---------------------------------------------------------------------------------------------- */

static void p10_to_pg_scalar(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *d, int n) {
    for (int k = 0; k < n; k++, y += 4, cb += 2, cr += 2, d += 5) {
        uint64_t v = (uint64_t)ld16(cb) << 30 | (uint64_t)ld16(y) << 20 | (uint64_t)ld16(cr) << 10 | ld16(y + 2);
        d[0] = (uint8_t)(v >> 32);
        d[1] = (uint8_t)(v >> 24);
        d[2] = (uint8_t)(v >> 16);
        d[3] = (uint8_t)(v >> 8);
        d[4] = (uint8_t)v;
    }
}

static void pg_to_p10_scalar(const uint8_t *s, uint8_t *y, uint8_t *cb, uint8_t *cr, int n) {
    for (int k = 0; k < n; k++, s += 5, y += 4, cb += 2, cr += 2) {
        uint64_t v = (uint64_t)s[0] << 32 | (uint64_t)s[1] << 24 | (uint64_t)s[2] << 16 | (uint64_t)s[3] << 8 | s[4];
        st16(cb, (uint32_t)(v >> 30) & 0x3FF);
        st16(y, (uint32_t)(v >> 20) & 0x3FF);
        st16(cr, (uint32_t)(v >> 10) & 0x3FF);
        st16(y + 2, (uint32_t)v & 0x3FF);
    }
}

static void p8_to_uyvy_scalar(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *d, int n) {
    for (int k = 0; k < n; k++, d += 4) {
        d[0] = cb[k];
        d[1] = y[2 * k];
        d[2] = cr[k];
        d[3] = y[2 * k + 1];
    }
}

static void uyvy_to_p8_scalar(const uint8_t *s, uint8_t *y, uint8_t *cb, uint8_t *cr, int n) {
    for (int k = 0; k < n; k++, s += 4) {
        cb[k] = s[0];
        y[2 * k] = s[1];
        cr[k] = s[2];
        y[2 * k + 1] = s[3];
    }
}

/* ---- SSE4.1 ---------------------------------------------------------------------------------------------- */

/* Four pgroups a step: (Y, Cb|Cr) interleaved per 16 bits, madd makes the two 20-bit halves Cb<<10|Y0 and
 * Cr<<10|Y1 of each pgroup, one 64-bit lane joins them, a byte shuffle writes the 5 bytes big-endian. Two 16-byte
 * stores a step overlap by 6 bytes (rewritten by the next store), so the loop stops 6 bytes before the end. */
__attribute__((target("sse4.1"))) static int p10_to_pg_sse41(const uint8_t *y, const uint8_t *cb, const uint8_t *cr,
        uint8_t *d, int n) {
    const __m128i m10 = _mm_set1_epi16(0x3FF);
    const __m128i mul = _mm_set1_epi32(0x04000001);
    const __m128i lo32 = _mm_set_epi32(0, -1, 0, -1);
    const __m128i be = _mm_setr_epi8(4, 3, 2, 1, 0, 12, 11, 10, 9, 8, -1, -1, -1, -1, -1, -1);
    int k = 0;
    for (; k + 6 <= n; k += 4) {
        __m128i vy = _mm_and_si128(_mm_loadu_si128((const __m128i *)(y + 4 * k)), m10);
        __m128i vcb = _mm_loadl_epi64((const __m128i *)(cb + 2 * k));
        __m128i vcr = _mm_loadl_epi64((const __m128i *)(cr + 2 * k));
        __m128i c = _mm_and_si128(_mm_unpacklo_epi16(vcb, vcr), m10);
        __m128i a = _mm_madd_epi16(_mm_unpacklo_epi16(vy, c), mul);
        __m128i b = _mm_madd_epi16(_mm_unpackhi_epi16(vy, c), mul);
        a = _mm_or_si128(_mm_slli_epi64(_mm_and_si128(a, lo32), 20), _mm_srli_epi64(a, 32));
        b = _mm_or_si128(_mm_slli_epi64(_mm_and_si128(b, lo32), 20), _mm_srli_epi64(b, 32));
        _mm_storeu_si128((__m128i *)(d + 5 * k), _mm_shuffle_epi8(a, be));
        _mm_storeu_si128((__m128i *)(d + 5 * k + 10), _mm_shuffle_epi8(b, be));
    }
    return k;
}

/* Two pgroups per 16-byte load (two loads a step, 6 bytes read beyond the 20 used: the loop stops before the end).
 * A byte shuffle puts Cb<<10|Y0 (shifted left 4) and Cr<<10|Y1 of each pgroup into 32-bit lanes. */
__attribute__((target("sse4.1"))) static inline __m128i pg2_sse41(__m128i in) {
    const __m128i sh = _mm_setr_epi8(2, 1, 0, -1, 7, 6, 5, -1, 4, 3, 2, -1, 9, 8, 7, -1);
    const __m128i m20 = _mm_set1_epi32(0xFFFFF);
    const __m128i m10 = _mm_set1_epi32(0x3FF);
    const __m128i order = _mm_setr_epi8(0, 1, 8, 9, 4, 5, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
    __m128i r = _mm_shuffle_epi8(in, sh);
    r = _mm_and_si128(_mm_blend_epi16(_mm_srli_epi32(r, 4), r, 0xF0), m20); /* [A0 A1 B0 B1] */
    __m128i t = _mm_or_si128(_mm_and_si128(r, m10), _mm_slli_epi32(_mm_srli_epi32(r, 10), 16));
    return _mm_shuffle_epi8(t, order); /* Y0 Y1 Y2 Y3 Cb0 Cb1 Cr0 Cr1 */
}

__attribute__((target("sse4.1"))) static int pg_to_p10_sse41(const uint8_t *s, uint8_t *y, uint8_t *cb, uint8_t *cr,
        int n) {
    int k = 0;
    for (; k + 6 <= n; k += 4) {
        const uint8_t *p = s + 5 * k;
        __m128i r1 = pg2_sse41(_mm_loadu_si128((const __m128i *)p));
        __m128i r2 = pg2_sse41(_mm_loadu_si128((const __m128i *)(p + 10)));
        _mm_storeu_si128((__m128i *)(y + 4 * k), _mm_unpacklo_epi64(r1, r2));
        __m128i c = _mm_unpackhi_epi32(r1, r2);
        _mm_storel_epi64((__m128i *)(cb + 2 * k), c);
        _mm_storel_epi64((__m128i *)(cr + 2 * k), _mm_unpackhi_epi64(c, c));
    }
    return k;
}

__attribute__((target("sse4.1"))) static int p8_to_uyvy_sse41(const uint8_t *y, const uint8_t *cb, const uint8_t *cr,
        uint8_t *d, int n) {
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        __m128i vy = _mm_loadu_si128((const __m128i *)(y + 2 * k));
        __m128i c = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(cb + k)),
                _mm_loadl_epi64((const __m128i *)(cr + k)));
        _mm_storeu_si128((__m128i *)(d + 4 * k), _mm_unpacklo_epi8(c, vy));
        _mm_storeu_si128((__m128i *)(d + 4 * k + 16), _mm_unpackhi_epi8(c, vy));
    }
    return k;
}

__attribute__((target("sse4.1"))) static int uyvy_to_p8_sse41(const uint8_t *s, uint8_t *y, uint8_t *cb, uint8_t *cr,
        int n) {
    const __m128i sh = _mm_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, 0, 4, 8, 12, 2, 6, 10, 14);
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        __m128i r1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s + 4 * k)), sh);
        __m128i r2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s + 4 * k + 16)), sh);
        _mm_storeu_si128((__m128i *)(y + 2 * k), _mm_unpacklo_epi64(r1, r2));
        __m128i c = _mm_unpackhi_epi32(r1, r2);
        _mm_storel_epi64((__m128i *)(cb + k), c);
        _mm_storel_epi64((__m128i *)(cr + k), _mm_unpackhi_epi64(c, c));
    }
    return k;
}

/* ---- AVX2: the same steps on two 128-bit lanes, twice the pgroups a step -------------------------------- */

__attribute__((target("avx2"))) static int p10_to_pg_avx2(const uint8_t *y, const uint8_t *cb, const uint8_t *cr,
        uint8_t *d, int n) {
    const __m256i m10 = _mm256_set1_epi16(0x3FF);
    const __m256i mul = _mm256_set1_epi32(0x04000001);
    const __m256i lo32 = _mm256_set_epi32(0, -1, 0, -1, 0, -1, 0, -1);
    const __m256i be = _mm256_setr_epi8(4, 3, 2, 1, 0, 12, 11, 10, 9, 8, -1, -1, -1, -1, -1, -1,
            4, 3, 2, 1, 0, 12, 11, 10, 9, 8, -1, -1, -1, -1, -1, -1);
    int k = 0;
    for (; k + 10 <= n; k += 8) {
        __m256i vy = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(y + 4 * k)), m10);
        __m128i vcb = _mm_loadu_si128((const __m128i *)(cb + 2 * k));
        __m128i vcr = _mm_loadu_si128((const __m128i *)(cr + 2 * k));
        __m256i c = _mm256_and_si256(
                _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi16(vcb, vcr)),
                        _mm_unpackhi_epi16(vcb, vcr), 1),
                m10);
        __m256i a = _mm256_madd_epi16(_mm256_unpacklo_epi16(vy, c), mul); /* pgroups 0 1 | 4 5 */
        __m256i b = _mm256_madd_epi16(_mm256_unpackhi_epi16(vy, c), mul); /* pgroups 2 3 | 6 7 */
        a = _mm256_shuffle_epi8(
                _mm256_or_si256(_mm256_slli_epi64(_mm256_and_si256(a, lo32), 20), _mm256_srli_epi64(a, 32)), be);
        b = _mm256_shuffle_epi8(
                _mm256_or_si256(_mm256_slli_epi64(_mm256_and_si256(b, lo32), 20), _mm256_srli_epi64(b, 32)), be);
        uint8_t *o = d + 5 * k;
        _mm_storeu_si128((__m128i *)o, _mm256_castsi256_si128(a));
        _mm_storeu_si128((__m128i *)(o + 10), _mm256_castsi256_si128(b));
        _mm_storeu_si128((__m128i *)(o + 20), _mm256_extracti128_si256(a, 1));
        _mm_storeu_si128((__m128i *)(o + 30), _mm256_extracti128_si256(b, 1));
    }
    return k;
}

__attribute__((target("avx2"))) static inline __m256i pg4_avx2(const uint8_t *lo, const uint8_t *hi) {
    const __m256i sh = _mm256_setr_epi8(2, 1, 0, -1, 7, 6, 5, -1, 4, 3, 2, -1, 9, 8, 7, -1,
            2, 1, 0, -1, 7, 6, 5, -1, 4, 3, 2, -1, 9, 8, 7, -1);
    const __m256i shift = _mm256_setr_epi32(4, 4, 0, 0, 4, 4, 0, 0);
    const __m256i m20 = _mm256_set1_epi32(0xFFFFF);
    const __m256i m10 = _mm256_set1_epi32(0x3FF);
    const __m256i order = _mm256_setr_epi8(0, 1, 8, 9, 4, 5, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,
            0, 1, 8, 9, 4, 5, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
    __m256i in = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)lo)),
            _mm_loadu_si128((const __m128i *)hi), 1);
    __m256i r = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(in, sh), shift), m20);
    __m256i t = _mm256_or_si256(_mm256_and_si256(r, m10), _mm256_slli_epi32(_mm256_srli_epi32(r, 10), 16));
    return _mm256_shuffle_epi8(t, order);
}

__attribute__((target("avx2"))) static int pg_to_p10_avx2(const uint8_t *s, uint8_t *y, uint8_t *cb, uint8_t *cr,
        int n) {
    int k = 0;
    for (; k + 10 <= n; k += 8) {
        const uint8_t *p = s + 5 * k;
        __m256i r1 = pg4_avx2(p, p + 20);      /* pgroups 0 1 | 4 5 */
        __m256i r2 = pg4_avx2(p + 10, p + 30); /* pgroups 2 3 | 6 7 */
        _mm256_storeu_si256((__m256i *)(y + 4 * k), _mm256_unpacklo_epi64(r1, r2));
        __m256i c = _mm256_permute4x64_epi64(_mm256_unpackhi_epi32(r1, r2), 0xD8);
        _mm_storeu_si128((__m128i *)(cb + 2 * k), _mm256_castsi256_si128(c));
        _mm_storeu_si128((__m128i *)(cr + 2 * k), _mm256_extracti128_si256(c, 1));
    }
    return k;
}

__attribute__((target("avx2"))) static int p8_to_uyvy_avx2(const uint8_t *y, const uint8_t *cb, const uint8_t *cr,
        uint8_t *d, int n) {
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        __m256i vy = _mm256_loadu_si256((const __m256i *)(y + 2 * k));
        __m128i vcb = _mm_loadu_si128((const __m128i *)(cb + k));
        __m128i vcr = _mm_loadu_si128((const __m128i *)(cr + k));
        __m256i c = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi8(vcb, vcr)),
                _mm_unpackhi_epi8(vcb, vcr), 1);
        __m256i lo = _mm256_unpacklo_epi8(c, vy); /* pgroups 0-3 | 8-11 */
        __m256i hi = _mm256_unpackhi_epi8(c, vy); /* pgroups 4-7 | 12-15 */
        _mm256_storeu_si256((__m256i *)(d + 4 * k), _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256((__m256i *)(d + 4 * k + 32), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
    return k;
}

__attribute__((target("avx2"))) static int uyvy_to_p8_avx2(const uint8_t *s, uint8_t *y, uint8_t *cb, uint8_t *cr,
        int n) {
    const __m256i sh = _mm256_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, 0, 4, 8, 12, 2, 6, 10, 14,
            1, 3, 5, 7, 9, 11, 13, 15, 0, 4, 8, 12, 2, 6, 10, 14);
    const __m256i cidx = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        __m256i r1 = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(s + 4 * k)), sh);
        __m256i r2 = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(s + 4 * k + 32)), sh);
        _mm256_storeu_si256((__m256i *)(y + 2 * k), _mm256_permute4x64_epi64(_mm256_unpacklo_epi64(r1, r2), 0xD8));
        __m256i c = _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi32(r1, r2), cidx);
        _mm_storeu_si128((__m128i *)(cb + k), _mm256_castsi256_si128(c));
        _mm_storeu_si128((__m128i *)(cr + k), _mm256_extracti128_si256(c, 1));
    }
    return k;
}

/* ---- AVX-512 (F, BW, VL, VBMI): eight pgroups a step, masked loads and stores, no tail -------------------- */
#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

/* Eight pgroups (40 bytes) from s: each pgroup's 5 big-endian bytes into the low 5 bytes of its own 64-bit lane,
 * little-endian (the lane's value is Cb<<30 | Y0<<20 | Cr<<10 | Y1); multishift takes each 10-bit field into a
 * 16-bit word, the lane's words Y0 Y1 Cb Cr; a word permutation gathers Y0..Y15 | Cb0..Cb7 | Cr0..Cr7. */
T512 static inline __m512i pg8_avx512(const uint8_t *s, __mmask64 in) {
    const __m512i gather = _mm512_set_epi8(
            0, 0, 0, 35, 36, 37, 38, 39, 0, 0, 0, 30, 31, 32, 33, 34,
            0, 0, 0, 25, 26, 27, 28, 29, 0, 0, 0, 20, 21, 22, 23, 24,
            0, 0, 0, 15, 16, 17, 18, 19, 0, 0, 0, 10, 11, 12, 13, 14,
            0, 0, 0, 5, 6, 7, 8, 9, 0, 0, 0, 0, 1, 2, 3, 4);
    /* per lane, bytes 0..7: Y0 (bits 20, 28), Y1 (0, 8), Cb (30, 38), Cr (10, 18) */
    const __m512i fields = _mm512_set1_epi64(0x120A261E08001C14LL);
    const __m512i order = _mm512_set_epi16(
            31, 27, 23, 19, 15, 11, 7, 3, 30, 26, 22, 18, 14, 10, 6, 2,
            29, 28, 25, 24, 21, 20, 17, 16, 13, 12, 9, 8, 5, 4, 1, 0);
    __m512i v = _mm512_permutexvar_epi8(gather, _mm512_maskz_loadu_epi8(in, s));
    __m512i w = _mm512_and_si512(_mm512_multishift_epi64_epi8(fields, v), _mm512_set1_epi16(0x3FF));
    return _mm512_permutexvar_epi16(order, w);
}

T512 static int pg_to_p10_avx512(const uint8_t *s, uint8_t *y, uint8_t *cb, uint8_t *cr, int n) {
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        __m512i r = pg8_avx512(s + 5 * k, 0xFFFFFFFFFFULL);
        _mm256_storeu_si256((__m256i *)(y + 4 * k), _mm512_castsi512_si256(r));
        _mm_storeu_si128((__m128i *)(cb + 2 * k), _mm512_extracti32x4_epi32(r, 2));
        _mm_storeu_si128((__m128i *)(cr + 2 * k), _mm512_extracti32x4_epi32(r, 3));
    }
    if (k < n) { /* the last 1-7 pgroups: masked, nothing read or written beyond the run */
        int m = n - k;
        __m512i r = pg8_avx512(s + 5 * k, (1ULL << (5 * m)) - 1);
        _mm256_mask_storeu_epi16(y + 4 * k, (__mmask16)((1U << (2 * m)) - 1), _mm512_castsi512_si256(r));
        _mm_mask_storeu_epi16(cb + 2 * k, (__mmask8)((1U << m) - 1), _mm512_extracti32x4_epi32(r, 2));
        _mm_mask_storeu_epi16(cr + 2 * k, (__mmask8)((1U << m) - 1), _mm512_extracti32x4_epi32(r, 3));
        k = n;
    }
    return k;
}

/* Eight pgroups to d: the 16 Y, 8 Cb, 8 Cr samples (10 bits kept) into one register, a word permutation puts
 * each pgroup's Y1 Cr Y0 Cb into its 64-bit lane, madd joins them in pairs (Cr<<10|Y1, Cb<<10|Y0), the lane
 * becomes Cb<<30|Y0<<20|Cr<<10|Y1, a byte permutation writes its 5 bytes big-endian, 40 bytes in a row. */
T512 static inline void pg8_out_avx512(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *d,
        __mmask16 my, __mmask8 mc, __mmask64 out) {
    const __m512i order = _mm512_set_epi16(
            23, 14, 31, 15, 22, 12, 30, 13, 21, 10, 29, 11, 20, 8, 28, 9,
            19, 6, 27, 7, 18, 4, 26, 5, 17, 2, 25, 3, 16, 0, 24, 1);
    const __m512i scatter = _mm512_set_epi8(
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 56, 57, 58, 59, 60, 48, 49, 50,
            51, 52, 40, 41, 42, 43, 44, 32, 33, 34, 35, 36, 24, 25, 26, 27,
            28, 16, 17, 18, 19, 20, 8, 9, 10, 11, 12, 0, 1, 2, 3, 4);
    __m512i a = _mm512_castsi256_si512(_mm256_maskz_loadu_epi16(my, y));
    a = _mm512_inserti32x4(a, _mm_maskz_loadu_epi16(mc, cb), 2);
    a = _mm512_inserti32x4(a, _mm_maskz_loadu_epi16(mc, cr), 3);
    a = _mm512_and_si512(_mm512_permutexvar_epi16(order, a), _mm512_set1_epi16(0x3FF));
    __m512i q = _mm512_madd_epi16(a, _mm512_set1_epi32(0x04000001)); /* dwords: Cr<<10|Y1, Cb<<10|Y0 */
    q = _mm512_ternarylogic_epi64(_mm512_set1_epi64(0xFFFFF), q, _mm512_srli_epi64(q, 12), 0xCA);
    _mm512_mask_storeu_epi8(d, out, _mm512_permutexvar_epi8(scatter, q));
}

T512 static int p10_to_pg_avx512(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *d, int n) {
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        pg8_out_avx512(y + 4 * k, cb + 2 * k, cr + 2 * k, d + 5 * k, 0xFFFF, 0xFF, 0xFFFFFFFFFFULL);
    }
    if (k < n) {
        int m = n - k;
        pg8_out_avx512(y + 4 * k, cb + 2 * k, cr + 2 * k, d + 5 * k, (__mmask16)((1U << (2 * m)) - 1),
                (__mmask8)((1U << m) - 1), (1ULL << (5 * m)) - 1);
        k = n;
    }
    return k;
}

/* ---- entry points ---------------------------------------------------------------------------------------- */

static void to_wire(int isa, int fmt, uint8_t *y, uint8_t *cb, uint8_t *cr, uint8_t *d, int n) {
    int k = 0;
    int w = fmt == FMT_P10 ? 2 : 1; /* bytes per sample */
    int g = fmt == FMT_P10 ? 5 : 4; /* bytes per pgroup */
    if (isa >= ISA_AVX512 && fmt == FMT_P10) {
        p10_to_pg_avx512(y, cb, cr, d, n); /* the whole run, its last pgroups masked */
        return;
    }
    if (isa >= ISA_AVX2) {
        k = fmt == FMT_P10 ? p10_to_pg_avx2(y, cb, cr, d, n) : p8_to_uyvy_avx2(y, cb, cr, d, n);
    }
    if (isa >= ISA_SSE41) {
        k += fmt == FMT_P10 ? p10_to_pg_sse41(y + 2 * w * k, cb + w * k, cr + w * k, d + g * k, n - k)
                            : p8_to_uyvy_sse41(y + 2 * w * k, cb + w * k, cr + w * k, d + g * k, n - k);
    }
    if (fmt == FMT_P10) {
        p10_to_pg_scalar(y + 2 * w * k, cb + w * k, cr + w * k, d + g * k, n - k);
    } else {
        p8_to_uyvy_scalar(y + 2 * w * k, cb + w * k, cr + w * k, d + g * k, n - k);
    }
}

static void from_wire(int isa, int fmt, const uint8_t *s, uint8_t *y, uint8_t *cb, uint8_t *cr, int n) {
    int k = 0;
    int w = fmt == FMT_P10 ? 2 : 1;
    int g = fmt == FMT_P10 ? 5 : 4;
    if (isa >= ISA_AVX512 && fmt == FMT_P10) {
        pg_to_p10_avx512(s, y, cb, cr, n);
        return;
    }
    if (isa >= ISA_AVX2) {
        k = fmt == FMT_P10 ? pg_to_p10_avx2(s, y, cb, cr, n) : uyvy_to_p8_avx2(s, y, cb, cr, n);
    }
    if (isa >= ISA_SSE41) {
        k += fmt == FMT_P10 ? pg_to_p10_sse41(s + g * k, y + 2 * w * k, cb + w * k, cr + w * k, n - k)
                            : uyvy_to_p8_sse41(s + g * k, y + 2 * w * k, cb + w * k, cr + w * k, n - k);
    }
    if (fmt == FMT_P10) {
        pg_to_p10_scalar(s + g * k, y + 2 * w * k, cb + w * k, cr + w * k, n - k);
    } else {
        uyvy_to_p8_scalar(s + g * k, y + 2 * w * k, cb + w * k, cr + w * k, n - k);
    }
}

static int bad(int isa, int fmt, int n) {
    return isa < ISA_SCALAR || isa > best_isa || (fmt != FMT_P10 && fmt != FMT_P8) || n < 0;
}

/* groups pgroups from the planes (addresses of the first Y, Cb and Cr sample) to dst. 0, or -22 for a bad isa
 * (above what the CPU has), format (10 or 8) or count. */
API int mcmnet_to_wire(int isa, int fmt, int64_t y, int64_t cb, int64_t cr, int64_t dst, int groups) {
    if (bad(isa, fmt, groups)) {
        return -22;
    }
    to_wire(isa, fmt, (uint8_t *)(intptr_t)y, (uint8_t *)(intptr_t)cb, (uint8_t *)(intptr_t)cr,
            (uint8_t *)(intptr_t)dst, groups);
    return 0;
}

/* groups pgroups from src to the planes. 0 or -22 as above. */
API int mcmnet_from_wire(int isa, int fmt, int64_t src, int64_t y, int64_t cb, int64_t cr, int groups) {
    if (bad(isa, fmt, groups)) {
        return -22;
    }
    from_wire(isa, fmt, (const uint8_t *)(intptr_t)src, (uint8_t *)(intptr_t)y, (uint8_t *)(intptr_t)cb,
            (uint8_t *)(intptr_t)cr, groups);
    return 0;
}

/* n segments in one call: descs holds n records of five int64 (native order): src, y, cb, cr, groups. The caller
 * has checked every bound. 0 or -22 as above. */
API int mcmnet_from_wire_batch(int isa, int fmt, int64_t descs, int n) {
    if (bad(isa, fmt, n)) {
        return -22;
    }
    const int64_t *d = (const int64_t *)(intptr_t)descs;
    for (int i = 0; i < n; i++, d += 5) {
        if (d[4] < 0 || d[4] > 0x7FFFFFFF) {
            return -22;
        }
        from_wire(isa, fmt, (const uint8_t *)(intptr_t)d[0], (uint8_t *)(intptr_t)d[1], (uint8_t *)(intptr_t)d[2],
                (uint8_t *)(intptr_t)d[3], (int)d[4]);
    }
    return 0;
}
