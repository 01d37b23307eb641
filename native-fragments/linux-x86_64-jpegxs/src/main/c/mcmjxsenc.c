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
 * Instruction sets as in mcmjxs.c: the same kernels compiled three times (scalar, SSE4.1, AVX2 with BMI2's pdep
 * for the bit-plane spreading), picked by the caller. Every array length and every dimension is checked before
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

enum { E_ISA_SCALAR = 0, E_ISA_SSE41 = 1, E_ISA_AVX2 = 2 };
enum { E_ERR_ARGS = -1, E_ERR_NOMEM = -2, E_ERR_PIN = -3 };

static int enc_best_isa = -1;
/* SPREAD[q] (q < 256): bit i of q at bit 4i (BitPlanes.SPREAD) */
static uint64_t spread8[256];

__attribute__((constructor)) static void enc_init(void) {
    __builtin_cpu_init();
    enc_best_isa = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") ? E_ISA_AVX2
            : __builtin_cpu_supports("sse4.1") ? E_ISA_SSE41 : E_ISA_SCALAR;
    for (int q = 0; q < 256; q++) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (uint64_t) ((q >> i) & 1) << (4 * i);
        }
        spread8[q] = v;
    }
}

#define ALWAYS static inline __attribute__((always_inline))

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
    const int32_t *src;
    int srcStride;
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

/*
 * Rounds row y of band B (wavelet values in in[0..w), overwritten) as EncoderTransform.roundRow does: into the
 * band's words or rounded values, its counts and 8-group maxima and the row's statistics.
 */
ALWAYS void round_row(const eplan_t *P, const eband_t *B, int y, int32_t *restrict in, int32_t *restrict abs,
        int usePdep) {
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

/* Row y of a level's input: the source (scaled into buf when the plan says so) or a row of the previous level. */
ALWAYS const int32_t *load_row(const eplan_t *P, int level0, const int32_t *cur, int stride, int y, int w,
        int32_t *restrict buf) {
    if (!level0) {
        return cur + (size_t) y * stride;
    }
    const int32_t *s = P->src + (size_t) y * P->srcStride;
    if (!P->scaleOn) {
        return s;
    }
    const int32_t mask = P->mask, offset = P->offset;
    const int shift = P->shift;
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
 * forwardComponent(isa, int[] src, srcOff, srcStride, w, h, depth (0: no scaling), nh, nv, int[] bufA, int[] bufB,
 *                  byte[][] gcli, int[][] gmax, Object[] coef, int[] dims, char[] stats, statRows, hSize, flags)
 *   -> 0, or a negative E_ERR_* (nothing written then).
 * The component's bands in Geometry's local order: gcli, gmax, coef (long[] packing words with deadzone
 * quantization, flags bit 0, else int[] rounded values) and dims (per band: width, height, lines per precinct,
 * first statistics row within a precinct's); stats: statRows rows of hSize chars per precinct; flags bit 1: the
 * statistics hold the bit lengths. bufA holds ceil(h/2) rows of w, bufB the second level's (may be null below 2).
 */
JNIEXPORT jint JNICALL Java_org_mcm_codec_jpegxs_JxsNative_forwardComponent(JNIEnv *env, jclass cls, jint isa,
        jintArray src, jint srcOff, jint srcStride, jint w, jint h, jint depth, jint nh, jint nv, jintArray bufA,
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
    /* the source holds h rows of w from srcOff */
    if ((long) srcOff + (long) (h - 1) * srcStride + w > (*env)->GetArrayLength(env, src)) {
        return E_ERR_ARGS;
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
            psrc = (*env)->GetPrimitiveArrayCritical(env, src, NULL);
            ok = psrc != NULL;
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
            pst = (*env)->GetPrimitiveArrayCritical(env, stats, NULL);
            ok = pst != NULL;
        }
        if (ok) {
            P.src = (const int32_t *) psrc + srcOff;
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
            if (isa == E_ISA_AVX2) {
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
            (*env)->ReleasePrimitiveArrayCritical(env, src, psrc, JNI_ABORT);
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
    for (int b = 0; b < got; b++) {
        if (ag[b] != NULL) {
            (*env)->DeleteLocalRef(env, ag[b]);
        }
        if (am[b] != NULL) {
            (*env)->DeleteLocalRef(env, am[b]);
        }
        if (ac[b] != NULL) {
            (*env)->DeleteLocalRef(env, ac[b]);
        }
    }
    (*env)->DeleteLocalRef(env, byteArr);
    (*env)->DeleteLocalRef(env, intArr);
    (*env)->DeleteLocalRef(env, longArr);
    free(scratch);
    return rc;
}
